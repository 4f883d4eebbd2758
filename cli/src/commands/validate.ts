import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { checkPackage, displayPath, plural } from '../package-check.js';

export class ValidateCommand extends BaseCommand {
  static override paths = [['validate']];

  static override usage = Command.Usage({
    category: 'Packages',
    description: 'check a skill package against the package format',
    details: `
      Runs the checks \`skills publish\` runs before uploading: \`SKILL.md\` and its frontmatter, \`skill.yaml\`, the name and version rules, \`docs/\`, \`.skill/openai.json\`, and the files the package would contain.

      Each problem is printed on stderr as \`path: message\`, errors first, then warnings; the path names the file and, after a colon, the field (\`skill.yaml:version\`, \`SKILL.md:description\`, \`docs/\`). Errors make the command fail with the code \`PACKAGE_INVALID\`, whose message names the first error and how many more there are; warnings do not. A folder that does not exist, or a file, is a usage error (exit 2).

      JSON success: \`{"ok":true,"name":"pdf-tools","version":"0.1.0","warnings":[{"path","code","message"}…]}\`. JSON failure: \`{"ok":false,"error":{"code":"PACKAGE_INVALID","message","hint"},"issues":[{"path":"skill.yaml:version","code":"VERSION_INVALID","message"}…]}\` — \`issues\` holds the errors.
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
