import path from 'node:path';
import { skillsHomeDir, userHomeDir } from '@skills/schema';

/** Where a skills home keeps each kind of thing (DESIGN §6 Files). */
export interface HomePaths {
  /** `$SKILLS_HOME`, default `~/.skills`. */
  readonly root: string;
  /** Registries, credentials and settings; mode 0600. */
  readonly config: string;
  /** What is installed in this home: `{version:1, skills:{…}}`. */
  readonly index: string;
  /** Sync positions, chain hashes, pinned keys and signers; only `skills sync --reset` clears it. */
  readonly state: string;
  /** Tarballs by sha256, catalogs, shard files by digest: anything here may be deleted. */
  readonly cache: string;
  /** Held while a command changes the home (see home/lock.ts). */
  readonly lock: string;
}

export type Env = Record<string, string | undefined>;

/**
 * The user's home directory and `$SKILLS_HOME`: the one rule of `@skills/schema`, which the loader
 * follows too, read from the command's environment.
 */
export { skillsHomeDir, userHomeDir as userHome };

/** The files of a skills home, global (`$SKILLS_HOME`) or a project's `.skills/`. */
export function homePaths(root: string): HomePaths {
  return {
    root,
    config: path.join(root, 'config.json'),
    index: path.join(root, 'index.json'),
    state: path.join(root, 'state'),
    cache: path.join(root, '.cache'),
    lock: path.join(root, '.lock'),
  };
}
