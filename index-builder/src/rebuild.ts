import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { chainHash, FEED_HEAD_PATH, GENESIS_HASH, headSegment, segmentPath } from '@skills/schema';
import { renderFeed, writeConflict } from './render.js';
import { syncBackedFs as fs } from './sync-fs.js';
import {
  commitChanges,
  commitMessage,
  openIndex,
  type CommitOptions,
  type CommittedIndex,
  type WriteResult,
} from './writer.js';
import { writeWorkTree } from './work-tree.js';

export interface RebuildResult extends WriteResult {
  /** Files of the projection written to the work tree (all of them: a rebuild repairs). */
  written: number;
}

/**
 * Re-renders every file of the projection (shard files, feed segments, head.json) from the whole
 * feed of the current epoch, never altering, adding or renumbering a line. Commits only what
 * differs from the last commit (nothing, when the index is sound) and rewrites the whole work
 * tree, removing projection files the feed does not explain. config.json, keys/ and snapshots/
 * are not part of the projection and are left as they are; a snapshot stays recorded in head.json
 * only when its position is on this feed.
 */
export async function rebuild(
  dir: string,
  lines: readonly Uint8Array[],
  options: CommitOptions = {},
): Promise<RebuildResult> {
  const index = await openIndex(dir);
  const { epoch } = index.config;
  if (chainHashAt(lines, index.head.seq) !== index.head.hash) {
    // A restored old database must not roll the published index back: clients already hold it.
    throw writeConflict(
      `the published head (seq ${index.head.seq}) is not on these ${lines.length} feed lines; start a new epoch instead`,
    );
  }
  const rendered = await renderFeed(
    { epoch, seq: 0, hash: GENESIS_HASH, shard: async () => [], segment: async () => Buffer.alloc(0) },
    lines,
  );
  const desired = new Map(
    [...rendered.files].filter((entry): entry is [string, Buffer] => entry[1] !== null),
  );
  const committed = await committedFiles(index);
  const changes = new Map<string, Buffer | null>();
  for (const [file, bytes] of desired) {
    if (committed.get(file) !== blobId(bytes)) changes.set(file, bytes);
  }
  const workTree = new Map<string, Buffer | null>(desired);
  for (const file of committed.keys()) {
    if (isProjectionPath(file, epoch) && !desired.has(file)) changes.set(file, null);
  }
  for (const file of workTreeFiles(index.repo.dir)) {
    if (isProjectionPath(file, epoch) && !desired.has(file)) workTree.set(file, null);
  }

  const { seq, hash } = rendered;
  const segment = headSegment(seq);
  const offset = desired.get(segmentPath(epoch, segment))?.length ?? 0;
  const snapshot = keepSnapshot(index, lines, seq);
  const head = { ...index.head, seq, hash, segment, offset, snapshot };
  const headMoved =
    ['seq', 'hash', 'segment', 'offset'].some(
      (key) => head[key as keyof typeof head] !== index.head[key as keyof typeof head],
    ) || snapshot !== index.head.snapshot;
  if (changes.size === 0 && !headMoved) {
    // Sound: repair the work tree only. head.json is rewritten from its committed bytes.
    workTree.set(
      FEED_HEAD_PATH,
      committed.has(FEED_HEAD_PATH) ? await committedBytes(index, FEED_HEAD_PATH) : null,
    );
    writeWorkTree(index.repo.dir, workTree);
    return { commit: index.commit, head: index.head, changed: [], written: desired.size };
  }
  const message = commitMessage(`Rebuild the index from feed lines 1-${seq}`, [
    `${changes.size} file(s) differed from the projection of the feed`,
  ]);
  const result = await commitChanges(index, changes, head, message, options, workTree);
  return { ...result, written: desired.size };
}

/** Paths a feed renders: shard files (DESIGN §4 Paths) and this epoch's segments. */
export function isProjectionPath(file: string, epoch: string): boolean {
  return (
    SHARD_PATH.test(file) ||
    (file.startsWith(`feed/${epoch}/`) && /^\d{8}\.ndjson$/.test(file.slice(epoch.length + 6)))
  );
}

const SHARD_PATH =
  /^(1\/[a-z0-9]|2\/[a-z0-9-]{2}|3\/[a-z0-9]\/[a-z0-9-]{3}|[a-z0-9-]{2}\/[a-z0-9-]{2}\/[a-z0-9-]{4,64})$/;

/** The snapshot stays only when the chain hash at its seq is the one it was taken at. */
function keepSnapshot(index: CommittedIndex, lines: readonly Uint8Array[], seq: number) {
  const snapshot = index.head.snapshot;
  if (snapshot === null || snapshot.seq > seq) return null;
  return chainHashAt(lines, snapshot.seq) === snapshot.hash ? snapshot : null;
}

/** hash(seq) over the given lines; null when there are fewer lines than that. */
function chainHashAt(lines: readonly Uint8Array[], seq: number): string | null {
  if (seq > lines.length) return null;
  let hash = GENESIS_HASH;
  for (const line of lines.slice(0, seq)) hash = chainHash(hash, line);
  return hash;
}

/** Every committed file with its blob id, walking the whole tree (a rebuild is O(index) anyway). */
async function committedFiles(index: CommittedIndex): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const { commit: object } = await git.readCommit({
    fs,
    gitdir: index.repo.gitdir,
    oid: index.commit,
    cache: index.repo.cache,
  });
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir: index.repo.gitdir, oid, cache: index.repo.cache });
    for (const entry of tree) {
      if (entry.type === 'tree') await walk(entry.oid, `${prefix}${entry.path}/`);
      else files.set(`${prefix}${entry.path}`, entry.oid);
    }
  };
  await walk(object.tree, '');
  return files;
}

async function committedBytes(index: CommittedIndex, file: string): Promise<Buffer> {
  const { blob } = await git.readBlob({
    fs,
    gitdir: index.repo.gitdir,
    oid: index.commit,
    filepath: file,
    cache: index.repo.cache,
  });
  return Buffer.from(blob);
}

function workTreeFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (prefix === '' && entry.name === '.git') continue;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else files.push(`${prefix}${entry.name}`);
    }
  };
  walk(root, '');
  return files;
}

function blobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
