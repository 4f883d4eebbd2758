import { printable, SkillsError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';

export class RegistryDefaultCommand extends BaseCommand {
  static override paths = [['registry', 'default']];

  static override usage = Command.Usage({
    category: 'Registries',
    description: 'choose the registry commands use by default',
    details: `
      Commands use the default registry unless \`--registry\` names another.
    `,
    examples: [['Use the registry named main by default', '$0 registry default main']],
  });

  name = Option.String({ name: 'name' });

  async execute(): Promise<number> {
    await this.session.updateConfig((config) => {
      if (!(this.name in config.registries)) {
        throw new SkillsError('REGISTRY_UNKNOWN', `no registry is named "${printable(this.name)}"`, {
          hint: 'see `skills registry list`, or add it with `skills registry add <name> <url>`',
        });
      }
      config.defaultRegistry = this.name;
    });
    this.report.result(`The default registry is now ${this.report.out.bold(this.name)}`);
    return this.report.success({ name: this.name });
  }
}
