import { isValidName, printable, SkillsError, UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { applyAgents } from '../agents/apply.js';
import { BaseCommand } from '../base-command.js';
import {
  activeOf,
  readInstalledIndex,
  REQUESTED,
  writeInstalledIndex,
  type InstalledIndex,
} from '../install/installed-index.js';
import { removeSkill } from '../install/place.js';
import {
  readLockfile,
  readProjectManifest,
  writeLockfile,
  writeProjectManifest,
} from '../install/project-files.js';
import { repairScope } from '../install/repair.js';
import { chooseScope, skillDir } from '../install/scope.js';

export class UninstallCommand extends BaseCommand {
  static override paths = [['uninstall']];

  static override usage = Command.Usage({
    category: 'Install',
    description: 'remove a skill, and the dependencies nothing else needs',
    details: `
      Removes the skill from the scope (the project's \`.skills/\` inside a project, else \`$SKILLS_HOME\`; \`-g\` for the global home), then every dependency no remaining skill needs. In a project it is also dropped from \`skills.json\` and \`skills-lock.json\`. What \`install --agent\` made for the removed skills (links, copies, Roundtable files) is removed too, unless it was changed since.

      A skill other installed skills depend on is not removed: the error names them. \`--force\` removes it anyway and leaves those skills without it. Works offline: nothing is read from a registry.
    `,
    examples: [
      ['Remove a skill', '$0 uninstall code-review'],
      ['Remove a skill others need', '$0 uninstall changelog-writer --force'],
      ['Remove a globally installed skill from inside a project', '$0 uninstall code-review -g'],
    ],
  });

  force = Option.Boolean('--force', false, {
    description: 'Remove it even when installed skills depend on it',
  });

  global = Option.Boolean('-g,--global', false, {
    description: 'Uninstall from $SKILLS_HOME even inside a project',
  });

  name = Option.String({ name: 'name' });

  async execute(): Promise<number> {
    if (!isValidName(this.name)) {
      throw new UsageError(`"${printable(this.name)}" is not a skill name`, {
        hint: 'give the name as `skills list` shows it, without a version',
      });
    }
    const { session } = this;
    const scope = chooseScope(session, { global: this.global, project: false });
    const removed = await session.withLock(async () => {
      const index = await readInstalledIndex(scope.index);
      for (const left of await repairScope(scope, index))
        this.report.progress(`removed ${left}, left by an install that did not finish`);
      const target = activeOf(index, this.name);
      if (target === null) {
        throw new SkillsError('SKILL_NOT_INSTALLED', `${this.name} is not installed in ${scope.tree}`, {
          hint:
            scope.kind === 'project' ? 'see `skills list`; use -g for the global home' : 'see `skills list`',
        });
      }
      const dependents = target.requiredBy.filter((entry) => entry !== REQUESTED && entry in index.skills);
      if (dependents.length > 0 && !this.force) {
        throw new SkillsError(
          'SKILL_REQUIRED',
          `${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on ${this.name}`,
          {
            hint: `uninstall ${dependents.length === 1 ? 'it' : 'them'} first, or pass --force to remove ${this.name} anyway`,
          },
        );
      }
      const next = withoutOrphans(index, this.name);
      await writeInstalledIndex(scope.index, next);
      const gone: { name: string; version: string; dir: string }[] = [];
      for (const [name, skill] of Object.entries(index.skills).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (name in next.skills) continue;
        for (const version of Object.keys(skill.versions)) {
          await removeSkill(scope, name, version);
          gone.push({ name, version, dir: skillDir(scope, name, version) });
        }
      }
      if (scope.project !== null) {
        const manifest = await readProjectManifest(scope.project.manifest);
        if (manifest !== null && this.name in manifest.skills) {
          delete manifest.skills[this.name];
          await writeProjectManifest(scope.project.manifest, manifest);
        }
        const lock = await readLockfile(scope.project.lock);
        if (lock !== null) {
          for (const one of gone) delete lock.skills[one.name];
          await writeLockfile(scope.project.lock, lock);
        }
      }
      return gone;
    });
    for (const one of removed)
      this.report.result(`removed ${this.report.out.bold(`${one.name}@${one.version}`)}`);
    // Whatever was made for agents goes with the skill, whichever agents were chosen back then.
    await applyAgents(session, this.report, scope, [], {
      present: [],
      removed: [...new Set(removed.map((one) => one.name))],
    });
    return this.report.success({ scope: scope.kind, removed });
  }
}

/**
 * index.json without `name` and without every skill that, once it is gone, nothing needs: neither
 * the user (REQUESTED) nor a skill still installed. `requiredBy` lists are pruned to match.
 */
export function withoutOrphans(index: InstalledIndex, name: string): InstalledIndex {
  const next = structuredClone(index);
  const gone = new Set([name]);
  delete next.skills[name];
  for (let changed = true; changed;) {
    changed = false;
    for (const [other, skill] of Object.entries(next.skills)) {
      const record = skill.versions[skill.active]!;
      record.requiredBy = record.requiredBy.filter((entry) => !gone.has(entry));
      if (record.requiredBy.length === 0) {
        delete next.skills[other];
        gone.add(other);
        changed = true;
      }
    }
  }
  return next;
}
