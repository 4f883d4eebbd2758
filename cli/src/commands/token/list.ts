import { Command } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { listTokens } from '../../api/accounts.js';
import { RegistryApi } from '../../api/client.js';

export class TokenListCommand extends AccountCommand {
  static override paths = [['token', 'list']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: "list your account's API tokens",
    details: `
      Lists the live API tokens of your account on the registry, newest first, without their secrets: id, name, scopes, skill patterns, expiry and last use. The token this computer stored with \`skills login\` is marked. Needs a login session: the command asks for your password (or reads it with \`--password-stdin\`).
    `,
    examples: [
      ['List your tokens', '$0 token list'],
      ['List them as JSON', 'printf %s "$SKILLS_PASSWORD" | $0 token list --password-stdin --json'],
    ],
  });

  async execute(): Promise<number> {
    this.checkPasswordSource();
    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    const tokens = await this.withSession(api, username, (jwt) => listTokens(api, jwt));
    const storedId = (await this.session.config()).credentials[api.origin]?.tokenId ?? null;

    if (tokens.length === 0) this.report.result('No live tokens.');
    for (const token of tokens) {
      const mark = token.id === storedId ? ' (this computer)' : '';
      this.report.result(`${this.report.out.bold(`${token.id}`)}  ${token.name}${mark}`);
      this.report.result(
        `    scopes: ${token.scopes.join(', ')}${token.skills === null ? '' : `; skills: ${token.skills.join(', ')}`}`,
      );
      this.report.result(`    expires ${token.expiresAt}; last used ${token.lastUsedAt ?? 'never'}`);
    }
    return this.report.success({
      registry: api.registry.name,
      tokens: tokens.map((token) => ({
        id: token.id,
        name: token.name,
        scopes: token.scopes,
        skills: token.skills,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        last_used_at: token.lastUsedAt,
        this_computer: token.id === storedId,
      })),
    });
  }
}
