import path from 'node:path';
import {
  findProjectRoot,
  projectSkillsDir,
  skillsHomeDir,
  userHomeDir,
  type SkillsEnv,
} from '@skills/schema/load';
import type { Scope } from './diagnostics.js';

/** Where to look for installed skills. Every field is optional. */
export interface DiscoverOptions {
  /**
   * Where the project search starts (DESIGN §6): the nearest ancestor holding `skills.json`,
   * stopping before the home directory. Default `process.cwd()`.
   */
  cwd?: string;
  /** The global installed tree. Default `env.SKILLS_HOME`, else `<home directory>/.skills`. */
  home?: string;
  /**
   * The environment to read `SKILLS_HOME` and `HOME` (or `USERPROFILE`) from, instead of
   * `process.env`. It replaces `process.env` whole: pass `{...process.env, SKILLS_HOME}` to change
   * one variable.
   */
  env?: SkillsEnv;
  /** The trees to read. Default both; a project's skill always wins over a global one of that name. */
  scopes?: readonly Scope[];
  /** Only these skills; a name that is not installed gives a `SKILL_NOT_INSTALLED` diagnostic. */
  names?: readonly string[];
}

/** An installed tree to read. */
export interface ScopeRoot {
  scope: Scope;
  /** The folder holding `index.json` and `<name>/<version>/`. */
  dir: string;
}

export interface Context {
  /** The project's folder (the one holding `skills.json`), or null. */
  project: string | null;
  /** The global installed tree, whether or not it is read. */
  home: string;
  /** The trees to read, the one that wins first. */
  roots: ScopeRoot[];
  names: ReadonlySet<string> | null;
}

export function resolveContext(options: DiscoverOptions): Context {
  const env = options.env ?? process.env;
  const home = options.home === undefined ? skillsHomeDir(env) : path.resolve(options.home);
  const scopes = new Set<Scope>(options.scopes ?? ['project', 'global']);
  const project = scopes.has('project')
    ? findProjectRoot(options.cwd ?? process.cwd(), { userHome: userHomeDir(env), skillsHome: home })
    : null;
  const roots: ScopeRoot[] = [];
  if (project !== null) roots.push({ scope: 'project', dir: projectSkillsDir(project) });
  if (scopes.has('global')) roots.push({ scope: 'global', dir: home });
  return { project, home, roots, names: options.names === undefined ? null : new Set(options.names) };
}
