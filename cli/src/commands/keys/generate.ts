import os from 'node:os';
import { printable, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { privateKeyFile, publicKeyFile, saveKeyPair } from '../../pgp/keystore.js';
import { generateSigningKey } from '../../pgp/sign.js';
import { canPrompt, promptHidden, readSecretFromStdin, type InputStream } from '../../prompt.js';

export class KeysGenerateCommand extends BaseCommand {
  static override paths = [['keys', 'generate']];

  static override usage = Command.Usage({
    category: 'Keys',
    description: 'generate an OpenPGP key to sign what you publish',
    details: `
      Generates an ed25519 OpenPGP key (the form gpg 2.2 verifies) and stores it in \`$SKILLS_HOME/keys/\`: \`<fingerprint>.asc\` is the public key, \`<fingerprint>.key\` the private key (mode 0600). On a terminal you are asked for a passphrase to protect the private key (leave it empty for none); \`--passphrase-stdin\` reads it from stdin instead.

      The first key becomes the one \`skills publish\` signs with (config.json \`signingKey\`); \`skills keys register\` registers a key with your account and makes it the signing key.
    `,
    examples: [
      ['Generate a key named after you', '$0 keys generate --name "Ada Lovelace" --email ada@example.org'],
      [
        'Generate a passphrase-protected key in a script',
        'printf %s "$PASSPHRASE" | $0 keys generate --passphrase-stdin',
      ],
    ],
  });

  name = Option.String('--name', {
    description: "The key's user name (default: your login name on this computer)",
  });
  email = Option.String('--email', { description: "The key's email address" });
  passphraseStdin = Option.Boolean('--passphrase-stdin', false, {
    description: 'Read a passphrase for the private key from stdin',
  });

  async execute(): Promise<number> {
    const name = (this.name ?? safeUserName()).trim();
    if (name === '' || name.length > 128 || /[<>\p{Cc}]/u.test(name)) {
      throw new UsageError(`--name "${printable(name)}" cannot name a key`, {
        hint: 'give 1-128 characters without <, > or control characters, e.g. --name "Ada Lovelace"',
      });
    }
    const email = this.email?.trim() ?? null;
    if (email !== null && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) {
      throw new UsageError(`--email "${printable(email)}" is not an email address`, {
        hint: 'e.g. --email ada@example.org',
      });
    }
    const passphrase = await this.passphrase();

    this.report.progress('generating an ed25519 key…');
    const key = await generateSigningKey({ name, email, passphrase });
    const { home } = this.session;
    const chosen = await this.session.updateConfig(async (config) => {
      await saveKeyPair(home, key);
      if (config.signingKey !== null) return false;
      config.signingKey = key.fingerprint;
      return true;
    });

    const { out } = this.report;
    this.report.result(
      `Generated the key ${out.bold(key.fingerprint)} (${name}${email === null ? '' : ` <${email}>`}).`,
    );
    this.report.result(`  public key:  ${publicKeyFile(home, key.fingerprint)}`);
    this.report.result(
      `  private key: ${privateKeyFile(home, key.fingerprint)} (mode 0600${passphrase === null ? ', no passphrase' : ', passphrase-protected'})`,
    );
    this.report.result(
      chosen
        ? '`skills publish` signs with it.'
        : 'It is not the signing key yet: `skills keys register` makes it so.',
    );
    this.report.result(`Next: skills keys register${chosen ? '' : ` ${key.fingerprint}`}`);
    return this.report.success({
      fingerprint: key.fingerprint,
      user_id: email === null ? name : `${name} <${email}>`,
      public_key: publicKeyFile(home, key.fingerprint),
      private_key: privateKeyFile(home, key.fingerprint),
      encrypted: passphrase !== null,
      signing_key: chosen,
    });
  }

  /** Null for no passphrase: nothing piped and no terminal, or an empty answer at the prompt. */
  private async passphrase(): Promise<string | null> {
    const stdin = this.context.stdin as InputStream;
    if (this.passphraseStdin) return readSecretFromStdin(stdin, 'passphrase', '--passphrase-stdin');
    if (!canPrompt(stdin)) return null;
    const { stderr } = this.context;
    const first = await promptHidden(stdin, stderr, 'Passphrase to protect the key (empty for none): ');
    if (first === '') return null;
    const again = await promptHidden(stdin, stderr, 'Passphrase again: ');
    if (again !== first) {
      throw new UsageError('the two passphrases differ', {
        hint: 'run `skills keys generate` again and type the same passphrase twice',
      });
    }
    return first;
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'skills publisher';
  }
}
