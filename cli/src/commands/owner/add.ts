import { isValidName, printable, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { checkUsername } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import { owners } from '../../api/skills.js';

export class OwnerAddCommand extends BaseCommand {
  static override paths = [['owner', 'add']];

  static override usage = Command.Usage({
    category: 'Publishing',
    description: 'add an owner to a skill',
    details: `
      Gives another account the same rights on the skill as you: publishing new versions, yanking and changing the owners. Adding an owner twice changes nothing. Needs an API token with the \`owners\` scope (the one \`skills login\` stores has it).
    `,
    examples: [['Let bob publish ada-notes too', '$0 owner add ada-notes bob']],
  });

  name = Option.String({ name: 'name' });
  user = Option.String({ name: 'user' });

  async execute(): Promise<number> {
    checkSkillName(this.name);
    checkUsername(this.user);
    const api = await RegistryApi.open(this.session, this.registry);
    const list = await owners(api, this.name, { add: this.user });
    this.report.result(`The owners of ${this.report.out.bold(this.name)}: ${list.join(', ')}`);
    return this.report.success({ name: this.name, owners: list });
  }
}

export function checkSkillName(name: string): void {
  if (!isValidName(name)) {
    throw new UsageError(`"${printable(name)}" is not a skill name`, {
      hint: 'skill names are 1-64 lowercase letters, digits and single inner hyphens',
    });
  }
}
