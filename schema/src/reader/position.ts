import { SkillsError } from '../errors.js';
import { SEGMENT_LINES, parseFeedHead, type FeedHead } from '../lines/index.js';

/** feed/head.json, parsed and checked: the reader's name for {@link parseFeedHead}. */
export const readHead: (bytes: Uint8Array | string) => FeedHead = parseFeedHead;

/** Where to read on: a segment and a byte offset into it. */
export interface SegmentPosition {
  segment: number;
  offset: number;
}

/**
 * DESIGN §4 Lines: a client resumes at segment ⌊stored seq/1000⌋, at its stored offset when that
 * is the segment it stopped in, else at 0 (a segment whose 1,000 lines are all applied is
 * complete). `storedSegment`/`storedOffset` are where it stopped: head.segment/head.offset of the
 * head it last synced to (or of the snapshot it bootstrapped from).
 */
export function resumePosition(
  storedSeq: number,
  storedOffset: number,
  storedSegment: number,
): SegmentPosition {
  for (const [what, value] of [
    ['seq', storedSeq],
    ['offset', storedOffset],
    ['segment', storedSegment],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SkillsError('INTERNAL', `a stored feed ${what} must be a non-negative safe integer`);
    }
  }
  const segment = Math.floor(storedSeq / SEGMENT_LINES);
  return { segment, offset: segment === storedSegment ? storedOffset : 0 };
}

/** Bytes `start`…`end` (inclusive) of a segment; `end` null reads to the end of a full segment. */
export interface SegmentRange {
  segment: number;
  start: number;
  end: number | null;
}

/**
 * Sync step 3: the byte ranges to fetch from `position` up to the head. Segments before the
 * head's are read to their end; in the head's segment b = head.offset − 1. A range with a > b is
 * skipped (nothing new), so the list is empty when the position is at or past the head.
 */
export function segmentRange(
  head: Pick<FeedHead, 'segment' | 'offset'>,
  position: SegmentPosition,
): SegmentRange[] {
  const ranges: SegmentRange[] = [];
  for (let segment = position.segment; segment <= head.segment; segment++) {
    const start = segment === position.segment ? position.offset : 0;
    const end = segment === head.segment ? head.offset - 1 : null;
    if (end === null || start <= end) ranges.push({ segment, start, end });
  }
  return ranges;
}

/** The HTTP Range header value for a range: `bytes=a-b`, or `bytes=a-` to the end. */
export function rangeHeader(range: SegmentRange): string {
  return `bytes=${range.start}-${range.end ?? ''}`;
}

/** Where the stored copy stands against a freshly read head (sync step 2). */
export type HeadComparison = 'same' | 'ahead' | 'behind' | 'fork' | 'reset';

/**
 * Sync step 2, seen from the head: another epoch → 'reset' (stop with FEED_RESET); a lower seq →
 * 'behind' (the copy served is older than ours: keep local state, warn); same seq and hash →
 * 'same'; same seq, other hash → 'fork' (an error); a higher seq → 'ahead' (read on).
 */
export function checkHeadAgainst(
  stored: Pick<FeedHead, 'epoch' | 'seq' | 'hash'>,
  head: Pick<FeedHead, 'epoch' | 'seq' | 'hash'>,
): HeadComparison {
  if (head.epoch !== stored.epoch) return 'reset';
  if (head.seq < stored.seq) return 'behind';
  if (head.seq > stored.seq) return 'ahead';
  return head.hash === stored.hash ? 'same' : 'fork';
}
