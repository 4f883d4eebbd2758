import { SkillsError } from '../errors.js';
import { isValidName, printable } from '../name.js';

/**
 * The directory of a skill's shard file (DESIGN §4 Paths), also the `{prefix}` of URL templates:
 * 1 character → `1`; 2 → `2`; 3 → `3/{n[0]}`; 4 or more → `{n[0..2]}/{n[2..4]}`.
 * This is the only copy of the sharding rule. Throws NAME_INVALID for an invalid name, so index
 * data never reaches a path unchecked.
 */
export function shardPrefix(name: string): string {
  if (!isValidName(name)) {
    throw new SkillsError(
      'NAME_INVALID',
      `"${printable(name)}" is not a valid skill name, so it has no index path`,
    );
  }
  if (name.length <= 2) return String(name.length);
  if (name.length === 3) return `3/${name[0]}`;
  return `${name.slice(0, 2)}/${name.slice(2, 4)}`;
}

/** The path of a skill's shard file relative to the index root, e.g. `co/de/code-review`. */
export function indexPath(name: string): string {
  return `${shardPrefix(name)}/${name}`;
}
