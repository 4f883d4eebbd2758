import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { checkUsername } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import { owners } from '../../api/skills.js';
import { checkSkillName } from './add.js';

export class OwnerRemoveCommand extends BaseCommand {
  static override paths = [['owner', 'remove']];

  static override usage = Command.Usage({
    category: 'Publishing',
    description: 'remove an owner from a skill',
    details: `
      Takes the account's rights on the skill away. The last owner cannot be removed (\`LAST_OWNER\`); removing someone who is not an owner changes nothing. Needs an API token with the \`owners\` scope.
    `,
    examples: [['Remove bob from the owners of ada-notes', '$0 owner remove ada-notes bob']],
  });

  name = Option.String({ name: 'name' });
  user = Option.String({ name: 'user' });

  async execute(): Promise<number> {
    checkSkillName(this.name);
    checkUsername(this.user);
    const api = await RegistryApi.open(this.session, this.registry);
    const list = await owners(api, this.name, { remove: this.user });
    this.report.result(`The owners of ${this.report.out.bold(this.name)}: ${list.join(', ')}`);
    return this.report.success({ name: this.name, owners: list });
  }
}
