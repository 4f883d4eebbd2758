import { isValidName, printable, UsageError } from '@skills/schema';
import { Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { endSession, logIn, type SessionJwt } from '../api/accounts.js';
import type { RegistryApi } from '../api/client.js';
import { canPrompt, promptHidden, promptLine, readSecretFromStdin, type InputStream } from '../prompt.js';

/**
 * A command that may need a session JWT, which only a password gives (DESIGN §5: tokens and keys
 * take only a session). The password comes from a prompt without echo on a terminal, or from stdin
 * with `--password-stdin` — never from an argument, where `ps` and shell history would keep it.
 * The session is used for this command alone and ended when it is done.
 */
export abstract class AccountCommand extends BaseCommand {
  username = Option.String('-u,--username', {
    description: 'Your username on the registry (default: the one you logged in with)',
  });

  passwordStdin = Option.Boolean('--password-stdin', false, {
    description: 'Read the password from stdin instead of prompting for it',
  });

  protected get stdin(): InputStream {
    return this.context.stdin as InputStream;
  }

  /** A usage error, before any work, when no password can be had. */
  protected checkPasswordSource(): void {
    if (!this.passwordStdin && !canPrompt(this.stdin)) {
      throw new UsageError('a password is needed, and stdin is not a terminal to ask for it on', {
        hint: 'pipe it in with --password-stdin (e.g. `skills login -u ada --password-stdin < password-file`)',
      });
    }
  }

  /** `--username`, else the username stored with this registry's token, else asked for. */
  protected async usernameFor(api: RegistryApi): Promise<string> {
    const stored = (await this.session.config()).credentials[api.origin]?.username ?? null;
    let username = this.username ?? stored;
    if (username === null) {
      if (this.passwordStdin || !canPrompt(this.stdin)) {
        throw new UsageError('which account? No username was given', {
          hint: 'pass --username <name>',
        });
      }
      username = await promptLine(this.stdin, this.context.stderr, `Username on ${api.registry.name}: `);
    }
    checkUsername(username);
    return username;
  }

  protected async readPassword(prompt: string): Promise<string> {
    if (this.passwordStdin) return readSecretFromStdin(this.context.stdin, 'password', '--password-stdin');
    return promptHidden(this.stdin, this.context.stderr, prompt);
  }

  /** Logs in, runs `fn` with the session, and ends the session whatever happens. */
  protected async withSession<T>(
    api: RegistryApi,
    username: string,
    fn: (session: SessionJwt) => Promise<T>,
    password?: string,
  ): Promise<T> {
    const secret = password ?? (await this.readPassword(`Password for ${username} at ${api.origin}: `));
    const session = await logIn(api, username, secret);
    try {
      return await fn(session);
    } finally {
      // Best effort: the session expires within the hour anyway.
      await endSession(api, session).catch(() => undefined);
    }
  }
}

export function checkUsername(username: string): void {
  if (!isValidName(username)) {
    throw new UsageError(`"${printable(username)}" is not a valid username`, {
      hint: 'usernames are 1-64 lowercase letters, digits and single inner hyphens',
    });
  }
}
