import { SEGMENT_LINES, segmentPath, SkillsError, type FeedHead } from '@skills/schema';
import {
  checkFeedEnd,
  readFeed,
  resumePosition,
  segmentRange,
  type FeedEntry,
  type FeedPosition,
  type SegmentRange,
} from '@skills/schema/reader';
import type { IndexTransport } from '../transport/types.js';

/** A feed line is at most two 16 KiB index lines and a few fields; a segment holds 1,000. */
export const SEGMENT_MAX_BYTES = 40 * 1024 * 1024;

/** Where a sync stands: the last line applied, and where its segment ended (head segment/offset). */
export interface SyncPosition extends FeedPosition {
  segment: number;
  offset: number;
}

export interface FeedRead {
  lines: FeedEntry[];
  /** Bytes of feed received (what was transferred for the lines, dropped prefixes included). */
  received: number;
}

/**
 * Sync steps 3 and 4: reads the feed from `from` up to `head`, one exact range per segment
 * (`Range: bytes=a-b`, b = head.offset−1 in the head's segment), checks the chain line by line
 * and that the last line is head.seq with head.hash. A copy that gives fewer bytes than asked is
 * stale, not tampered with: that range is asked again once with `Cache-Control: no-cache`, then
 * the sync stops with FEED_STALE ("try later"). Throws FEED_CHAIN_BROKEN for a broken chain.
 */
export async function readFeedTo(
  transport: IndexTransport,
  head: FeedHead,
  from: SyncPosition,
  onProgress?: (read: number, total: number) => void,
): Promise<FeedRead> {
  const lines: FeedEntry[] = [];
  let position: FeedPosition = { seq: from.seq, hash: from.hash };
  let received = 0;
  const ranges = segmentRange(head, resumePosition(from.seq, from.offset, from.segment));
  for (const range of ranges) {
    let attempt = await readRange(transport, head, range, position, false);
    if (attempt.short) attempt = await readRange(transport, head, range, position, true);
    received += attempt.received;
    if (attempt.short) {
      throw new SkillsError(
        'FEED_STALE',
        `${transport.where} serves ${segmentPath(head.epoch, range.segment)} shorter than its feed/head.json says (up to line ${attempt.end.seq}, not ${Math.min(head.seq, (range.segment + 1) * SEGMENT_LINES)}), even when asked past caches`,
        {
          hint: 'a cache or mirror is still catching up: nothing was changed, try `skills sync` again later',
        },
      );
    }
    lines.push(...attempt.lines);
    position = attempt.end;
    onProgress?.(position.seq - from.seq, head.seq - from.seq);
  }
  // Throws FEED_CHAIN_BROKEN when the last line read is head.seq with another hash.
  if (checkFeedEnd(position, head) !== 'complete') {
    throw new SkillsError('FEED_STALE', `${transport.where} serves a feed that ends before its head`, {
      hint: 'a cache or mirror is still catching up: nothing was changed, try `skills sync` again later',
    });
  }
  return { lines, received };
}

interface RangeRead {
  lines: FeedEntry[];
  end: FeedPosition;
  received: number;
  /** The copy had fewer bytes or lines than the head promises. */
  short: boolean;
}

async function readRange(
  transport: IndexTransport,
  head: FeedHead,
  range: SegmentRange,
  from: FeedPosition,
  noCache: boolean,
): Promise<RangeRead> {
  const stale: RangeRead = { lines: [], end: from, received: 0, short: true };
  const result = await transport.get(segmentPath(head.epoch, range.segment), {
    maxBytes: SEGMENT_MAX_BYTES,
    range: { start: range.start, end: range.end },
    ...(noCache ? { noCache: true } : {}),
  });
  // Not there yet: a segment the head names (segmentRange never goes past it) is on its way.
  if (result.status === 'not-found') return stale;
  if (result.status === 'not-modified')
    throw new SkillsError('INTERNAL', 'a feed range answered 304 unasked');
  let bytes: Buffer;
  if (result.start === range.start) bytes = result.bytes;
  else if (result.start === 0) {
    // A server that ignores Range sends the whole file: drop what was not asked for.
    if (result.bytes.length < range.start) return { ...stale, received: result.bytes.length };
    bytes = result.bytes.subarray(range.start);
  } else {
    // A 206 must start at a; one starting elsewhere is a broken cache: ask past it once.
    return { ...stale, received: result.bytes.length };
  }
  if (range.end !== null) {
    const wanted = range.end - range.start + 1;
    if (bytes.length < wanted) return { ...stale, received: result.bytes.length };
    bytes = bytes.subarray(0, wanted);
  }
  // A trailing fragment without 0x0A is not a line: readFeed leaves it out.
  const read = readFeed(bytes, from, { segment: range.segment });
  const lastSeq = Math.min(head.seq, (range.segment + 1) * SEGMENT_LINES);
  return {
    lines: read.lines,
    end: read.end,
    received: result.bytes.length,
    short: read.end.seq < lastSeq,
  };
}
