import { treeBody, writeLooseObject, type TreeEntry } from './loose-objects.js';
import { syncBackedFs as fs } from './sync-fs.js';
import git from 'isomorphic-git';

/** A repository opened for object writes: `gitdir` is the `.git` folder (or a bare repository). */
export interface GitRepo {
  gitdir: string;
  /** isomorphic-git's object cache, shared by the reads of one batch. */
  cache?: object;
}

/** New bytes for a path, or null to delete it. Paths use `/` and never start with one. */
export type TreeChanges = ReadonlyMap<string, Uint8Array | null>;

/**
 * Writes the blobs and only the trees on the changed paths, and returns the new root tree.
 * The cost follows the number of changes and the depth of the tree, never the size of the index:
 * untouched subtrees keep their object ids and are not read.
 */
export async function writeTreeChanges(
  repo: GitRepo,
  baseTree: string | null,
  changes: TreeChanges,
): Promise<string> {
  const blobs = new Map<string, string | null>();
  for (const [path, bytes] of changes) {
    blobs.set(path, bytes === null ? null : writeLooseObject(repo.gitdir, 'blob', bytes));
  }
  const root = await rewriteTree(repo, baseTree, blobs);
  return root ?? writeLooseObject(repo.gitdir, 'tree', Buffer.alloc(0));
}

async function rewriteTree(
  repo: GitRepo,
  treeOid: string | null,
  changes: ReadonlyMap<string, string | null>,
): Promise<string | null> {
  const entries = new Map<string, TreeEntry>();
  if (treeOid !== null) {
    for (const entry of await readTreeEntries(repo, treeOid)) entries.set(entry.path, entry);
  }
  const below = new Map<string, Map<string, string | null>>();
  for (const [path, oid] of changes) {
    const slash = path.indexOf('/');
    if (slash === -1) {
      if (oid === null) entries.delete(path);
      else entries.set(path, { mode: '100644', path, oid, type: 'blob' });
      continue;
    }
    const head = path.slice(0, slash);
    let sub = below.get(head);
    if (sub === undefined) below.set(head, (sub = new Map()));
    sub.set(path.slice(slash + 1), oid);
  }
  for (const [name, sub] of below) {
    const existing = entries.get(name);
    const oid = await rewriteTree(repo, existing?.type === 'tree' ? existing.oid : null, sub);
    if (oid === null) entries.delete(name);
    else entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
  }
  if (entries.size === 0) return null;
  const written = [...entries.values()];
  const oid = writeLooseObject(repo.gitdir, 'tree', treeBody(written));
  rememberTree(oid, written);
  return oid;
}

/**
 * Trees read or written lately, by object id, up to TREE_CACHE_ENTRIES entries in all: every
 * commit rewrites the root and the folders above its changes, and the next commit reads exactly
 * those again. An id names its content (SHA-1 of it), so a remembered tree is right in any
 * repository and never goes stale; isomorphic-git would inflate and re-hash it on every read.
 */
const treeCache = new Map<string, readonly TreeEntry[]>();
const TREE_CACHE_ENTRIES = 200_000;
let cachedEntries = 0;

async function readTreeEntries(repo: GitRepo, oid: string): Promise<readonly TreeEntry[]> {
  const known = treeCache.get(oid);
  if (known !== undefined) return known;
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  const entries = tree.map(({ mode, path, oid: entryOid, type }) => ({ mode, path, oid: entryOid, type }));
  rememberTree(oid, entries);
  return entries;
}

function rememberTree(oid: string, entries: readonly TreeEntry[]): void {
  if (treeCache.has(oid) || entries.length > TREE_CACHE_ENTRIES) return;
  treeCache.set(oid, entries);
  cachedEntries += entries.length;
  for (const [old, held] of treeCache) {
    if (cachedEntries <= TREE_CACHE_ENTRIES) break;
    treeCache.delete(old);
    cachedEntries -= held.length;
  }
}
