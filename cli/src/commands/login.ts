import { Command, Option } from '../clipanion.js';
import { AccountCommand } from '../account/account-command.js';
import { formatDuration, parseDuration } from '../account/duration.js';
import { LOGIN_TOKEN_SECONDS, mintLoginToken } from '../account/login-token.js';
import { TOKEN_MAX_SECONDS, TOKEN_MIN_SECONDS } from '../api/accounts.js';
import { RegistryApi } from '../api/client.js';

export class LoginCommand extends AccountCommand {
  static override paths = [['login']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'log in to a registry and store an API token',
    details: `
      Logs in with your username and password, uses the session once to create an API token with every scope (\`publish-new\`, \`publish-update\`, \`yank\`, \`owners\`) that expires in 30 days (\`--expires-in\`, at most 90 days), and stores only that token in \`$SKILLS_HOME/config.json\` (mode 0600), under the registry's API origin: it is sent to that origin and nowhere else. The session is ended straight away. Logging in again replaces (and revokes) the token this computer held for the same account.

      The password is read from a prompt that does not echo it, or from stdin with \`--password-stdin\`; it is never taken as an argument, which \`ps\` and shell history would keep.
    `,
    examples: [
      ['Log in to the default registry (prompts for username and password)', '$0 login'],
      ['Log in non-interactively', 'printf %s "$SKILLS_PASSWORD" | $0 login -u ada --password-stdin'],
      [
        'Log in to another registry with a token that lasts 7 days',
        '$0 login --registry team --expires-in 7d',
      ],
    ],
  });

  expiresIn = Option.String('--expires-in', {
    description: 'How long the stored token lives: 30d (default), 12h, … up to 90d',
  });

  async execute(): Promise<number> {
    const expires =
      this.expiresIn === undefined
        ? LOGIN_TOKEN_SECONDS
        : parseDuration(this.expiresIn, '--expires-in', { min: TOKEN_MIN_SECONDS, max: TOKEN_MAX_SECONDS });
    this.checkPasswordSource();
    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    const { token, replaced } = await this.withSession(api, username, (jwt) =>
      mintLoginToken(this.session, api, jwt, username, expires, (message) =>
        this.report.warning({ code: 'TOKEN_NOT_REVOKED', message }),
      ),
    );

    const { out } = this.report;
    this.report.result(
      `Logged in to ${out.bold(api.registry.name)} (${api.origin}) as ${out.bold(username)}.`,
    );
    this.report.result(
      `Stored the API token "${token.name}" (id ${token.id}, ${formatDuration(expires)}, expires ${token.expiresAt}) in ${this.session.home.config}.`,
    );
    if (replaced !== null)
      this.report.result(`Revoked the token this computer held before (id ${replaced}).`);
    return this.report.success({
      registry: api.registry.name,
      api: api.base,
      username,
      token_id: token.id,
      token_name: token.name,
      scopes: token.scopes,
      expires_at: token.expiresAt,
    });
  }
}
