import { printable, SkillsError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';

export class RegistryRemoveCommand extends BaseCommand {
  static override paths = [['registry', 'remove']];

  static override usage = Command.Usage({
    category: 'Registries',
    description: 'forget a registry',
    details: `
      Removes the registry from \`config.json\`. What this home pinned and synced for it (its signing key, its feed position) stays in \`state/\`, so adding it again later cannot silently accept a changed key or an older feed; \`skills sync --reset\` clears that. Installed skills stay installed.
    `,
    examples: [['Forget the registry named mirror', '$0 registry remove mirror']],
  });

  name = Option.String({ name: 'name' });

  async execute(): Promise<number> {
    const wasDefault = await this.session.updateConfig((config) => {
      if (!(this.name in config.registries)) {
        throw new SkillsError('REGISTRY_UNKNOWN', `no registry is named "${printable(this.name)}"`, {
          hint: 'see `skills registry list`',
        });
      }
      delete config.registries[this.name];
      const wasDefault = config.defaultRegistry === this.name;
      if (wasDefault) config.defaultRegistry = null;
      return wasDefault;
    });
    this.report.result(`Removed registry ${this.report.out.bold(this.name)}`);
    if (wasDefault) {
      this.report.warning({
        code: 'REGISTRY_NONE',
        message: 'there is no default registry now: choose one with `skills registry default <name>`',
      });
    }
    return this.report.success({ name: this.name });
  }
}
