import type { Writable } from 'node:stream';
import { SkillsError, UsageError } from '@skills/schema';
import type { Env } from '../home/paths.js';
import { canPrompt, promptHidden, readSecretFromStdin, type InputStream } from '../prompt.js';

export interface PassphraseOptions {
  env: Env;
  stdin: InputStream;
  stderr: Writable;
  /** `--passphrase-stdin` was given. */
  fromStdin: boolean;
}

/**
 * Where the passphrase of a protected key comes from, asked only when a key needs it:
 * `SKILLS_KEY_PASSPHRASE` (for CI), stdin with `--passphrase-stdin`, else a prompt without echo.
 */
export function passphraseSource(options: PassphraseOptions, fingerprint: string): () => Promise<string> {
  return async () => {
    const fromEnv = options.env['SKILLS_KEY_PASSPHRASE'];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (options.fromStdin) return readSecretFromStdin(options.stdin, 'passphrase', '--passphrase-stdin');
    if (canPrompt(options.stdin))
      return promptHidden(options.stdin, options.stderr, `Passphrase for key ${fingerprint}: `);
    throw new SkillsError(
      'KEY_PASSPHRASE',
      `the key ${fingerprint} is protected by a passphrase, and there is no terminal to ask for it`,
      {
        hint: 'set SKILLS_KEY_PASSPHRASE, or pipe the passphrase in with --passphrase-stdin',
      },
    );
  };
}

/** stdin can carry one secret: the password or the key's passphrase, not both. */
export function checkOneStdinSecret(passwordStdin: boolean, passphraseStdin: boolean): void {
  if (passwordStdin && passphraseStdin) {
    throw new UsageError('--password-stdin and --passphrase-stdin cannot both read stdin', {
      hint: 'pipe the password, and give the passphrase with SKILLS_KEY_PASSPHRASE',
    });
  }
}
