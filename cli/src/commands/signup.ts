import { UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { AccountCommand, checkUsername } from '../account/account-command.js';
import { parseDuration } from '../account/duration.js';
import { LOGIN_TOKEN_SECONDS, mintLoginToken } from '../account/login-token.js';
import { signUp, TOKEN_MAX_SECONDS, TOKEN_MIN_SECONDS } from '../api/accounts.js';
import { RegistryApi } from '../api/client.js';
import { canPrompt, promptHidden, promptLine } from '../prompt.js';

export class SignupCommand extends AccountCommand {
  static override paths = [['signup']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'create an account on a registry, and log in',
    details: `
      Creates an account (username, email, password) on a registry that takes sign-ups, then logs in as \`skills login\` does: an API token with every scope is stored in \`$SKILLS_HOME/config.json\` (mode 0600).

      On a terminal, what is not given as an option is asked for; the password is asked twice, without echo. Elsewhere give \`--username\` and \`--email\`, and pipe the password in with \`--password-stdin\`. Usernames follow the skill-name rule (lowercase letters, digits, inner hyphens); passwords have 10 to 256 characters.
    `,
    examples: [
      ['Sign up on the default registry (prompts for everything)', '$0 signup'],
      [
        'Sign up non-interactively',
        'printf %s "$SKILLS_PASSWORD" | $0 signup -u ada --email ada@example.org --password-stdin',
      ],
    ],
  });

  email = Option.String('--email', { description: 'Your email address' });

  expiresIn = Option.String('--expires-in', {
    description: 'How long the stored token lives: 30d (default), 12h, … up to 90d',
  });

  async execute(): Promise<number> {
    const expires =
      this.expiresIn === undefined
        ? LOGIN_TOKEN_SECONDS
        : parseDuration(this.expiresIn, '--expires-in', { min: TOKEN_MIN_SECONDS, max: TOKEN_MAX_SECONDS });
    this.checkPasswordSource();
    const interactive = !this.passwordStdin && canPrompt(this.stdin);
    if (!interactive && (this.username === undefined || this.email === undefined)) {
      throw new UsageError('signing up without a terminal needs --username and --email', {
        hint: 'e.g. `skills signup -u ada --email ada@example.org --password-stdin < password-file`',
      });
    }
    if (this.username !== undefined) checkUsername(this.username);
    const api = await RegistryApi.open(this.session, this.registry);
    const { stderr } = this.context;
    const username =
      this.username ?? (await promptLine(this.stdin, stderr, `Username on ${api.registry.name}: `));
    checkUsername(username);
    const email = this.email ?? (await promptLine(this.stdin, stderr, 'Email: '));
    let password: string;
    if (interactive) {
      password = await promptHidden(this.stdin, stderr, 'Password (10-256 characters): ');
      const again = await promptHidden(this.stdin, stderr, 'Password again: ');
      if (again !== password) {
        throw new UsageError('the two passwords differ', {
          hint: 'run `skills signup` again and type the same password twice',
        });
      }
    } else {
      password = await this.readPassword('');
    }

    await signUp(api, { username, email, password });
    this.report.progress(`created the account ${username}; logging in…`);
    const { token } = await this.withSession(
      api,
      username,
      (jwt) =>
        mintLoginToken(this.session, api, jwt, username, expires, (message) =>
          this.report.warning({ code: 'TOKEN_NOT_REVOKED', message }),
        ),
      password,
    ).catch((error: unknown) => {
      // The account exists now: say so, or the user would try to sign up again.
      this.report.progress(
        `the account ${username} was created, but logging in failed: run \`skills login -u ${username}${api.flag}\``,
      );
      throw error;
    });

    const { out } = this.report;
    this.report.result(
      `Signed up on ${out.bold(api.registry.name)} (${api.origin}) as ${out.bold(username)}, and logged in.`,
    );
    this.report.result(
      `Stored the API token "${token.name}" (expires ${token.expiresAt}) in ${this.session.home.config}.`,
    );
    this.report.result('Next: skills keys generate, then skills keys register');
    return this.report.success({
      registry: api.registry.name,
      api: api.base,
      username,
      email,
      token_id: token.id,
      expires_at: token.expiresAt,
    });
  }
}
