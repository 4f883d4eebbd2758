import { isFingerprint, printable, SkillsError, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import {
  REVOCATION_REASONS,
  revokeRegisteredKey,
  type KeyRevocationAnswer,
  type KeyRevocationReason,
} from '../../api/keys.js';
import { describeLocalKey, readPublicKeyArmored, savePublicKey, type LocalKey } from '../../pgp/keystore.js';
import { checkOneStdinSecret } from '../../pgp/passphrase.js';
import { revokeLocally, unlockStoredKey } from '../../pgp/sign.js';
import { readOnePublicKey, revocationsOf, type Revocation } from '../../pgp/verify.js';
import type { InputStream } from '../../prompt.js';

/**
 * What is sent: the revocation this computer already holds, a new one made with the private key,
 * or none (the key is not here): then the registry alone knows.
 */
type Plan =
  | { kind: 'existing'; reason: KeyRevocationReason | null }
  | { kind: 'new'; reason: KeyRevocationReason }
  | { kind: 'registry-only'; reason: KeyRevocationReason };

export class KeysRevokeCommand extends AccountCommand {
  static override paths = [['keys', 'revoke']];

  static override usage = Command.Usage({
    category: 'Keys',
    description: 'revoke a signing key, here and on the registry',
    details: `
      Revokes the key with an OpenPGP revocation signature made by the key itself (its private key must be on this computer): the local public key gets it, so the key can no longer sign here and stops being the signing key, and the registry gets it too. The registry then refuses packages signed by the key, and publishes the revocation in the index's \`keys/<fingerprint>.asc\`, where installers read it: they refuse versions the key signed after the revocation (and up to 5 minutes before it), and \`--reason compromised\` makes them warn about earlier versions too. A revocation is final.

      A key revoked here earlier (by an older skills, or when sending failed) is sent again as it is; give \`--reason\` only to add a revocation with another reason. Without the private key, the registry can only be told to refuse the key: installers are not told, and a \`KEY_REVOCATION_UNPUBLISHED\` warning says so.

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
      [
        'Send a revocation made here earlier to the registry',
        '$0 keys revoke 0123456789ABCDEF0123456789ABCDEF01234567',
      ],
    ],
  });

  reason = Option.String('--reason', {
    description: `Why: ${REVOCATION_REASONS.join(', ')} (default: the reason of a revocation made here earlier, else superseded)`,
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
    const requested = (this.reason ?? null) as KeyRevocationReason | null;
    if (requested !== null && !REVOCATION_REASONS.includes(requested)) {
      throw new UsageError(`--reason "${printable(this.reason ?? '')}" is not a revocation reason`, {
        hint: `give one of ${REVOCATION_REASONS.join(', ')}`,
      });
    }
    checkOneStdinSecret(this.passwordStdin, this.passphraseStdin);
    this.checkPasswordSource();
    const { home } = this.session;
    const local = await describeLocalKey(home, fingerprint).catch(() => null);
    const revocations = await this.localRevocations(local);
    const plan = planRevocation(local, revocations, requested, fingerprint);
    // Unlocked first, so a wrong passphrase fails before anything changes.
    const unlocked =
      plan.kind === 'new'
        ? await unlockStoredKey(home, fingerprint, {
            env: this.session.env,
            stdin: this.context.stdin as InputStream,
            stderr: this.context.stderr,
            fromStdin: this.passphraseStdin,
          })
        : null;

    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    const registered = await this.withSession(
      api,
      username,
      async (jwt): Promise<KeyRevocationAnswer | null> => {
        let revocation: string | null = null;
        if (plan.kind === 'new' && unlocked !== null) {
          // Kept here before it is sent: if sending fails, running the command again sends this one.
          revocation = await revokeLocally(
            unlocked,
            plan.reason,
            await readPublicKeyArmored(home, fingerprint),
          );
          await savePublicKey(home, fingerprint, revocation);
        } else if (plan.kind === 'existing') {
          revocation = await readPublicKeyArmored(home, fingerprint);
        }
        try {
          return await revokeRegisteredKey(api, jwt, fingerprint, { reason: plan.reason, revocation });
        } catch (error) {
          // A key that was never registered can still be retired here.
          if ((error as { registryCode?: string }).registryCode === 'key_not_found' && local !== null)
            return null;
          if (revocation !== null) {
            this.report.warning({
              code: 'KEY_REVOCATION_UNPUBLISHED',
              message: `the key ${fingerprint} is revoked on this computer, but ${api.registry.name} did not take the revocation: run \`skills keys revoke ${fingerprint}${api.flag}\` again to send it`,
            });
          }
          throw error;
        }
      },
    );
    if (registered === null) {
      this.report.warning({
        code: 'KEY_NOT_FOUND',
        message: `the key ${fingerprint} is not registered to ${username} on ${api.registry.name}`,
      });
    }
    for (const warning of registered?.warnings ?? []) {
      this.report.warning({
        code: /^[A-Z][A-Z0-9_]{0,63}$/.test(warning.code) ? warning.code : 'REGISTRY_REFUSED',
        message: printable(warning.message, 2000),
      });
    }
    const revokedHere = plan.kind !== 'registry-only';
    const wasSigning = await this.session.updateConfig((config) => {
      if (config.signingKey !== fingerprint) return false;
      config.signingKey = null;
      return true;
    });

    const reason = registered?.reason ?? plan.reason ?? strongestReason(revocations);
    const where = [
      registered === null ? null : `on ${api.registry.name}`,
      revokedHere ? 'on this computer' : null,
    ]
      .filter((part) => part !== null)
      .join(' and ');
    this.report.result(
      `Revoked the key ${this.report.out.bold(fingerprint)} (${reason ?? 'no reason'})${where === '' ? '' : ` ${where}`}.`,
    );
    if (registered?.published) {
      this.report.result(
        `${api.registry.name} publishes the revocation in keys/${fingerprint}.asc: installers refuse what the key signed after ${registered.revokedAt}${reason === 'compromised' ? ' and warn about what it signed before' : ''}.`,
      );
    }
    if (wasSigning)
      this.report.result('It was the signing key: generate and register a new one before you publish again.');
    return this.report.success({
      registry: api.registry.name,
      fingerprint,
      reason,
      on_registry: registered !== null,
      revoked_at: registered?.revokedAt ?? null,
      published: registered?.published ?? false,
      local: revokedHere,
      was_signing_key: wasSigning,
    });
  }

  /** The revocations the local public key carries (none when it is not here or not revoked). */
  private async localRevocations(local: LocalKey | null): Promise<Revocation[]> {
    if (local === null || !local.revoked) return [];
    const key = await readOnePublicKey(
      await readPublicKeyArmored(this.session.home, local.fingerprint),
      local.fingerprint,
    );
    return revocationsOf(key, key);
  }
}

/** A revocation made here is sent again unless another reason is asked for; else make one, if we can. */
function planRevocation(
  local: LocalKey | null,
  revocations: readonly Revocation[],
  requested: KeyRevocationReason | null,
  fingerprint: string,
): Plan {
  if (revocations.length > 0 && (requested === null || revocations.some((one) => one.reason === requested)))
    return { kind: 'existing', reason: requested };
  if (local?.hasPrivate) return { kind: 'new', reason: requested ?? 'superseded' };
  if (revocations.length > 0) {
    throw new SkillsError(
      'KEY_NOT_FOUND',
      `the key ${fingerprint} is revoked on this computer for another reason, and its private key is not here to make a revocation saying ${requested}`,
      {
        hint: 'run the command where the private key is, or leave out --reason to send the revocation made here',
      },
    );
  }
  return { kind: 'registry-only', reason: requested ?? 'superseded' };
}

/** What a set of local revocations says: compromised if any does, else the earliest's reason. */
function strongestReason(revocations: readonly Revocation[]): KeyRevocationReason | null {
  if (revocations.some((one) => one.reason === 'compromised')) return 'compromised';
  const earliest = revocations[0]?.reason;
  return earliest === undefined || earliest === 'unspecified' ? null : earliest;
}
