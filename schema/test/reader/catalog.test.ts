import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, serializeIndexLine, serializeSnapshotLine } from '../../src/lines/index.js';
import { Catalog, applyFeed, readFeed } from '../../src/reader/index.js';
import { sha256, threeSkills } from './helpers.js';

function catalogOfThreeSkills(): Catalog {
  const catalog = new Catalog();
  applyFeed(catalog, readFeed(threeSkills().bytes, { seq: 0, hash: GENESIS_HASH }).lines);
  return catalog;
}

describe('the catalog', () => {
  it("holds each skill's last seq, shard digest and latest line after the feed", () => {
    const feed = threeSkills();
    const catalog = catalogOfThreeSkills();
    expect(catalog.size).toBe(3);
    expect(catalog.names()).toEqual(['ab', 'pdf-tools', 'x']);

    const pdf = catalog.get('pdf-tools')!;
    expect(pdf).toMatchObject({ seq: 7, file: sha256(feed.shards.get('pdf-tools')!) });
    expect(pdf.latest).toMatchObject({ version: '1.1.0', yanked: false });
    expect(pdf.latestBytes).toEqual(serializeIndexLine(pdf.latest!));

    // Every version purged: the skill stays, with no latest and no file.
    expect(catalog.get('ab')).toEqual({ name: 'ab', seq: 8, file: null, latest: null, latestBytes: null });

    // 2.0.0 yanked: the non-yanked pre-release is latest.
    expect(catalog.get('x')).toMatchObject({ seq: 9, latest: { version: '2.1.0-beta.1' } });
    expect(catalog.has('x')).toBe(true);
    expect(catalog.has('y')).toBe(false);
    expect([...catalog].map((entry) => entry.name)).toEqual(['ab', 'pdf-tools', 'x']);
  });

  it('writes snapshot lines sorted by name, byte-equal to serializeSnapshotLine', () => {
    const catalog = catalogOfThreeSkills();
    const expected = Buffer.concat(
      catalog
        .entries()
        .flatMap((entry) => [
          serializeSnapshotLine({ name: entry.name, seq: entry.seq, file: entry.file, latest: entry.latest }),
          Buffer.from('\n'),
        ]),
    );
    expect(catalog.toSnapshot()).toEqual(expected);
  });

  it('reads back what it writes', () => {
    const catalog = catalogOfThreeSkills();
    const again = Catalog.fromSnapshot(catalog.toSnapshot(), { seq: 9 });
    expect(again.entries()).toEqual(catalog.entries());
    expect(again.toSnapshot()).toEqual(catalog.toSnapshot());
  });

  it('is empty at first and writes an empty snapshot', () => {
    const catalog = new Catalog();
    expect(catalog.size).toBe(0);
    expect(catalog.toSnapshot()).toEqual(Buffer.alloc(0));
    expect(Catalog.fromSnapshot(Buffer.alloc(0)).size).toBe(0);
  });

  it('refuses a feed line that is not newer than what it holds for the skill', () => {
    const catalog = catalogOfThreeSkills();
    const [first] = readFeed(threeSkills().bytes, { seq: 0, hash: GENESIS_HASH }).lines;
    expect(() => catalog.apply(first!.line)).toThrow(
      expect.objectContaining({
        code: 'INDEX_INCONSISTENT',
        message: expect.stringMatching(/already holds line 7/),
      }),
    );
  });

  it('clones independently: a failed sync leaves the stored catalog as it was', () => {
    const lines = readFeed(threeSkills().bytes, { seq: 0, hash: GENESIS_HASH }).lines;
    const stored = new Catalog();
    applyFeed(stored, lines.slice(0, 2));
    const working = stored.clone();
    applyFeed(working, lines.slice(2));
    expect(stored.names()).toEqual(['ab', 'pdf-tools']);
    expect(stored.get('pdf-tools')?.seq).toBe(1);
    expect(working.get('pdf-tools')?.seq).toBe(7);
  });
});
