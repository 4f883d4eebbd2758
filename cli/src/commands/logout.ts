import { Command } from '../clipanion.js';
import { AccountCommand } from '../account/account-command.js';
import { revokeToken } from '../api/accounts.js';
import { RegistryApi } from '../api/client.js';
import { canPrompt, promptHidden, readSecretFromStdin } from '../prompt.js';
import { registryTokenVariable } from '../registry/credentials.js';

export class LogoutCommand extends AccountCommand {
  static override paths = [['logout']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'revoke the stored API token and forget it',
    details: `
      Revokes the API token \`skills login\` stored for the registry's API origin, on the registry, then removes it from \`$SKILLS_HOME/config.json\`.

      The registry revokes tokens only for a login session, so revoking needs your password: it is asked for on a terminal (leave it empty to only forget the token here) or read from stdin with \`--password-stdin\`. Without either, the token is forgotten here and a warning says it stays valid on the registry until it expires (revoke it later with \`skills token revoke <id>\`).

      \`SKILLS_TOKEN\` and \`SKILLS_REGISTRIES_<NAME>_TOKEN\` are not touched: unset them yourself.
    `,
    examples: [
      ['Log out of the default registry (asks for the password to revoke the token)', '$0 logout'],
      ['Log out in a script', 'printf %s "$SKILLS_PASSWORD" | $0 logout --password-stdin'],
    ],
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

    let revoked = false;
    const username = this.username ?? stored.username;
    if (stored.tokenId !== null && username !== null) {
      const password = this.passwordStdin
        ? await readSecretFromStdin(this.context.stdin, 'password', '--password-stdin')
        : canPrompt(this.stdin)
          ? await promptHidden(
              this.stdin,
              this.context.stderr,
              `Password for ${username} at ${api.origin} (to revoke the token; empty to only forget it here): `,
            )
          : '';
      if (password !== '') {
        const tokenId = stored.tokenId;
        await this.withSession(
          api,
          username,
          async (jwt) => {
            try {
              await revokeToken(api, jwt, tokenId);
            } catch (error) {
              // Revoked or expired already: the result we wanted.
              if ((error as { registryCode?: string }).registryCode !== 'token_not_found') throw error;
            }
          },
          password,
        );
        revoked = true;
      }
    }
    if (!revoked) {
      this.report.warning({
        code: 'TOKEN_NOT_REVOKED',
        message: `the token${stored.tokenId === null ? '' : ` (id ${stored.tokenId})`} stays valid on ${api.origin}${stored.expiresAt ? ` until ${stored.expiresAt}` : ''}: revoke it with \`skills token revoke ${stored.tokenId ?? '<id>'}${api.flag}\``,
      });
    }
    await this.session.updateConfig((config) => {
      delete config.credentials[api.origin];
    });
    this.report.result(
      `Logged out of ${api.registry.name} (${api.origin})${revoked ? ': the token is revoked and forgotten' : ': the token is forgotten here'}.`,
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
