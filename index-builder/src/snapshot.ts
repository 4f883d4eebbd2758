import { gzipSync } from 'node:zlib';
import git from 'isomorphic-git';
import { GENESIS_HASH, headSegment, segmentPath, SEGMENT_LINES, type HeadSnapshot } from '@skills/schema';
import { Catalog, readFeed, readSnapshot } from '@skills/schema/reader';
import { sha256, writeConflict } from './render.js';
import { readCommitted } from './repo.js';
import { syncBackedFs as fs } from './sync-fs.js';
import {
  commitChanges,
  commitMessage,
  openIndex,
  type CommitOptions,
  type CommittedIndex,
  type WriteResult,
} from './writer.js';

export const SNAPSHOTS_DIR = 'snapshots';
/** DESIGN §4: the tree keeps the newest two, so a client that just read head.json finds its snapshot. */
const SNAPSHOTS_KEPT = 2;

export interface BuiltSnapshot {
  meta: HeadSnapshot;
  bytes: Buffer;
}

/**
 * Builds a catalog snapshot at the committed head, from the previous snapshot plus the feed
 * since (or the whole feed). Reads only committed objects, so it can run while batches are being
 * written; null when the head is where the last snapshot already is.
 */
export async function buildSnapshot(dir: string): Promise<BuiltSnapshot | null> {
  const index = await openIndex(dir);
  const { head, config, repo, commit } = index;
  const previous = head.snapshot;
  if (head.seq === 0 || previous?.seq === head.seq) return null;

  let catalog = new Catalog();
  let position = { seq: 0, hash: GENESIS_HASH };
  let segment = 0;
  let offset = 0;
  if (previous !== null) {
    const bytes = await readCommitted(repo, commit, previous.path);
    if (bytes === null)
      throw writeConflict(`head.json names ${previous.path}, which the index does not have`);
    catalog = readSnapshot(bytes, previous);
    position = { seq: previous.seq, hash: previous.hash };
    // A snapshot taken at the end of a full segment resumes at the start of the next one.
    segment = Math.floor(previous.seq / SEGMENT_LINES);
    offset = segment === previous.segment ? previous.offset : 0;
  }
  for (; segment <= head.segment; segment += 1, offset = 0) {
    const bytes = (await readCommitted(repo, commit, segmentPath(config.epoch, segment))) ?? Buffer.alloc(0);
    const read = readFeed(bytes.subarray(offset), position, { segment });
    for (const entry of read.lines) {
      if (entry.line.known) catalog.apply(entry.line);
    }
    position = read.end;
  }
  if (position.seq !== head.seq || position.hash !== head.hash) {
    throw writeConflict(`the committed feed ends at seq ${position.seq}, but head.json says ${head.seq}`);
  }
  const bytes = gzipSync(catalog.toSnapshot(), { level: 9 });
  const digest = sha256(bytes);
  const meta: HeadSnapshot = {
    seq: head.seq,
    hash: head.hash,
    path: `${SNAPSHOTS_DIR}/${config.epoch}/${head.seq}-${digest.slice(0, 16)}.ndjson.gz`,
    sha256: digest,
    size: bytes.length,
    segment: headSegment(head.seq),
    offset: head.offset,
  };
  return { meta, bytes };
}

/**
 * Records a built snapshot in head.json in one small commit, and deletes all but the newest two
 * snapshot files. The head may have moved on since the snapshot was built; it may not have gone
 * back, nor past a newer snapshot.
 */
export async function commitSnapshot(
  dir: string,
  snapshot: BuiltSnapshot,
  options: CommitOptions = {},
): Promise<WriteResult> {
  const index = await openIndex(dir);
  const { head } = index;
  if (snapshot.meta.seq > head.seq || (head.snapshot?.seq ?? 0) >= snapshot.meta.seq) {
    throw writeConflict(
      `a snapshot at seq ${snapshot.meta.seq} does not fit the index head (seq ${head.seq})`,
    );
  }
  const changes = new Map<string, Buffer | null>([[snapshot.meta.path, snapshot.bytes]]);
  const keep = new Set(
    [snapshot.meta.path, ...(head.snapshot ? [head.snapshot.path] : [])].slice(0, SNAPSHOTS_KEPT),
  );
  for (const file of await snapshotFiles(index)) {
    if (!keep.has(file)) changes.set(file, null);
  }
  const message = commitMessage(`Snapshot at seq ${snapshot.meta.seq}`, [snapshot.meta.path]);
  return commitChanges(index, changes, { ...head, snapshot: snapshot.meta }, message, options);
}

/** Builds and commits a snapshot; null when the last one is already at the head. */
export async function writeSnapshot(dir: string, options: CommitOptions = {}): Promise<WriteResult | null> {
  const built = await buildSnapshot(dir);
  return built === null ? null : commitSnapshot(dir, built, options);
}

async function snapshotFiles(index: CommittedIndex): Promise<string[]> {
  const files: string[] = [];
  const { gitdir, cache } = index.repo;
  let root: { tree: { path: string; oid: string; type: string }[] };
  try {
    root = await git.readTree({ fs, gitdir, oid: index.commit, filepath: SNAPSHOTS_DIR, cache });
  } catch {
    return files;
  }
  for (const epochDir of root.tree) {
    if (epochDir.type !== 'tree') continue;
    const { tree } = await git.readTree({ fs, gitdir, oid: epochDir.oid, cache });
    for (const entry of tree) files.push(`${SNAPSHOTS_DIR}/${epochDir.path}/${entry.path}`);
  }
  return files;
}
