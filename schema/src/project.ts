import { statSync } from 'node:fs';
import path from 'node:path';

/** The file that marks a project (DESIGN §6 Files). */
export const PROJECT_FILE = 'skills.json';
/** A project's installed tree, beside its skills.json. */
export const PROJECT_SKILLS_DIR = '.skills';

export interface FindProjectOptions {
  /** Where to start looking (the working directory). */
  cwd: string;
  /** The user's home directory: the search stops before it, so `~/skills.json` never makes a project. */
  home: string;
  /** The global `$SKILLS_HOME`: never a project, nor is anything found by walking into it. */
  skillsHome: string;
}

/**
 * The project the working directory belongs to (DESIGN §6): the nearest ancestor of `cwd` (itself
 * included) that holds `skills.json`, stopping before `home` and at the file-system root. `.skills/`
 * alone never marks a project, and neither `$SKILLS_HOME` nor a folder inside it is one. The CLI
 * and the loader both call this, so they always agree on the scope. Returns the project folder, or
 * null for global scope. Synchronous: a handful of stat calls at start-up.
 */
export function findProjectRoot(options: FindProjectOptions): string | null {
  const home = path.resolve(options.home);
  const skillsHome = path.resolve(options.skillsHome);
  let dir = path.resolve(options.cwd);
  for (;;) {
    if (dir === home) return null;
    if (!isInside(dir, skillsHome) && isFile(path.join(dir, PROJECT_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
