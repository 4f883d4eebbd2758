import { loadSkill, serializeRoundtableSkill, toRoundtableSkill } from '@skills/loader';
import type { Scope } from '../install/scope.js';
import type { Env } from '../home/paths.js';
import type { InstalledSkill, RoundtableExport } from './place.js';

/**
 * Roundtable's YAML for an installed skill, through the loader (the same reading and rules an
 * agent program gets from `loadRoundtableSkills`): a skill Roundtable cannot take — a system
 * prompt under 20 words, a broken `extensions.roundtable` — is skipped with the loader's reason,
 * and a pre-release is exported as X.Y.Z with its warning.
 */
export function roundtableExporter(
  scope: Scope,
  env: Env,
): (skill: InstalledSkill) => Promise<RoundtableExport> {
  return async (skill) => {
    const where =
      scope.project === null
        ? { home: scope.tree, scopes: ['global'] as const, env }
        : { cwd: scope.project.dir, scopes: ['project'] as const, env };
    const loaded = await loadSkill(skill.name, where);
    const problems = loaded.diagnostics.filter((one) => one.severity === 'error').map((one) => one.message);
    if (loaded.skill === null)
      return { skipped: `not exported to Roundtable: ${problems.join('; ') || 'not loadable'}` };
    const converted = toRoundtableSkill(loaded.skill);
    if (converted.skill === null) {
      return {
        skipped: `not exported to Roundtable: ${converted.diagnostics.map((one) => one.message).join('; ')}`,
      };
    }
    return {
      yaml: serializeRoundtableSkill(converted.skill),
      warnings: converted.diagnostics.filter((one) => one.severity === 'warning').map((one) => one.message),
    };
  };
}
