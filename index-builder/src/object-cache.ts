import git from 'isomorphic-git';
import type { TreeEntry } from './loose-objects.js';
import { syncBackedFs as fs } from './sync-fs.js';

/** A repository whose objects are read: `gitdir` is the `.git` folder (or a bare repository). */
export interface GitRepo {
  gitdir: string;
  /** isomorphic-git's object cache, shared by the reads of one batch. */
  cache?: object;
}

/*
 * Objects read or written lately, by object id. Every commit rewrites the root and the folders
 * above its changes, and the next batch reads exactly those again, plus config.json, head.json,
 * keys and the touched shard files: about thirty loose-object reads a commit, each a file open,
 * an inflate and a SHA-1, through isomorphic-git. An id names its content (SHA-1 of it), so a
 * remembered object is right in any repository and never goes stale; what it does not prove is
 * that this repository still holds the object (`index verify` checks that, with git itself).
 */

/**
 * A map that forgets its oldest entries once their summed `sizeOf` passes `budget`; an entry
 * larger than `largest` is not kept at all.
 */
class BoundedCache<V> {
  readonly #entries = new Map<string, V>();
  #size = 0;

  constructor(
    private readonly budget: number,
    private readonly largest: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    if (this.#entries.has(key) || size > this.largest) return;
    this.#entries.set(key, value);
    this.#size += size;
    for (const [old, held] of this.#entries) {
      if (this.#size <= this.budget) break;
      this.#entries.delete(old);
      this.#size -= this.sizeOf(held);
    }
  }
}

/** Tree entries in all. */
const trees = new BoundedCache<readonly TreeEntry[]>(200_000, 200_000, (entries) => entries.length);
/** Blob bytes in all; a larger blob (a big feed segment) is read again rather than crowd the rest. */
const blobs = new BoundedCache<Buffer>(32 * 1024 * 1024, 2 * 1024 * 1024, (bytes) => bytes.length);
/** Commit id → its root tree. */
const commitTrees = new BoundedCache<string>(1000, 1, () => 1);

export async function readTreeEntries(repo: GitRepo, oid: string): Promise<readonly TreeEntry[]> {
  const known = trees.get(oid);
  if (known !== undefined) return known;
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  const entries = tree.map(({ mode, path, oid: entryOid, type }) => ({ mode, path, oid: entryOid, type }));
  trees.set(oid, entries);
  return entries;
}

export function rememberTree(oid: string, entries: readonly TreeEntry[]): void {
  trees.set(oid, entries);
}

/** A blob's bytes by id. Shared, not copied: callers only read them. */
export async function readBlobObject(repo: GitRepo, oid: string): Promise<Buffer> {
  const known = blobs.get(oid);
  if (known !== undefined) return known;
  const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  const bytes = Buffer.from(blob);
  blobs.set(oid, bytes);
  return bytes;
}

/** Remembers a copy of a blob's bytes (the caller's buffer stays the caller's). */
export function rememberBlob(oid: string, bytes: Uint8Array): void {
  if (blobs.get(oid) === undefined) blobs.set(oid, Buffer.from(bytes));
}

/** The root tree of a commit. */
export async function readCommitTree(repo: GitRepo, commit: string): Promise<string> {
  const known = commitTrees.get(commit);
  if (known !== undefined) return known;
  const { commit: object } = await git.readCommit({
    fs,
    gitdir: repo.gitdir,
    oid: commit,
    cache: repo.cache,
  });
  commitTrees.set(commit, object.tree);
  return object.tree;
}

export function rememberCommitTree(commit: string, tree: string): void {
  commitTrees.set(commit, tree);
}
