import path from 'node:path';
import { findProjectRoot, PROJECT_FILE, PROJECT_SKILLS_DIR } from '@skills/schema';
import { homePaths, userHome, type HomePaths } from '../home/paths.js';
import type { Session } from '../session.js';

export const LOCK_FILE = 'skills-lock.json';

/** Where a command installs: the global home, or a project's `.skills/` (DESIGN §6 Files). */
export interface Scope {
  kind: 'global' | 'project';
  /** The installed tree: `$SKILLS_HOME`, or `<project>/.skills`. Skills live in `<tree>/<name>/<version>/`. */
  tree: string;
  /** `<tree>/index.json`. */
  index: string;
  /** The project's folder, skills.json and skills-lock.json; null in global scope. */
  project: { dir: string; manifest: string; lock: string } | null;
}

export interface ScopeOptions {
  /** `-g`: the global home, even inside a project. */
  global: boolean;
  /** `--project`: the working directory is the project (skills.json is created there if missing). */
  project: boolean;
}

/**
 * The scope of a command, by the one rule the loader shares (`findProjectRoot`): the nearest
 * ancestor of the working directory holding skills.json, never `$HOME` itself nor anything in
 * `$SKILLS_HOME`. `--project` makes the working directory a project; `-g` forces the global home.
 */
export function chooseScope(session: Session, options: ScopeOptions): Scope {
  if (options.global) return globalScope(session.home);
  const dir = options.project
    ? session.cwd
    : findProjectRoot(session.cwd, { userHome: userHome(session.env), skillsHome: session.home.root });
  return dir === null ? globalScope(session.home) : projectScope(dir);
}

export function globalScope(home: HomePaths): Scope {
  return { kind: 'global', tree: home.root, index: home.index, project: null };
}

export function projectScope(dir: string): Scope {
  const tree = path.join(dir, PROJECT_SKILLS_DIR);
  return {
    kind: 'project',
    tree,
    index: homePaths(tree).index,
    project: { dir, manifest: path.join(dir, PROJECT_FILE), lock: path.join(dir, LOCK_FILE) },
  };
}

/** `<tree>/<name>/<version>`: names and versions are checked patterns, so this never leaves the tree. */
export function skillDir(scope: Scope, name: string, version: string): string {
  return path.join(scope.tree, name, version);
}

/**
 * The trees read-only commands (list, verify) look at: the working directory's project, if any,
 * then the global home; with `-g` only the global home.
 */
export function scopesToRead(session: Session, global: boolean): Scope[] {
  const current = chooseScope(session, { global, project: false });
  return current.kind === 'project' ? [current, globalScope(session.home)] : [globalScope(session.home)];
}
