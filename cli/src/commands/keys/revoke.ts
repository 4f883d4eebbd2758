import { isFingerprint, printable, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import { REVOCATION_REASONS, revokeRegisteredKey, type KeyRevocationReason } from '../../api/keys.js';
import { describeLocalKey, readPrivateKeyArmored, savePublicKey } from '../../pgp/keystore.js';
import { checkOneStdinSecret, passphraseSource } from '../../pgp/passphrase.js';
import { revokeLocally, unlockPrivateKey } from '../../pgp/sign.js';
import type { InputStream } from '../../prompt.js';

export class KeysRevokeCommand extends AccountCommand {
  static override paths = [['keys', 'revoke']];

  static override usage = Command.Usage({
    category: 'Keys',
    description: 'revoke a signing key, on the registry and here',
    details: `
      Revokes the key on the registry: packages signed by it are refused from now on, and installers distrust versions it signs after the revocation (\`--reason compromised\` makes them warn about earlier versions too). A revocation is final. Then, when the private key is on this computer, the local public key gets an OpenPGP revocation signature, so the key can no longer sign here; it stops being the signing key.

      Revoking on the registry needs a login session: the command asks for your password (or reads it with \`--password-stdin\`). A passphrase-protected key asks for its passphrase too.
    `,
    examples: [
      [
        'Retire a key you replaced',
        '$0 keys revoke 0123456789ABCDEF0123456789ABCDEF01234567 --reason superseded',
      ],
      [
        'Revoke a key that leaked',
        '$0 keys revoke 0123456789ABCDEF0123456789ABCDEF01234567 --reason compromised',
      ],
    ],
  });

  reason = Option.String('--reason', {
    description: `Why: ${REVOCATION_REASONS.join(', ')} (default superseded)`,
  });
  passphraseStdin = Option.Boolean('--passphrase-stdin', false, {
    description: "Read the key's passphrase from stdin",
  });

  fingerprint = Option.String({ name: 'fingerprint' });

  async execute(): Promise<number> {
    const fingerprint = this.fingerprint.toUpperCase().replace(/\s+/g, '');
    if (!isFingerprint(fingerprint)) {
      throw new UsageError(`"${printable(this.fingerprint)}" is not a key fingerprint`, {
        hint: 'give the 40 hex digits `skills keys list` shows',
      });
    }
    const reason = (this.reason ?? 'superseded') as KeyRevocationReason;
    if (!REVOCATION_REASONS.includes(reason)) {
      throw new UsageError(`--reason "${printable(this.reason ?? '')}" is not a revocation reason`, {
        hint: `give one of ${REVOCATION_REASONS.join(', ')}`,
      });
    }
    checkOneStdinSecret(this.passwordStdin, this.passphraseStdin);
    this.checkPasswordSource();
    const { home } = this.session;
    const local = await describeLocalKey(home, fingerprint).catch(() => null);
    // Unlocked first, so a wrong passphrase fails before the registry changes anything.
    const unlocked =
      local?.hasPrivate && !local.revoked
        ? await unlockPrivateKey(
            await readPrivateKeyArmored(home, fingerprint),
            fingerprint,
            passphraseSource(
              {
                env: this.session.env,
                stdin: this.context.stdin as InputStream,
                stderr: this.context.stderr,
                fromStdin: this.passphraseStdin,
              },
              fingerprint,
            ),
          )
        : null;

    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    let onRegistry = true;
    await this.withSession(api, username, async (jwt) => {
      try {
        await revokeRegisteredKey(api, jwt, fingerprint, reason);
      } catch (error) {
        // A key that was never registered can still be retired here.
        if ((error as { registryCode?: string }).registryCode !== 'key_not_found' || local === null)
          throw error;
        onRegistry = false;
      }
    });
    if (!onRegistry) {
      this.report.warning({
        code: 'KEY_NOT_FOUND',
        message: `the key ${fingerprint} is not registered to ${username} on ${api.registry.name}`,
      });
    }
    if (unlocked !== null) await savePublicKey(home, fingerprint, await revokeLocally(unlocked, reason));
    const wasSigning = await this.session.updateConfig((config) => {
      if (config.signingKey !== fingerprint) return false;
      config.signingKey = null;
      return true;
    });

    this.report.result(
      `Revoked the key ${this.report.out.bold(fingerprint)} (${reason})${onRegistry ? ` on ${api.registry.name}` : ''}${unlocked !== null ? ' and on this computer' : ''}.`,
    );
    if (wasSigning)
      this.report.result('It was the signing key: generate and register a new one before you publish again.');
    return this.report.success({
      registry: api.registry.name,
      fingerprint,
      reason,
      on_registry: onRegistry,
      local: unlocked !== null,
      was_signing_key: wasSigning,
    });
  }
}
