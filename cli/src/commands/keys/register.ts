import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import { keyChallenge, registerKey } from '../../api/keys.js';
import { chooseSigningKey, readPublicKeyArmored } from '../../pgp/keystore.js';
import { checkOneStdinSecret } from '../../pgp/passphrase.js';
import { signDetached, unlockStoredKey } from '../../pgp/sign.js';
import type { InputStream } from '../../prompt.js';

export class KeysRegisterCommand extends AccountCommand {
  static override paths = [['keys', 'register']];

  static override usage = Command.Usage({
    category: 'Keys',
    description: 'register a key with your account, proving you hold it',
    details: `
      Registers a key of this computer (the signing key, or the one given) with your account on the registry: it asks the registry for a one-time challenge, signs \`skills-key:<username>:<challenge>\` with the key as proof that you hold it, and sends the public key with the proof. From then on the registry accepts packages signed by that key from you, and \`skills publish\` signs with it.

      A key belongs to one account forever. Registering keys needs a login session, so the command asks for your password (or reads it with \`--password-stdin\`); a passphrase-protected key asks for its passphrase too (or takes \`SKILLS_KEY_PASSPHRASE\`).
    `,
    examples: [
      ['Register the signing key', '$0 keys register'],
      ['Register another key of this computer', '$0 keys register 0123456789ABCDEF0123456789ABCDEF01234567'],
    ],
  });

  passphraseStdin = Option.Boolean('--passphrase-stdin', false, {
    description: "Read the key's passphrase from stdin",
  });

  fingerprint = Option.String({ name: 'fingerprint', required: false });

  async execute(): Promise<number> {
    checkOneStdinSecret(this.passwordStdin, this.passphraseStdin);
    this.checkPasswordSource();
    const { home } = this.session;
    const key = await chooseSigningKey(home, await this.session.config(), this.fingerprint);
    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    const unlocked = await unlockStoredKey(home, key.fingerprint, {
      env: this.session.env,
      stdin: this.context.stdin as InputStream,
      stderr: this.context.stderr,
      fromStdin: this.passphraseStdin,
    });
    const armored = await readPublicKeyArmored(home, key.fingerprint);
    const result = await this.withSession(api, username, async (jwt) => {
      const nonce = await keyChallenge(api, jwt);
      const proof = await signDetached(Buffer.from(`skills-key:${username}:${nonce}`, 'utf8'), unlocked);
      return registerKey(api, jwt, { armored, proof, nonce });
    });
    await this.session.updateConfig((config) => {
      config.signingKey = key.fingerprint;
    });

    const { out } = this.report;
    this.report.result(
      `${result.created ? 'Registered' : 'Already registered:'} the key ${out.bold(result.fingerprint)} with ${out.bold(username)} on ${api.registry.name}.`,
    );
    this.report.result('`skills publish` signs with it.');
    return this.report.success({
      registry: api.registry.name,
      username,
      fingerprint: result.fingerprint,
      created: result.created,
    });
  }
}
