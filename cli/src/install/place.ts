import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { extract } from '@skills/schema/archive';
import { writeFileAtomic } from '../fs/atomic.js';
import type { Env } from '../home/paths.js';
import { pausePoint } from './pause.js';
import { skillDir, type Scope } from './scope.js';

/** Written into `<tree>/<name>/<version>/` last: a folder without it is an install that did not finish. */
export const MARKER_FILE = '.skills-ok';

/** What the marker says: enough for a person (or repair) to see what the folder was installed from. */
export function markerText(name: string, version: string, sha256: string): string {
  return `${JSON.stringify({ name, version, sha256 })}\n`;
}

/**
 * Extracts a checked tarball to `<tree>/<name>/<version>/` (through a fresh `.tmp-*` sibling that
 * is renamed into place: the schema's `extract`), then writes the marker. The caller holds the
 * home lock and has made sure nothing in index.json points at that folder.
 */
export async function placeSkill(
  scope: Scope,
  env: Env,
  skill: { name: string; version: string; sha256: string; bytes: Uint8Array },
): Promise<string> {
  const dir = skillDir(scope, skill.name, skill.version);
  await removeFolder(dir);
  await extract(skill.bytes, dir);
  await pausePoint(env, 'install:extracted');
  // Not fsynced: it orders the folder against a crash of this process (rename is atomic), and
  // syncing it alone would not make the unsynced files beside it survive a power cut either —
  // `skills verify` re-hashes those against index.json.
  await writeFileAtomic(path.join(dir, MARKER_FILE), markerText(skill.name, skill.version, skill.sha256), {
    sync: false,
  });
  return dir;
}

/** Removes an installed version's folder, and the skill's folder once it is empty. */
export async function removeSkill(scope: Scope, name: string, version: string): Promise<void> {
  await removeFolder(skillDir(scope, name, version));
  await rmdir(path.join(scope.tree, name)).catch(() => undefined);
}

/**
 * Renamed aside first (`.trash-<version>-<hex>`, which repair removes if this process dies), so the
 * version's path is gone at once rather than emptied file by file.
 */
async function removeFolder(dir: string): Promise<void> {
  const aside = path.join(
    path.dirname(dir),
    `.trash-${path.basename(dir)}-${randomBytes(6).toString('hex')}`,
  );
  try {
    await rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/** The names of a skill folder's entries, or [] when it does not exist. */
export async function entriesOf(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  });
}
