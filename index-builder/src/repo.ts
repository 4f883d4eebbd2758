import { syncBackedFs as fs } from './sync-fs.js';
import path from 'node:path';
import git from 'isomorphic-git';
import {
  readBlobObject,
  readCommitTree,
  readTreeEntries,
  rememberCommitTree,
  type GitRepo,
} from './object-cache.js';

/** The branch the registry writes; clients fetch it at depth 1. */
export const INDEX_BRANCH = 'main';
export const INDEX_REF = `refs/heads/${INDEX_BRANCH}`;

/** Who the index commits are by: the registry, never a person. */
export const REGISTRY_AUTHOR = { name: 'skills registry', email: 'registry@skills.invalid' };

/** An index repository: a work tree that static hosting serves, and its `.git`. */
export interface IndexRepo extends GitRepo {
  dir: string;
}

// isomorphic-git's object cache per repository, kept between commits: it holds loaded packs and
// their indexes, which are immutable and named by content. A fresh cache per commit re-read,
// re-hashed and re-indexed the whole pack every time (663 ms a commit at 100k skills, see
// docs/BENCHMARKS.md). Forgotten after our own gc, which replaces the packs.
const objectCaches = new Map<string, object>();

export function indexRepo(dir: string): IndexRepo {
  const root = path.resolve(dir);
  const gitdir = path.join(root, '.git');
  let cache = objectCaches.get(gitdir);
  if (cache === undefined) objectCaches.set(gitdir, (cache = {}));
  return { dir: root, gitdir, cache };
}

/** Drops the cached packs of a repository (after git gc rewrote them). */
export function forgetObjectCache(dir: string): void {
  objectCaches.delete(path.join(path.resolve(dir), '.git'));
}

/** The commit the branch points at, or null in a repository without commits. */
export async function headCommit(repo: IndexRepo): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, gitdir: repo.gitdir, ref: INDEX_REF });
  } catch {
    return null;
  }
}

/**
 * A file as committed, or null when the commit does not have it. Read through the object cache
 * (object-cache.ts); the bytes are shared, so callers only read them.
 */
export async function readCommitted(
  repo: IndexRepo,
  commit: string,
  filepath: string,
): Promise<Buffer | null> {
  const parts = filepath.split('/');
  let tree = await treeOf(repo, commit);
  for (const [at, part] of parts.entries()) {
    const entry = (await readTreeEntries(repo, tree)).find((one) => one.path === part);
    if (entry === undefined) return null;
    if (at === parts.length - 1) return entry.type === 'blob' ? readBlobObject(repo, entry.oid) : null;
    if (entry.type !== 'tree') return null;
    tree = entry.oid;
  }
  return null;
}

export async function treeOf(repo: IndexRepo, commit: string): Promise<string> {
  return readCommitTree(repo, commit);
}

/** Writes a commit on the branch: objects first, the ref last, so a crash leaves the old tip. */
export async function commitTree(
  repo: IndexRepo,
  tree: string,
  parent: string | null,
  message: string,
  time: Date,
): Promise<string> {
  const signature = { ...REGISTRY_AUTHOR, timestamp: Math.floor(time.getTime() / 1000), timezoneOffset: 0 };
  const oid = await git.writeCommit({
    fs,
    gitdir: repo.gitdir,
    commit: {
      message,
      tree,
      parent: parent === null ? [] : [parent],
      author: signature,
      committer: signature,
    },
  });
  await git.writeRef({ fs, gitdir: repo.gitdir, ref: INDEX_REF, value: oid, force: true });
  rememberCommitTree(oid, tree);
  return oid;
}
