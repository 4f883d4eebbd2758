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

const TREE_CACHE_ENTRIES = 200_000;
const BLOB_CACHE_BYTES = 16 * 1024 * 1024;
/** Larger blobs (a big feed segment) are read again rather than crowding out the rest. */
const BLOB_MAX_BYTES = 1024 * 1024;
const COMMIT_CACHE_ENTRIES = 1000;

const trees = new Map<string, readonly TreeEntry[]>();
let treeEntries = 0;
const blobs = new Map<string, Buffer>();
let blobBytes = 0;
const commitTrees = new Map<string, string>();

export async function readTreeEntries(repo: GitRepo, oid: string): Promise<readonly TreeEntry[]> {
  const known = trees.get(oid);
  if (known !== undefined) return known;
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  const entries = tree.map(({ mode, path, oid: entryOid, type }) => ({ mode, path, oid: entryOid, type }));
  rememberTree(oid, entries);
  return entries;
}

export function rememberTree(oid: string, entries: readonly TreeEntry[]): void {
  if (trees.has(oid) || entries.length > TREE_CACHE_ENTRIES) return;
  trees.set(oid, entries);
  treeEntries += entries.length;
  for (const [old, held] of trees) {
    if (treeEntries <= TREE_CACHE_ENTRIES) break;
    trees.delete(old);
    treeEntries -= held.length;
  }
}

/** A blob's bytes by id. Shared, not copied: callers only read them. */
export async function readBlobObject(repo: GitRepo, oid: string): Promise<Buffer> {
  const known = blobs.get(oid);
  if (known !== undefined) return known;
  const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  rememberBlob(oid, blob);
  return blobs.get(oid) ?? Buffer.from(blob);
}

/** Remembers a copy of a blob's bytes (the caller's buffer stays the caller's). */
export function rememberBlob(oid: string, bytes: Uint8Array): void {
  if (blobs.has(oid) || bytes.length > BLOB_MAX_BYTES) return;
  blobs.set(oid, Buffer.from(bytes));
  blobBytes += bytes.length;
  for (const [old, held] of blobs) {
    if (blobBytes <= BLOB_CACHE_BYTES) break;
    blobs.delete(old);
    blobBytes -= held.length;
  }
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
  rememberCommitTree(commit, object.tree);
  return object.tree;
}

export function rememberCommitTree(commit: string, tree: string): void {
  if (commitTrees.size >= COMMIT_CACHE_ENTRIES) commitTrees.delete(commitTrees.keys().next().value!);
  commitTrees.set(commit, tree);
}
