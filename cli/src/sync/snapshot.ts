import { GENESIS_HASH, SEGMENT_LINES, SkillsError, type FeedHead, type HeadSnapshot } from '@skills/schema';
import type { Catalog } from '@skills/schema/reader';
import { readSnapshot } from '@skills/schema/reader';
import type { IndexTransport } from '../transport/types.js';
import type { SyncPosition } from './feed.js';

/** Where a client with nothing stored starts: an empty catalog before line 1. */
export const GENESIS: SyncPosition = { seq: 0, hash: GENESIS_HASH, segment: 0, offset: 0 };

/**
 * Whether a client at `stored` should start over from the head's snapshot rather than read the
 * feed (DESIGN §4 step 5, "far behind"): when the snapshot is past the stored position and the
 * feed lines it spares are estimated to weigh more than the snapshot file. A line's weight is
 * taken from the head's own segment (its offset over its lines), so no request is spent on it.
 */
export function farBehind(stored: SyncPosition, head: FeedHead): boolean {
  const snapshot = head.snapshot;
  if (snapshot === null || snapshot.seq <= stored.seq) return false;
  const inHeadSegment = head.seq - head.segment * SEGMENT_LINES;
  const lineBytes = head.offset / Math.max(1, inHeadSegment);
  return (snapshot.seq - stored.seq) * lineBytes > snapshot.size;
}

export type SnapshotRead = { catalog: Catalog; position: SyncPosition; received: number } | 'gone';

/**
 * Sync step 5: reads the snapshot the head names, at most `size` bytes, checks its size and
 * sha256 (readSnapshot), and adopts its position: the feed continues from its segment and
 * offset, and line S+1's prev must equal its hash (readFeed checks it). 'gone' when the file is
 * not there (DESIGN: a 404 on a snapshot means read head.json again).
 */
export async function readHeadSnapshot(
  transport: IndexTransport,
  snapshot: HeadSnapshot,
): Promise<SnapshotRead> {
  let result;
  try {
    result = await transport.get(snapshot.path, { maxBytes: snapshot.size });
  } catch (error) {
    if (error instanceof SkillsError && error.code === 'RESPONSE_TOO_LARGE') {
      throw new SkillsError(
        'SNAPSHOT_INVALID',
        `${snapshot.path} is larger than the ${snapshot.size} bytes feed/head.json says`,
        { hint: 'nothing was synced; if it persists, report it to the registry operator', cause: error },
      );
    }
    throw error;
  }
  if (result.status === 'not-found') return 'gone';
  if (result.status === 'not-modified') throw new SkillsError('INTERNAL', 'a snapshot answered 304 unasked');
  const catalog = readSnapshot(result.bytes, snapshot);
  return {
    catalog,
    position: { seq: snapshot.seq, hash: snapshot.hash, segment: snapshot.segment, offset: snapshot.offset },
    received: result.bytes.length,
  };
}
