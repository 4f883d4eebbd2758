import { createHash, randomBytes } from 'node:crypto';
import { cp, lstat, mkdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentEntry } from './records.js';
import { agentPath, type AgentName } from './targets.js';

/** Written into a copy (when a symlink cannot be made) so the copy can be recognised as ours. */
export const STAMP_FILE = '.skills-agent';

export interface InstalledSkill {
  name: string;
  version: string;
  /** The installed folder, `<home>/<name>/<version>`. */
  dir: string;
}

/** What to write for Roundtable: a YAML file, or nothing with a reason (too short a prompt, …). */
export type RoundtableExport = { yaml: string; warnings: string[] } | { skipped: string };

export interface PlaceOptions {
  /** The project folder, or the user's home for global installs. */
  root: string;
  /** Turns an installed skill into Roundtable's YAML. */
  roundtable: (skill: InstalledSkill) => Promise<RoundtableExport>;
  /** node:fs's symlink; replaceable so a test can make it fail as it does on Windows without the right. */
  symlink?: typeof symlink;
}

export type PlaceResult =
  { status: 'placed'; entry: AgentEntry; warnings: string[] } | { status: 'left'; reason: string };

/**
 * Creates or refreshes what `agent` reads for one skill. `previous` is the recorded entry for that
 * path, if any. A path that exists but is not exactly the recorded entry (or a link to this very
 * folder, which is adopted) is left alone with a reason: nothing is ever written over a file
 * skills did not make.
 */
export async function placeForAgent(
  agent: AgentName,
  skill: InstalledSkill,
  previous: AgentEntry | undefined,
  options: PlaceOptions,
): Promise<PlaceResult> {
  const where = agentPath(agent, options.root, skill.name);
  const existing = await lstat(where).catch(() => null);
  if (existing !== null && !(await isOurs(where, previous)) && !(await linksTo(where, skill.dir))) {
    return { status: 'left', reason: `${where} exists and was not made by skills: left as it is` };
  }
  await mkdir(path.dirname(where), { recursive: true });
  if (agent === 'roundtable') {
    const exported = await options.roundtable(skill);
    if ('skipped' in exported) {
      if (existing !== null) await rm(where, { force: true });
      return { status: 'left', reason: exported.skipped };
    }
    await replaceWith(where, async (temp) => writeFile(temp, exported.yaml));
    return {
      status: 'placed',
      entry: entryFor(agent, skill, where, 'file', { digest: sha256(exported.yaml) }),
      warnings: exported.warnings,
    };
  }
  const link = options.symlink ?? symlink;
  try {
    await replaceWith(where, (temp) => link(linkText(where, skill.dir), temp, 'dir'));
    return { status: 'placed', entry: entryFor(agent, skill, where, 'symlink', {}), warnings: [] };
  } catch (error) {
    if (
      !['EPERM', 'EACCES', 'ENOTSUP', 'EINVAL', 'ENOSYS'].includes(
        (error as NodeJS.ErrnoException).code ?? '',
      )
    )
      throw error;
  }
  // No symlinks here (Windows without the right, some file systems): a copy, stamped as ours.
  const stamp = randomBytes(12).toString('hex');
  await replaceWith(where, async (temp) => {
    await cp(skill.dir, temp, { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(temp, STAMP_FILE), `${stamp}\n`);
  });
  return {
    status: 'placed',
    entry: entryFor(agent, skill, where, 'copy', { stamp }),
    warnings: [`${where} is a copy: this system could not make a symbolic link`],
  };
}

/** Removes what was recorded, if it still is what skills made; returns false when it left it. */
export async function removeForAgent(entry: AgentEntry): Promise<boolean> {
  const existing = await lstat(entry.path).catch(() => null);
  if (existing === null) return true;
  if (!(await isOurs(entry.path, entry))) return false;
  await rm(entry.path, { recursive: true, force: true });
  return true;
}

/** Whether `where` is still exactly the recorded entry. */
async function isOurs(where: string, entry: AgentEntry | undefined): Promise<boolean> {
  if (entry === undefined || entry.path !== where) return false;
  const info = await lstat(where).catch(() => null);
  if (info === null) return false;
  switch (entry.kind) {
    case 'symlink':
      return (
        info.isSymbolicLink() && (await readlink(where).catch(() => null)) === linkText(where, entry.target)
      );
    case 'copy':
      return (
        info.isDirectory() &&
        (await readFile(path.join(where, STAMP_FILE), 'utf8').catch(() => null))?.trim() === entry.stamp
      );
    case 'file':
      return info.isFile() && sha256(await readFile(where)) === entry.digest;
  }
}

async function linksTo(where: string, target: string): Promise<boolean> {
  const text = await readlink(where).catch(() => null);
  return text !== null && path.resolve(path.dirname(where), text) === target;
}

/**
 * Links are relative (`../../.skills/<name>/<version>`), so a project folder keeps working when
 * it is moved or mounted elsewhere.
 */
function linkText(where: string, target: string): string {
  return path.relative(path.dirname(where), target);
}

/** Builds the new entry at a temporary sibling, then renames it over the old one. */
async function replaceWith(where: string, build: (temp: string) => Promise<void>): Promise<void> {
  const temp = path.join(
    path.dirname(where),
    `.${path.basename(where)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await build(temp);
    const old = await lstat(where).catch(() => null);
    if (old?.isDirectory()) {
      // rename(2) cannot replace a non-empty folder: move the old copy aside first.
      const aside = `${temp}.old`;
      await rename(where, aside);
      await rename(temp, where);
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(temp, where);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

function entryFor(
  agent: AgentName,
  skill: InstalledSkill,
  where: string,
  kind: AgentEntry['kind'],
  extra: { stamp?: string; digest?: string },
): AgentEntry {
  return {
    agent,
    skill: skill.name,
    version: skill.version,
    path: where,
    kind,
    target: skill.dir,
    stamp: extra.stamp ?? null,
    digest: extra.digest ?? null,
  };
}

function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
