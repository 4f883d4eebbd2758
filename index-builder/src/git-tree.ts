import { treeBody, writeLooseObject, type TreeEntry } from './loose-objects.js';
import { readTreeEntries, rememberBlob, rememberTree, type GitRepo } from './object-cache.js';

export type { GitRepo } from './object-cache.js';

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
    if (bytes === null) {
      blobs.set(path, null);
      continue;
    }
    const oid = writeLooseObject(repo.gitdir, 'blob', bytes);
    rememberBlob(oid, bytes);
    blobs.set(path, oid);
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
