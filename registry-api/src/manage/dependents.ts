import { satisfies } from '@skills/schema';
import type { Dependency } from './queries.js';

/**
 * The dependents a purge of `target` would break (DESIGN §5): versions of other skills whose range
 * for this skill matches `target` and none of `alternatives` (the skill's other versions that
 * still resolve). A range that another version also satisfies keeps working after the purge.
 */
export function dependentsOf(
  target: string,
  alternatives: readonly string[],
  dependencies: readonly Dependency[],
): Dependency[] {
  return dependencies.filter(
    (dep) => satisfies(target, dep.range) && !alternatives.some((version) => satisfies(version, dep.range)),
  );
}
