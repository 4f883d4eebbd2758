import { printable, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { revokeToken } from '../../api/accounts.js';
import { RegistryApi } from '../../api/client.js';

export class TokenRevokeCommand extends AccountCommand {
  static override paths = [['token', 'revoke']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'revoke an API token',
    details: `
      Revokes one of your API tokens by its id (see \`skills token list\`): it stops working at once. When it is the token this computer stored with \`skills login\`, it is forgotten here too. Needs a login session: the command asks for your password (or reads it with \`--password-stdin\`).
    `,
    examples: [['Revoke the token with id 12', '$0 token revoke 12']],
  });

  id = Option.String({ name: 'id' });

  async execute(): Promise<number> {
    if (!/^[1-9][0-9]{0,14}$/.test(this.id)) {
      throw new UsageError(`"${printable(this.id)}" is not a token id`, {
        hint: 'token ids are whole numbers: see `skills token list`',
      });
    }
    this.checkPasswordSource();
    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    await this.withSession(api, username, (jwt) => revokeToken(api, jwt, this.id));
    const forgotten = await this.session.updateConfig((config) => {
      const stored = config.credentials[api.origin];
      if (stored?.tokenId !== this.id) return false;
      delete config.credentials[api.origin];
      return true;
    });
    this.report.result(
      `Revoked the token ${this.id}${forgotten ? ' (the one this computer used: it is forgotten here too)' : ''}.`,
    );
    return this.report.success({ registry: api.registry.name, id: this.id, forgotten });
  }
}
