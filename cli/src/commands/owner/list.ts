import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { RegistryApi } from '../../api/client.js';
import { owners } from '../../api/skills.js';
import { checkSkillName } from './add.js';

export class OwnerListCommand extends BaseCommand {
  static override paths = [['owner', 'list']];

  static override usage = Command.Usage({
    category: 'Publishing',
    description: 'list the owners of a skill',
    details: `
      Prints the usernames that own the skill on the registry: they may publish new versions, yank them and change the owners. Needs no login.
    `,
    examples: [['List the owners of ada-notes', '$0 owner list ada-notes']],
  });

  name = Option.String({ name: 'name' });

  async execute(): Promise<number> {
    checkSkillName(this.name);
    const api = await RegistryApi.open(this.session, this.registry);
    const list = await owners(api, this.name);
    for (const owner of list) this.report.result(owner);
    return this.report.success({ name: this.name, owners: list });
  }
}
