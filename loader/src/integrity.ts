import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { INSTALLED_MARKER_FILE } from '@skills/schema/load';
import type { Diagnostics } from './diagnostics.js';
import { label, type InstalledSkill } from './installed-index.js';

/**
 * Checks an installed folder against the per-file sha256 map index.json records: every recorded
 * file is there with its digest, and nothing else is (no other file, no link; the marker aside).
 * `alreadyRead` holds files the loader read anyway, hashed from those same bytes rather than
 * read twice. Reports every difference; true when there is none.
 */
export function verifyFiles(
  skill: InstalledSkill,
  recorded: ReadonlyMap<string, string>,
  alreadyRead: ReadonlyMap<string, Buffer>,
  diagnostics: Diagnostics,
): boolean {
  let clean = true;
  const place = (file: string) => ({
    skill: skill.name,
    version: skill.version,
    scope: skill.scope,
    path: path.join(skill.dir, file),
  });
  for (const [file, expected] of recorded) {
    let bytes = alreadyRead.get(file);
    if (bytes === undefined) {
      try {
        bytes = readFileSync(path.join(skill.dir, file));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        clean = false;
        if (code === 'ENOENT') {
          diagnostics.error(
            'SKILL_FILE_MISSING',
            `${file} of ${label(skill)} is recorded but missing`,
            place(file),
          );
        } else {
          diagnostics.error(
            'SKILL_FILE_UNREADABLE',
            `${file} of ${label(skill)} cannot be read: ${String(code)}`,
            place(file),
          );
        }
        continue;
      }
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) {
      clean = false;
      diagnostics.error(
        'SKILL_DIGEST_MISMATCH',
        `${file} of ${label(skill)} has sha256 ${actual}, but index.json records ${expected}`,
        place(file),
      );
    }
  }
  for (const file of unrecordedEntries(skill.dir, recorded)) {
    clean = false;
    diagnostics.error(
      'SKILL_FILE_UNRECORDED',
      `${file} in ${label(skill)} is not one of the files index.json records`,
      place(file),
    );
  }
  return clean;
}

/** Files, links and other entries below `dir` that are not recorded; folders are walked. */
function unrecordedEntries(dir: string, recorded: ReadonlyMap<string, string>, prefix = ''): string[] {
  const found: string[] = [];
  let entries;
  try {
    entries = readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return found; // an unreadable folder: the recorded files in it are reported on their own
  }
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...unrecordedEntries(dir, recorded, relative));
    else if (relative === INSTALLED_MARKER_FILE) continue;
    else if (!entry.isFile() || !recorded.has(relative)) found.push(relative);
  }
  return found.sort();
}
