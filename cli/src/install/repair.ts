import { lstat, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isValidName, isValidVersion } from '@skills/schema';
import type { InstalledIndex } from './installed-index.js';
import { entriesOf } from './place.js';
import type { Scope } from './scope.js';

/** Temp and trash folders of extract (`.tmp-<version>-<12 hex>`) and of place.ts (`.trash-…`). */
const LEFTOVER = /^\.(tmp|trash)-.+-[0-9a-f]{12}$/;

/**
 * Removes what an install that died left behind (kill -9, power loss): temp and trash folders,
 * and version folders index.json does not list — extracted, maybe marked, but never recorded, so
 * no reader ever saw them as installed. Only paths shaped like `<name>/<version>` or those temp
 * names are touched; anything else in the tree is left alone. Runs under the home lock at the
 * start of every command that changes a scope. Returns what it removed, as `name/entry`.
 */
export async function repairScope(scope: Scope, index: InstalledIndex): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await entriesOf(scope.tree)) {
    if (!isValidName(name)) continue;
    const folder = path.join(scope.tree, name);
    if (!(await lstat(folder)).isDirectory()) continue;
    const listed = index.skills[name]?.versions ?? {};
    let entries = await entriesOf(folder);
    for (const entry of entries) {
      const stale = LEFTOVER.test(entry) || (isValidVersion(entry) && !(entry in listed));
      if (!stale) continue;
      await rm(path.join(folder, entry), { recursive: true, force: true });
      removed.push(`${name}/${entry}`);
    }
    entries = await entriesOf(folder);
    if (entries.length === 0 && !(name in index.skills)) await rmdir(folder).catch(() => undefined);
  }
  return removed;
}
