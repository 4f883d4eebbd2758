import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { activeSkills, readInstalledIndex } from '../install/installed-index.js';
import { scopesToRead, skillDir } from '../install/scope.js';

export class ListCommand extends BaseCommand {
  static override paths = [['list']];

  static override usage = Command.Usage({
    category: 'Install',
    description: 'list the installed skills',
    details: `
      Lists the skills installed in the project (when the working directory is in one) and in the global home, with their active version and folder. A project's skill of the same name is the one agents load. With \`-g\`, only the global home. Reads only the installed \`index.json\` files: works offline.
    `,
    examples: [
      ['List installed skills', '$0 list'],
      ['Only the global ones, as JSON', '$0 list -g --json'],
    ],
  });

  global = Option.Boolean('-g,--global', false, { description: 'List only $SKILLS_HOME' });

  async execute(): Promise<number> {
    const { session } = this;
    const scopes = scopesToRead(session, this.global);
    const skills: { name: string; version: string; scope: string; dir: string }[] = [];
    for (const scope of scopes) {
      const installed = activeSkills(await readInstalledIndex(scope.index));
      this.report.result(
        this.report.out.bold(`${scope.kind === 'project' ? 'project' : 'global'} (${scope.tree})`),
      );
      if (installed.length === 0) this.report.result('  no skills installed');
      const width = Math.max(0, ...installed.map((one) => `${one.name}@${one.version}`.length));
      for (const one of installed) {
        const dir = skillDir(scope, one.name, one.version);
        this.report.result(`  ${`${one.name}@${one.version}`.padEnd(width)}  ${dir}`);
        skills.push({ name: one.name, version: one.version, scope: scope.kind, dir });
      }
    }
    return this.report.success({ skills });
  }
}
