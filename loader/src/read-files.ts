import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { INSTALLED_MARKER_FILE, SKILL_MD_MAX_BYTES } from '@skills/schema/load';
import type { Diagnostics } from './diagnostics.js';
import { childPath, label, type InstalledSkill } from './installed-index.js';

/**
 * File reads of installed skills. They are synchronous on purpose: for 1,000 skills the
 * asynchronous calls took 80–100 ms on the 2-CPU test machine against 17–21 ms synchronous (one
 * thread-pool round trip per open, read and close), and discovery has 50 ms in all.
 */

/** True when the skill's folder is a finished install; otherwise says why not. */
export function checkInstalled(skill: InstalledSkill, diagnostics: Diagnostics): boolean {
  // DESIGN §6: the marker is written last. Only its existence is checked (docs/DECISIONS.md);
  // existsSync is access(2), which allocates no Stats object: a third of a stat's time here.
  if (existsSync(childPath(skill.dir, INSTALLED_MARKER_FILE))) return true;
  const place = { skill: skill.name, version: skill.version, scope: skill.scope, path: skill.dir };
  if (statSync(skill.dir, { throwIfNoEntry: false })?.isDirectory() !== true) {
    diagnostics.error(
      'SKILL_DIR_MISSING',
      `index.json records ${label(skill)} but ${skill.dir} is missing`,
      place,
    );
  } else {
    diagnostics.error(
      'SKILL_MARKER_MISSING',
      `${skill.dir} has no ${INSTALLED_MARKER_FILE}: the install of ${label(skill)} did not finish`,
      place,
    );
  }
  return false;
}

/** A file's bytes, or null with a diagnostic (missing, unreadable, larger than `maxBytes`). */
export function readSkillFile(
  skill: InstalledSkill,
  file: string,
  diagnostics: Diagnostics,
  maxBytes = Number.POSITIVE_INFINITY,
): Buffer | null {
  const full = path.join(skill.dir, file);
  const place = { skill: skill.name, version: skill.version, scope: skill.scope, path: full };
  let fd: number;
  try {
    fd = openSync(full, 'r');
  } catch (error) {
    reportReadError(error, file, skill, diagnostics, place);
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) {
      diagnostics.error(
        file === 'SKILL.md' ? 'SKILL_MD_INVALID' : 'MANIFEST_INVALID',
        `${file} of ${label(skill)} is larger than ${maxBytes / 1024} KiB`,
        place,
      );
      return null;
    }
    return readFileSync(fd);
  } catch (error) {
    reportReadError(error, file, skill, diagnostics, place);
    return null;
  } finally {
    closeSync(fd);
  }
}

const HEAD_BYTES = 4096;
const head = Buffer.allocUnsafe(HEAD_BYTES); // reused: every read here is synchronous

/**
 * The start of SKILL.md, through its frontmatter: one 4 KiB read for nearly every skill (the
 * frontmatter's fields are capped at about 1.6 KiB in all), the whole file when the frontmatter
 * runs longer. A body cut mid-character does not matter: only the frontmatter is parsed.
 */
export function readSkillMdHead(skill: InstalledSkill, diagnostics: Diagnostics): string | null {
  const full = childPath(skill.dir, 'SKILL.md');
  const place = { skill: skill.name, version: skill.version, scope: skill.scope, path: full };
  let fd: number;
  try {
    fd = openSync(full, 'r');
  } catch (error) {
    reportReadError(error, 'SKILL.md', skill, diagnostics, place);
    return null;
  }
  try {
    const length = readSync(fd, head, 0, HEAD_BYTES, 0);
    // Only the frontmatter is decoded: a 4 KiB string per skill is garbage for 1,000 skills.
    const end = frontmatterEnd(head, length);
    if (end !== -1) return head.toString('utf8', 0, end);
    if (length < HEAD_BYTES) return head.toString('utf8', 0, length);
    if (fstatSync(fd).size > SKILL_MD_MAX_BYTES) {
      diagnostics.error('SKILL_MD_INVALID', `SKILL.md of ${label(skill)} is larger than 512 KiB`, place);
      return null;
    }
    return readFileSync(fd, 'utf8');
  } catch (error) {
    reportReadError(error, 'SKILL.md', skill, diagnostics, place);
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Where the line closing the frontmatter ends (after its newline), or -1 if not in the bytes. */
function frontmatterEnd(bytes: Buffer, length: number): number {
  const view = bytes.subarray(0, length);
  const closing = view.indexOf('\n---', 3);
  const newline = closing === -1 ? -1 : view.indexOf('\n', closing + 4);
  return newline === -1 ? -1 : newline + 1;
}

function reportReadError(
  error: unknown,
  file: string,
  skill: InstalledSkill,
  diagnostics: Diagnostics,
  place: { skill: string; version: string; scope: InstalledSkill['scope']; path: string },
): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    diagnostics.error('SKILL_FILE_MISSING', `${label(skill)} has no ${file}`, place);
  } else {
    diagnostics.error(
      'SKILL_FILE_UNREADABLE',
      `${file} of ${label(skill)} cannot be read: ${String(code)}`,
      place,
    );
  }
}
