import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where installed skills live (DESIGN §6 "Files"). One rule, shared by the CLI that writes the
 * trees and the loader that reads them: if the two disagreed, an agent would load other skills than
 * the ones `skills install` put in place.
 */

/** The file that marks a project: `{"version":1,"skills":{name:range}}`. */
export const PROJECT_FILE = 'skills.json';
/** A project's installed tree, beside its `skills.json`. */
export const PROJECT_SKILLS_DIR = '.skills';
/** The global installed tree's folder name in the user's home, unless `SKILLS_HOME` says otherwise. */
export const DEFAULT_SKILLS_HOME_DIR = '.skills';
/** The record of what an installed tree holds, in `$SKILLS_HOME` and in `<project>/.skills`. */
export const INSTALLED_INDEX_FILE = 'index.json';
/** Written last into `<name>/<version>/`: without it the folder is not a finished install. */
export const INSTALLED_MARKER_FILE = '.skills-ok';

/** The environment variables these rules read; `process.env` fits. */
export type SkillsEnv = Readonly<Record<string, string | undefined>>;

/**
 * The user's home directory: `HOME`, else `USERPROFILE` (Windows), else the operating system's
 * answer. Read from `env` first so that a caller passing its own environment is not overruled by
 * the real one.
 */
export function userHomeDir(env: SkillsEnv = process.env): string {
  const fromEnv = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE);
  return path.resolve(fromEnv ?? os.homedir());
}

/** `$SKILLS_HOME` when set and not empty (relative to `cwd`), else `~/.skills`; always absolute. */
export function skillsHomeDir(env: SkillsEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = nonEmpty(env.SKILLS_HOME);
  return fromEnv === undefined
    ? path.join(userHomeDir(env), DEFAULT_SKILLS_HOME_DIR)
    : path.resolve(cwd, fromEnv);
}

export interface FindProjectOptions {
  /** The search stops before this folder: the home directory itself is never a project. */
  userHome?: string;
  /** Never a project, even with a `skills.json` in it. */
  skillsHome?: string;
}

/**
 * The project of `cwd`: the nearest ancestor (`cwd` itself included) holding a `skills.json` file,
 * stopping before the user's home directory and at the file-system root (which is still looked
 * at). `.skills/` alone never marks a project and `$SKILLS_HOME` is never one. Returns the
 * project's folder, or null. Costs one `stat` per folder walked; paths are compared as given
 * (resolved, not real paths), as the shell shows them.
 */
export function findProjectRoot(cwd: string, options: FindProjectOptions = {}): string | null {
  const userHome = options.userHome === undefined ? undefined : path.resolve(options.userHome);
  const skillsHome = options.skillsHome === undefined ? undefined : path.resolve(options.skillsHome);
  let dir = path.resolve(cwd);
  for (;;) {
    if (dir === userHome) return null;
    if (!isInside(dir, skillsHome) && isFile(path.join(dir, PROJECT_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Whether `dir` is `root` or inside it. Nothing inside `$SKILLS_HOME` is a project: an installed
 * package may itself ship a skills.json.
 */
function isInside(dir: string, root: string | undefined): boolean {
  if (root === undefined) return false;
  const relative = path.relative(root, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The installed tree of a project found by `findProjectRoot`. */
export function projectSkillsDir(projectRoot: string): string {
  return path.join(projectRoot, PROJECT_SKILLS_DIR);
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    // EACCES on a folder above us, ENOTDIR, …: a folder we cannot look into marks no project.
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
