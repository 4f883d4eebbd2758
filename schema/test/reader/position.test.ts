import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, headSegment, serializeFeedHead, type FeedHead } from '../../src/lines/index.js';
import {
  checkFeedEnd,
  checkHeadAgainst,
  rangeHeader,
  readFeed,
  readHead,
  resumePosition,
  segmentRange,
  type FeedPosition,
  type SegmentRange,
} from '../../src/reader/index.js';
import { joinLines, manySkills, type Feed } from './helpers.js';

describe('resuming the feed', () => {
  it('resumes at the stored offset while the stored segment is not complete', () => {
    expect(resumePosition(0, 0, 0)).toEqual({ segment: 0, offset: 0 });
    expect(resumePosition(1, 250, 0)).toEqual({ segment: 0, offset: 250 });
    expect(resumePosition(999, 123_456, 0)).toEqual({ segment: 0, offset: 123_456 });
    expect(resumePosition(1001, 300, 1)).toEqual({ segment: 1, offset: 300 });
  });

  it('starts the next segment at 0 once all 1,000 lines of a segment are applied', () => {
    // head.segment of seq 1000 is 0 (its line is in segment 0), yet segment 0 is complete.
    expect(headSegment(1000)).toBe(0);
    expect(resumePosition(1000, 123_456, 0)).toEqual({ segment: 1, offset: 0 });
    expect(resumePosition(2000, 99, 1)).toEqual({ segment: 2, offset: 0 });
  });

  it('refuses a stored position that is not one as a bug of the caller', () => {
    expect(() => resumePosition(-1, 0, 0)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => resumePosition(1, 0.5, 0)).toThrow(/offset/);
    expect(() => resumePosition(1, 0, Number.NaN)).toThrow(/segment/);
  });
});

describe('segment ranges', () => {
  it('reads the head segment up to head.offset − 1', () => {
    expect(segmentRange({ segment: 0, offset: 800 }, { segment: 0, offset: 500 })).toEqual([
      { segment: 0, start: 500, end: 799 },
    ]);
  });

  it('skips a range whose start is past its end: nothing new', () => {
    expect(segmentRange({ segment: 0, offset: 0 }, { segment: 0, offset: 0 })).toEqual([]);
    expect(segmentRange({ segment: 0, offset: 800 }, { segment: 0, offset: 800 })).toEqual([]);
    expect(segmentRange({ segment: 0, offset: 800 }, { segment: 1, offset: 0 })).toEqual([]);
  });

  it('reads earlier segments to their end, then the head segment from 0', () => {
    const ranges = segmentRange({ segment: 2, offset: 300 }, { segment: 0, offset: 500 });
    expect(ranges).toEqual([
      { segment: 0, start: 500, end: null },
      { segment: 1, start: 0, end: null },
      { segment: 2, start: 0, end: 299 },
    ]);
    expect(ranges.map(rangeHeader)).toEqual(['bytes=500-', 'bytes=0-', 'bytes=0-299']);
  });
});

/** The feed's segments as a static host serves them, and the head after line `seq`. */
function served(
  feed: Feed,
  seq: number,
): { segments: Buffer[]; head: Pick<FeedHead, 'seq' | 'hash' | 'segment' | 'offset'> } {
  const segments: Buffer[] = [];
  for (let start = 0; start < seq; start += 1000) {
    segments.push(joinLines(feed.lines.slice(start, Math.min(start + 1000, seq))));
  }
  const segment = headSegment(seq);
  return {
    segments,
    head: { seq, hash: feed.hashes[seq]!, segment, offset: segments[segment]?.length ?? 0 },
  };
}

/** Sync steps 3–4 against `served`: fetch each range, read it, check the end against the head. */
function sync(
  feed: Feed,
  headSeq: number,
  stored: FeedPosition & { segment: number; offset: number },
): { ranges: SegmentRange[]; end: FeedPosition; applied: number[] } {
  const { segments, head } = served(feed, headSeq);
  const ranges = segmentRange(head, resumePosition(stored.seq, stored.offset, stored.segment));
  let end: FeedPosition = { seq: stored.seq, hash: stored.hash };
  const applied: number[] = [];
  for (const range of ranges) {
    const bytes = segments[range.segment]!.subarray(
      range.start,
      range.end === null ? undefined : range.end + 1,
    );
    const read = readFeed(bytes, end, { segment: range.segment });
    expect(read.rest).toBe(0);
    applied.push(...read.lines.map((line) => line.seq));
    end = read.end;
  }
  expect(checkFeedEnd(end, head)).toBe('complete');
  return { ranges, end, applied };
}

describe('syncing around exactly 1,000 lines', () => {
  const feed = manySkills(1002);
  const storedAt = (seq: number) => {
    const { head } = served(feed, seq);
    return { seq, hash: head.hash, segment: head.segment, offset: head.offset };
  };

  it('from seq 999: the rest of segment 0, then segment 1', () => {
    const result = sync(feed, 1002, storedAt(999));
    expect(result.ranges.map((r) => [r.segment, r.end === null])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(result.applied).toEqual([1000, 1001, 1002]);
    expect(result.end).toEqual({ seq: 1002, hash: feed.hashes[1002] });
  });

  it('from seq 1000: segment 1 from byte 0, segment 0 untouched', () => {
    const result = sync(feed, 1002, storedAt(1000));
    expect(result.ranges).toEqual([{ segment: 1, start: 0, end: served(feed, 1002).head.offset - 1 }]);
    expect(result.applied).toEqual([1001, 1002]);
  });

  it('from seq 1001: segment 1 from its stored offset', () => {
    const stored = storedAt(1001);
    const result = sync(feed, 1002, stored);
    expect(result.ranges).toEqual([
      { segment: 1, start: stored.offset, end: served(feed, 1002).head.offset - 1 },
    ]);
    expect(result.applied).toEqual([1002]);
  });

  it('with the head at exactly 1,000 lines, from seq 999 and from seq 1000', () => {
    expect(sync(feed, 1000, storedAt(999)).applied).toEqual([1000]);
    expect(sync(feed, 1000, storedAt(1000)).ranges).toEqual([]);
  });

  it('from nothing, over both segments', () => {
    const result = sync(feed, 1002, { seq: 0, hash: GENESIS_HASH, segment: 0, offset: 0 });
    expect(result.applied).toHaveLength(1002);
  });
});

describe('comparing the head with the stored copy', () => {
  const stored = { epoch: 'e1', seq: 10, hash: 'a'.repeat(64) };

  it.each([
    ['same', { epoch: 'e1', seq: 10, hash: 'a'.repeat(64) }],
    ['ahead', { epoch: 'e1', seq: 11, hash: 'b'.repeat(64) }],
    ['behind', { epoch: 'e1', seq: 9, hash: 'c'.repeat(64) }],
    ['fork', { epoch: 'e1', seq: 10, hash: 'd'.repeat(64) }],
    ['reset', { epoch: 'e2', seq: 10, hash: 'a'.repeat(64) }],
    ['reset', { epoch: 'e2', seq: 50, hash: 'e'.repeat(64) }],
  ] as const)('answers %s', (expected, head) => {
    expect(checkHeadAgainst(stored, head)).toBe(expected);
  });

  it('reads head.json with the lines API', () => {
    const head: FeedHead = {
      format: 1,
      epoch: 'e1',
      seq: 0,
      segment: 0,
      offset: 0,
      hash: GENESIS_HASH,
      snapshot: null,
      time: '2024-05-01T12:00:00Z',
      expires: null,
    };
    expect(readHead(serializeFeedHead(head))).toEqual(head);
  });
});
