import { describe, expect, it } from 'vitest';
import { SkillsError } from '../../src/errors.js';
import { GENESIS_HASH, buildFeedLine } from '../../src/lines/index.js';
import { Catalog, FeedChainError, applyFeed, checkFeedEnd, readFeed } from '../../src/reader/index.js';
import {
  THREE_SKILLS,
  buildFeed,
  flipByte,
  indexLine,
  joinLines,
  manySkills,
  threeSkills,
} from './helpers.js';

const START = { seq: 0, hash: GENESIS_HASH };

function chainError(run: () => unknown): FeedChainError {
  try {
    run();
  } catch (error) {
    if (error instanceof FeedChainError) return error;
    throw error;
  }
  throw new Error('expected a FeedChainError');
}

describe('reading the feed', () => {
  it('reads the 3-skill feed from genesis, hashing each line over its exact bytes', () => {
    const feed = threeSkills();
    const read = readFeed(feed.bytes, START);
    expect(read.lines.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(read.lines.map((entry) => entry.hash)).toEqual(feed.hashes.slice(1));
    expect(read.lines.map((entry) => entry.bytes)).toEqual(feed.lines);
    expect(read.lines.map((entry) => (entry.line.known ? entry.line.line.op : null))).toEqual(
      THREE_SKILLS.map((step) => step.op),
    );
    expect(read).toMatchObject({
      end: { seq: 9, hash: feed.hashes[9] },
      consumed: feed.bytes.length,
      rest: 0,
    });
  });

  it('resumes from a stored position in the middle, carrying the epoch through', () => {
    const feed = threeSkills();
    const cut = joinLines(feed.lines.slice(0, 4)).length;
    const read = readFeed(new Uint8Array(feed.bytes.subarray(cut)), {
      seq: 4,
      hash: feed.hashes[4]!,
      epoch: 'e1',
    });
    expect(read.lines.map((entry) => entry.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(read.end).toEqual({ seq: 9, hash: feed.hashes[9], epoch: 'e1' });
  });

  it('reads nothing from no bytes', () => {
    expect(readFeed(Buffer.alloc(0), START)).toEqual({ lines: [], end: START, consumed: 0, rest: 0 });
  });

  it('does not take a trailing fragment without 0x0A for a line', () => {
    const feed = threeSkills();
    const whole = joinLines(feed.lines.slice(0, 8));
    const fragment = feed.lines[8]!.subarray(0, 40);
    const read = readFeed(Buffer.concat([whole, fragment]), START);
    expect(read.lines).toHaveLength(8);
    expect(read).toMatchObject({ end: { seq: 8, hash: feed.hashes[8] }, consumed: whole.length, rest: 40 });
    // Once the line is complete, reading on from `consumed` picks it up.
    const next = readFeed(feed.bytes.subarray(read.consumed), read.end);
    expect(next.end).toEqual({ seq: 9, hash: feed.hashes[9] });
  });

  it('detects a one-byte tamper of a past line at the next line, naming both', () => {
    const feed = threeSkills();
    const lines = [...feed.lines];
    lines[2] = flipByte(lines[2]!, lines[2]!.indexOf('The pdf-tools skill'));
    const error = chainError(() => readFeed(joinLines(lines), START));
    expect(error).toBeInstanceOf(SkillsError);
    expect(error.code).toBe('FEED_CHAIN_BROKEN');
    expect(error.seq).toBe(4);
    expect(error.message).toMatch(/^feed line 4 does not follow line 3: .*\(line 3 or 4 was altered\)$/);
    expect(error.after?.seq).toBe(3);
    expect(error.hint).toMatch(/skills sync/);
  });

  it('names the tampered line itself when the tamper breaks its JSON', () => {
    const feed = threeSkills();
    const lines = [...feed.lines];
    lines[4] = flipByte(lines[4]!, 0);
    const error = chainError(() => readFeed(joinLines(lines), START));
    expect(error.seq).toBe(5);
    expect(error.message).toMatch(/^feed line 5 is not valid: /);
    expect(error.cause).toBeInstanceOf(SkillsError);
    expect(error.after).toEqual({ seq: 4, hash: feed.hashes[4] });
  });

  it('detects a dropped line as a gap in seq', () => {
    const feed = threeSkills();
    const lines = feed.lines.filter((_, i) => i !== 2);
    const error = chainError(() => readFeed(joinLines(lines), START));
    expect(error.seq).toBe(3);
    expect(error.message).toBe('feed line 3 is missing: the next line read is 4');
  });

  it('detects a reordered line', () => {
    const feed = threeSkills();
    const lines = [...feed.lines];
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    expect(chainError(() => readFeed(joinLines(lines), START)).seq).toBe(3);
  });

  it('detects a repeated line', () => {
    const feed = threeSkills();
    const lines = [...feed.lines.slice(0, 3), feed.lines[2]!, ...feed.lines.slice(3)];
    const error = chainError(() => readFeed(joinLines(lines), START));
    expect(error.seq).toBe(4);
    expect(error.message).toMatch(/line read in its place is 3/);
  });

  it('detects an empty line', () => {
    const feed = threeSkills();
    const lines = [...feed.lines.slice(0, 3), Buffer.alloc(0), ...feed.lines.slice(3)];
    expect(chainError(() => readFeed(joinLines(lines), START)).seq).toBe(4);
  });

  it('requires the first line to chain from 64 zeros', () => {
    const built = buildFeedLine({
      seq: 1,
      op: 'publish',
      name: 'ab',
      version: '1.0.0',
      before: [],
      after: [indexLine('ab', '1.0.0')],
      prev: 'f'.repeat(64),
    });
    const error = chainError(() => readFeed(joinLines([built.bytes]), START));
    expect(error.message).toBe('feed line 1 does not start the chain: its prev is not 64 zeros');
  });

  it('finds a tamper of the last line read by comparing with head.json', () => {
    const feed = threeSkills();
    const lines = [...feed.lines];
    lines[8] = flipByte(lines[8]!, lines[8]!.indexOf('The x skill'));
    const read = readFeed(joinLines(lines), START);
    const error = chainError(() => checkFeedEnd(read.end, { seq: 9, hash: feed.hashes[9]! }));
    expect(error.seq).toBe(9);
    expect(error.after).toBeNull();
    expect(checkFeedEnd(readFeed(feed.bytes, START).end, { seq: 9, hash: feed.hashes[9]! })).toBe('complete');
  });

  it('tells a short read (stale copy) and a read past the head from a complete one', () => {
    const feed = threeSkills();
    const head = { seq: 9, hash: feed.hashes[9]! };
    expect(checkFeedEnd({ seq: 8, hash: feed.hashes[8]! }, head)).toBe('short');
    expect(checkFeedEnd({ seq: 10, hash: GENESIS_HASH }, head)).toBe('past');
  });

  it('keeps every line inside the segment it was read from', () => {
    const feed = manySkills(1001);
    const segment0 = joinLines(feed.lines.slice(0, 1000));
    const segment1 = joinLines(feed.lines.slice(1000));
    const first = readFeed(segment0, START, { segment: 0 });
    expect(first.end).toEqual({ seq: 1000, hash: feed.hashes[1000] });
    const second = readFeed(segment1, first.end, { segment: 1 });
    expect(second.end).toEqual({ seq: 1001, hash: feed.hashes[1001] });
    const error = chainError(() => readFeed(Buffer.concat([segment0, segment1]), START, { segment: 0 }));
    expect(error.seq).toBe(1001);
    expect(error.message).toBe('feed line 1001 belongs in segment 1, not in segment 0');
  });

  it('refuses a position that is not one as a bug of the caller', () => {
    for (const from of [
      { seq: -1, hash: GENESIS_HASH },
      { seq: 1.5, hash: GENESIS_HASH },
      { seq: 0, hash: 'zz' },
    ]) {
      expect(() => readFeed(Buffer.alloc(0), from)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });
});

describe('feed lines with an unknown op', () => {
  const steps = [...THREE_SKILLS.slice(0, 3), 'unknown' as const, ...THREE_SKILLS.slice(3)];

  it('are chain-checked and returned as unknown, then skipped when applied', () => {
    const feed = buildFeed(steps);
    const read = readFeed(feed.bytes, START);
    expect(read.lines).toHaveLength(10);
    expect(read.lines[3]?.line).toEqual({
      known: false,
      line: { seq: 4, op: 'rename', prev: feed.hashes[3] },
    });
    expect(read.lines[3]?.hash).toBe(feed.hashes[4]);
    expect(read.end).toEqual({ seq: 10, hash: feed.hashes[10] });

    const catalog = new Catalog();
    expect(applyFeed(catalog, read.lines)).toBe(9);
    const plain = new Catalog();
    applyFeed(plain, readFeed(threeSkills().bytes, START).lines);
    expect(catalog.names()).toEqual(plain.names());
  });

  it('break the chain when altered, like any other line', () => {
    const feed = buildFeed(steps);
    const lines = [...feed.lines];
    lines[3] = Buffer.from(lines[3]!.toString().replace('"to":"abc"', '"to":"abd"'));
    expect(chainError(() => readFeed(joinLines(lines), START)).seq).toBe(5);

    const unchained = [...feed.lines];
    unchained[3] = Buffer.from(unchained[3]!.toString().replace(feed.hashes[3]!, GENESIS_HASH));
    expect(chainError(() => readFeed(joinLines(unchained), START)).seq).toBe(4);
  });
});
