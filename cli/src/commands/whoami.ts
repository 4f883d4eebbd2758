import { Command } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { whoAmI } from '../api/accounts.js';
import { RegistryApi } from '../api/client.js';

export class WhoamiCommand extends BaseCommand {
  static override paths = [['whoami']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'show the account the stored token belongs to',
    details: `
      Asks the registry whose API token this computer sends (the one \`skills login\` stored, or \`SKILLS_TOKEN\`), and prints the username. Fails with \`AUTH_REQUIRED\` when there is none, and \`AUTH_INVALID\` when the registry no longer accepts it (expired or revoked).
    `,
    examples: [
      ['Show who you are on the default registry', '$0 whoami'],
      ['The same, as JSON, for another registry', '$0 whoami --registry team --json'],
    ],
  });

  async execute(): Promise<number> {
    const api = await RegistryApi.open(this.session, this.registry);
    const me = await whoAmI(api);
    const stored = (await this.session.config()).credentials[api.origin];
    const expires =
      stored !== undefined && stored.username === me.username ? (stored.expiresAt ?? null) : null;
    this.report.result(me.username);
    this.report.progress(
      `on ${api.registry.name} (${api.origin})${me.isAdmin ? ', administrator' : ''}${expires === null ? '' : `; the token expires ${expires}`}`,
    );
    return this.report.success({
      registry: api.registry.name,
      api: api.base,
      username: me.username,
      email: me.email,
      is_admin: me.isAdmin,
      token_expires_at: expires,
    });
  }
}
