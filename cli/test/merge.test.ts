import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyFeedLine,
  buildFeedLine,
  GENESIS_HASH,
  parseFeedLine,
  type FeedOp,
  type IndexLine,
} from '@skills/schema';
import { Catalog } from '@skills/schema/reader';
import { mergeFeed } from '../src/sync/merge.js';
import { indexLine } from './index-fixture.js';

/** A feed of changes over a few names, as the registry writes it. */
function feedOf(changes: Array<{ name: string; op: FeedOp }>) {
  const shards = new Map<string, IndexLine[]>();
  const versions = new Map<string, number>();
  const lines: Buffer[] = [];
  let hash = GENESIS_HASH;
  for (const { name, op: wanted } of changes) {
    const before = shards.get(name) ?? [];
    const live = before.filter((line) => !line.yanked);
    const op: FeedOp =
      before.length === 0 || wanted === 'publish'
        ? 'publish'
        : live.length > 0 && wanted === 'yank'
          ? 'yank'
          : wanted === 'purge'
            ? 'purge'
            : 'publish';
    let version: string;
    let entry: IndexLine | null;
    if (op === 'publish') {
      const n = (versions.get(name) ?? 0) + 1;
      versions.set(name, n);
      version = `1.${n}.0`;
      entry = indexLine(name, version, { description: `${name} number ${n}` });
    } else {
      const target = op === 'yank' ? live[0]! : before[0]!;
      version = target.version;
      entry = op === 'purge' ? null : { ...target, yanked: true, yank_reason: 'bad' };
    }
    const after = applyFeedLine(before, { op, name, version, entry });
    const built = buildFeedLine({ seq: lines.length + 1, op, name, version, before, after, prev: hash });
    shards.set(name, after);
    hash = built.hash;
    lines.push(built.bytes);
  }
  return lines.map((bytes) => ({ line: parseFeedLine(bytes) }));
}

const names = fc.constantFrom('a', 'bb', 'ccc', 'dddd', 'eeee-f', 'zz-top', 'm-1', 'pdf-tools');
const change = fc.record({ name: names, op: fc.constantFrom<FeedOp>('publish', 'publish', 'yank', 'purge') });

describe('mergeFeed', () => {
  it('gives exactly the catalog a full apply gives, for any stored catalog and new lines', () => {
    fc.assert(
      fc.property(
        fc.array(change, { maxLength: 20 }),
        fc.array(change, { minLength: 1, maxLength: 12 }),
        (first, then) => {
          const feed = feedOf([...first, ...then]);
          const old = feed.slice(0, first.length);
          const fresh = feed.slice(first.length);
          const stored = new Catalog();
          for (const { line } of old) stored.apply(line);
          const full = stored.clone();
          for (const { line } of fresh) full.apply(line);

          const touched = new Set(fresh.map(({ line }) => (line.known ? line.line.name : '')));
          const storedBytes = stored.toSnapshot();
          const held = stored
            .names()
            .filter((name) => touched.has(name))
            .map((name) => storedLine(storedBytes, name));
          const merged = mergeFeed(storedBytes, held, old.length, fresh);
          expect(Buffer.concat(merged.chunks).equals(full.toSnapshot())).toBe(true);
          expect(merged.count).toBe(full.size);
          expect(merged.search).toEqual(
            full.entries().flatMap((entry) => (entry.latest === null ? [] : [entry.latest])),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a feed line older than what the catalog holds for the skill', () => {
    const feed = feedOf([
      { name: 'a', op: 'publish' },
      { name: 'a', op: 'publish' },
    ]);
    const stored = new Catalog();
    for (const { line } of feed) stored.apply(line);
    const bytes = stored.toSnapshot();
    expect(() => mergeFeed(bytes, [storedLine(bytes, 'a')], 2, feed.slice(1))).toThrow(
      /already holds line 2/,
    );
  });
});

/** The stored line of `name`, without its 0x0A. */
function storedLine(bytes: Buffer, name: string): Buffer {
  const start = bytes.indexOf(`{"name":"${name}"`);
  return bytes.subarray(start, bytes.indexOf(0x0a, start));
}
