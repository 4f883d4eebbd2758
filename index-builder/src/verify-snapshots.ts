import { createHash } from 'node:crypto';
import type { FeedHead } from '@skills/schema';
import { readSnapshot, type ExpectedSnapshot } from '@skills/schema/reader';
import type { FeedPoint } from './verify-feed.js';
import type { Problems, WorkTree } from './verify-tree.js';

const SNAPSHOT_NAME = /^(\d+)-[0-9a-f]{16}\.ndjson\.gz$/;
/** DESIGN §4: the tree keeps the newest two snapshots. */
const KEPT = 2;

interface SnapshotFile {
  file: string;
  seq: number;
}

/**
 * The snapshot files of the epoch (`snapshots/<epoch>/<seq>-<16 hex>.ndjson.gz`); reports files
 * under `snapshots/<epoch>/` with another name, and files right under `snapshots/`. Files of other
 * epochs are not read (readers use only the head's epoch) but count towards the two kept.
 */
export function snapshotFiles(tree: WorkTree, epoch: string, problems?: Problems): SnapshotFile[] {
  const dir = `snapshots/${epoch}/`;
  const found: SnapshotFile[] = [];
  for (const file of tree.files('snapshots/')) {
    const seq = SNAPSHOT_NAME.exec(file.slice(dir.length))?.[1];
    if (file.startsWith(dir) && seq !== undefined) found.push({ file, seq: Number(seq) });
    else if (file.startsWith(dir) || file.split('/').length < 3) {
      problems?.add('SNAPSHOT_INVALID', file, `is not named ${dir}<seq>-<16 hex>.ndjson.gz`);
    }
  }
  return found;
}

/**
 * DESIGN §4 Snapshots: head.snapshot exists with its size and sha256, reads as a snapshot, holds
 * exactly the catalog the feed gives at its seq (compared as `Catalog.toSnapshot()` bytes), and its
 * hash, segment and offset are the feed's at that seq. The other snapshot kept must hold the
 * catalog at the seq its name gives; at most two snapshot files remain under snapshots/.
 */
export async function checkSnapshots(
  tree: WorkTree,
  problems: Problems,
  head: FeedHead,
  points: ReadonlyMap<number, FeedPoint>,
): Promise<void> {
  const files = snapshotFiles(tree, head.epoch, problems);
  const named = head.snapshot;
  if (named !== null) {
    const bytes = await tree.read(named.path);
    if (bytes === null) {
      problems.add('SNAPSHOT_INVALID', named.path, 'is missing, but feed/head.json names it');
    } else {
      checkOne(problems, named.path, bytes, named, points.get(named.seq));
    }
    const point = points.get(named.seq);
    const at = (field: string, is: string | number, feed: string | number): void =>
      problems.add(
        'SNAPSHOT_INVALID',
        'feed/head.json',
        `says snapshot.${field} is ${is}, but the feed gives ${feed} at line ${named.seq}`,
      );
    if (point === undefined) {
      problems.add(
        'SNAPSHOT_INVALID',
        'feed/head.json',
        `names a snapshot at line ${named.seq}, which the feed in the tree does not reach`,
      );
    } else {
      if (point.hash !== named.hash) at('hash', named.hash, point.hash);
      if (point.segment !== named.segment) at('segment', named.segment, point.segment);
      if (point.offset !== named.offset) at('offset', named.offset, point.offset);
    }
  }
  // The newest two are kept, whatever their epoch (the writer deletes older epochs' snapshots with
  // the next one it writes): head.snapshot, then this epoch's newest, then other epochs' files.
  const current = files.filter(({ file }) => file !== named?.path).sort((a, b) => b.seq - a.seq);
  const elsewhere = tree
    .files('snapshots/')
    .filter((file) => file.split('/').length > 2 && !file.startsWith(dir(head)));
  const candidates = [...current.map(({ file }) => file), ...elsewhere];
  const kept = candidates.slice(0, named === null ? KEPT : KEPT - 1);
  for (const { file, seq } of current.filter(({ file }) => kept.includes(file))) {
    const bytes = await tree.read(file);
    if (bytes === null) continue;
    const expected = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, seq };
    checkOne(problems, file, bytes, expected, points.get(seq));
  }
  for (const file of candidates.slice(kept.length)) {
    problems.add(
      'SNAPSHOT_INVALID',
      file,
      `is one snapshot too many: the tree keeps only the newest ${KEPT}`,
    );
  }
}

function dir(head: FeedHead): string {
  return `snapshots/${head.epoch}/`;
}

function checkOne(
  problems: Problems,
  file: string,
  bytes: Buffer,
  expected: ExpectedSnapshot & { seq: number },
  point: FeedPoint | undefined,
): void {
  let held: Buffer;
  try {
    held = readSnapshot(bytes, expected).toSnapshot();
  } catch (error) {
    problems.add('SNAPSHOT_INVALID', file, (error as Error).message);
    return;
  }
  if (point === undefined) {
    problems.add(
      'SNAPSHOT_INVALID',
      file,
      `was taken at line ${expected.seq}, which the feed does not reach`,
    );
  } else if (!held.equals(point.catalog)) {
    problems.add(
      'SNAPSHOT_INVALID',
      file,
      `does not hold the catalog the feed gives at line ${expected.seq}: ${firstDifferentSkill(held, point.catalog)}`,
    );
  }
}

/** Names the first skill whose snapshot line differs. */
function firstDifferentSkill(held: Buffer, replayed: Buffer): string {
  const a = held.toString('latin1').split('\n');
  const b = replayed.toString('latin1').split('\n');
  for (let i = 0; ; i++) {
    if (a[i] === b[i]) continue;
    const name = (line: string | undefined): string | null =>
      line === undefined || line === '' ? null : (/^\{"name":"([^"]*)"/.exec(line)?.[1] ?? '?');
    const [mine, feeds] = [name(a[i]), name(b[i])];
    if (mine === feeds) return `the line of ${mine} differs`;
    if (mine === null) return `it lacks ${feeds}`;
    return feeds === null || mine < feeds ? `it holds ${mine}, which it should not` : `it lacks ${feeds}`;
  }
}
