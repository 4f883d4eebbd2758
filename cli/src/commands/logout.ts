import { Command } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { revokeOwnToken } from '../api/accounts.js';
import { RegistryApi } from '../api/client.js';
import { registryTokenVariable } from '../registry/credentials.js';

export class LogoutCommand extends BaseCommand {
  static override paths = [['logout']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'revoke the stored API token and forget it',
    details: `
      Revokes the API token \`skills login\` stored for the registry's API origin — the token revokes itself, so no password is needed — then removes it from \`$SKILLS_HOME/config.json\`. A token the registry no longer accepts (expired, or revoked elsewhere) is just forgotten. When the registry cannot be reached, nothing is forgotten: run the command again later.

      \`SKILLS_TOKEN\` and \`SKILLS_REGISTRIES_<NAME>_TOKEN\` are not touched: unset them yourself.
    `,
    examples: [['Log out of the default registry', '$0 logout']],
  });

  async execute(): Promise<number> {
    const api = await RegistryApi.open(this.session, this.registry);
    const stored = (await this.session.config()).credentials[api.origin];
    this.warnAboutEnvTokens(api);
    if (stored === undefined) {
      this.report.result(`Not logged in to ${api.registry.name} (${api.origin}): nothing to do.`);
      return this.report.success({
        registry: api.registry.name,
        api: api.base,
        logged_out: false,
        revoked: false,
      });
    }

    let revoked = true;
    try {
      await revokeOwnToken(api, stored.token);
    } catch (error) {
      // Expired, revoked or unknown already: nothing is left to revoke.
      if ((error as { registryCode?: string }).registryCode !== 'invalid_credential') throw error;
      revoked = false;
    }
    await this.session.updateConfig((config) => {
      // Only the token revoked above: a login meanwhile stored another.
      if (config.credentials[api.origin]?.token === stored.token) delete config.credentials[api.origin];
    });
    this.report.result(
      `Logged out of ${api.registry.name} (${api.origin})${revoked ? ': the token is revoked and forgotten' : ': the registry no longer accepted the token; it is forgotten'}.`,
    );
    return this.report.success({ registry: api.registry.name, api: api.base, logged_out: true, revoked });
  }

  private warnAboutEnvTokens(api: RegistryApi): void {
    const { env } = this.session;
    const variables = ['SKILLS_TOKEN', registryTokenVariable(api.registry.name)].filter((name) => env[name]);
    for (const name of variables) {
      this.report.warning({
        code: 'TOKEN_NOT_REVOKED',
        message: `${name} is set in the environment: skills still sends it; unset it to log out completely`,
      });
    }
  }
}
