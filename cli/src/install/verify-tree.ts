import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from '@skills/schema';
import { activeSkills, type InstalledIndex } from './installed-index.js';
import { MARKER_FILE } from './place.js';
import { skillDir, type Scope } from './scope.js';

/**
 * Re-hashes every installed file of a scope against index.json's digests: a file missing or
 * changed, a file (or link, or anything else) that is not recorded, and a missing marker are each
 * an issue, with the installed path. Reads only; never repairs.
 */
export async function verifyScope(
  scope: Scope,
  index: InstalledIndex,
): Promise<{ checked: number; issues: Issue[] }> {
  const issues: Issue[] = [];
  let checked = 0;
  for (const skill of activeSkills(index)) {
    checked++;
    const dir = skillDir(scope, skill.name, skill.version);
    const label = `${skill.name}@${skill.version}`;
    const found = await listFiles(dir);
    if (found === null) {
      issues.push({
        path: dir,
        code: 'SKILL_FILE_MISSING',
        message: `the folder of ${label} is missing`,
      });
      continue;
    }
    if (!found.has(MARKER_FILE)) {
      issues.push({
        path: path.join(dir, MARKER_FILE),
        code: 'SKILL_MARKER_MISSING',
        message: `${label} has no ${MARKER_FILE}: its install did not finish`,
      });
    }
    for (const file of Object.keys(skill.files).sort()) {
      const where = path.join(dir, ...file.split('/'));
      const kind = found.get(file);
      if (kind !== 'file') {
        issues.push({
          path: where,
          code: kind === undefined ? 'SKILL_FILE_MISSING' : 'SKILL_DIGEST_MISMATCH',
          message:
            kind === undefined
              ? `${file} of ${label} is missing`
              : `${file} of ${label} is no longer a regular file`,
        });
        continue;
      }
      const actual = createHash('sha256')
        .update(await readFile(where))
        .digest('hex');
      if (actual !== skill.files[file]) {
        issues.push({
          path: where,
          code: 'SKILL_DIGEST_MISMATCH',
          message: `${file} of ${label} has sha256 ${actual}, but index.json records ${skill.files[file]}`,
        });
      }
    }
    for (const [file, kind] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (file === MARKER_FILE || file in skill.files) continue;
      issues.push({
        path: path.join(dir, ...file.split('/')),
        code: 'SKILL_FILE_UNRECORDED',
        message: `${file} in ${label} is not part of the package${kind === 'file' ? '' : ` (a ${kind})`}`,
      });
    }
  }
  return { checked, issues };
}

type EntryKind = 'file' | 'link' | 'other';

/** Every non-folder entry below `dir`, by `/`-separated relative path; null when `dir` is not a folder. */
async function listFiles(dir: string): Promise<Map<string, EntryKind> | null> {
  const top = await lstat(dir).catch(() => null);
  if (top === null || !top.isDirectory()) return null;
  const found = new Map<string, EntryKind>();
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(folder, entry.name), relative);
      else found.set(relative, entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : 'other');
    }
  };
  await walk(dir, '');
  return found;
}
