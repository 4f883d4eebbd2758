import { ValidationError, type Issue } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { plural } from '../package-check.js';
import { readInstalledIndex } from '../install/installed-index.js';
import { scopesToRead } from '../install/scope.js';
import { verifyScope } from '../install/verify-tree.js';

export class VerifyCommand extends BaseCommand {
  static override paths = [['verify']];

  static override usage = Command.Usage({
    category: 'Install',
    description: 'check installed files against the digests recorded at install',
    details: `
      Re-hashes every file of every installed skill — the project's \`.skills/\` and the global \`$SKILLS_HOME\`, or only the global one with \`-g\` — and compares it with the sha256 \`index.json\` recorded when the skill was installed. Reports files that are missing, changed or not part of the package, and folders without their \`.skills-ok\` marker (an install that did not finish). Exits 1 when anything differs; changes nothing.
    `,
    examples: [
      ['Check the installed skills', '$0 verify'],
      ['Check only the global home, as JSON', '$0 verify -g --json'],
    ],
  });

  global = Option.Boolean('-g,--global', false, { description: 'Check only $SKILLS_HOME' });

  async execute(): Promise<number> {
    const { session } = this;
    const scopes = scopesToRead(session, this.global);
    const issues: Issue[] = [];
    const checked: { scope: string; tree: string; skills: number }[] = [];
    for (const scope of scopes) {
      const result = await verifyScope(scope, await readInstalledIndex(scope.index));
      issues.push(...result.issues);
      checked.push({ scope: scope.kind, tree: scope.tree, skills: result.checked });
      this.report.progress(`checked ${plural(result.checked, 'skill')} in ${scope.tree}`);
    }
    if (issues.length > 0) {
      for (const issue of issues)
        this.report.progress(`${this.report.err.red(issue.path)}: ${issue.message}`);
      throw new ValidationError(
        'VERIFY_FAILED',
        `${plural(issues.length, 'problem')} in the installed skills: ${issues[0]!.message}`,
        issues,
        { hint: 'reinstall the skills named (`skills uninstall <name>` then `skills install <name>`)' },
      );
    }
    this.report.result('every installed file matches its recorded digest');
    return this.report.success({ checked });
  }
}
