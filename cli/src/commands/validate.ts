import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { checkPackage, displayPath, plural } from '../package-check.js';

export class ValidateCommand extends BaseCommand {
  static override paths = [['validate']];

  static override usage = Command.Usage({
    description: 'check a skill package against the package format',
    details: `
      Runs the checks \`skills publish\` runs before uploading: \`SKILL.md\` and its frontmatter, \`skill.yaml\`, the name and version rules, and the files the package would contain.

      Each problem is printed as \`path: message\`, errors first, then warnings. Errors make the command fail with the code \`PACKAGE_INVALID\`; warnings do not.
    `,
    examples: [
      ['Check the package in the current folder', '$0 validate'],
      ['Check another folder and print the result as JSON', '$0 validate ./pdf-tools --json'],
    ],
  });

  dir = Option.String({ name: 'dir', required: false });

  async execute(): Promise<number> {
    const dir = this.resolvePath(this.dir);
    const shownDir = displayPath(this.context.cwd ?? process.cwd(), dir);
    const { manifest, warnings } = await checkPackage(this.report, dir, shownDir);

    const { out } = this.report;
    const summary = warnings.length === 0 ? '' : ` (${plural(warnings.length, 'warning')})`;
    this.report.result(
      `${out.green('✓')} ${out.bold(`${manifest.name}@${manifest.version}`)} is valid${summary}`,
    );
    return this.report.success({ name: manifest.name, version: manifest.version });
  }
}
