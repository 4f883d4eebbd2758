import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyFeedLine,
  buildFeedLine,
  GENESIS_HASH,
  parseFeedLine,
  serializeIndexConfig,
  type IndexLine,
} from '@skills/schema';
import { buildSearchIndex, search, serializeSearchIndex } from '@skills/schema/ranking';
import { Catalog } from '@skills/schema/reader';
import { CatalogFile, encodeCatalogFile, type CatalogState } from '../src/sync/catalog-file.js';
import { headEtag, lastSynced, readChecked, syncPaths, writeChecked } from '../src/sync/state.js';
import { farBehind, GENESIS } from '../src/sync/snapshot.js';
import { homePaths } from '../src/home/paths.js';
import { tempDir } from './helpers.js';
import { indexLine } from './index-fixture.js';

const CONFIG = serializeIndexConfig({
  format: 1,
  epoch: 'e1',
  name: 'test',
  url: 'https://skills.example.com/index/',
  dl: 'downloads/{prefix}/{name}/{name}-{version}.tgz',
  sig: null,
  api: null,
  signing_key: null,
  auth_required: false,
}).toString();

/** A catalog made the way sync makes it: feed lines applied in order. */
function catalogOf(changes: Array<[string, string, Partial<IndexLine>?]>): {
  catalog: Catalog;
  seq: number;
  hash: string;
} {
  const catalog = new Catalog();
  const shards = new Map<string, IndexLine[]>();
  let hash = GENESIS_HASH;
  changes.forEach(([name, version, overrides], i) => {
    const before = shards.get(name) ?? [];
    const after = applyFeedLine(before, {
      op: 'publish',
      name,
      version,
      entry: indexLine(name, version, overrides),
    });
    const built = buildFeedLine({ seq: i + 1, op: 'publish', name, version, before, after, prev: hash });
    shards.set(name, after);
    hash = built.hash;
    catalog.apply(parseFeedLine(built.bytes));
  });
  return { catalog, seq: changes.length, hash };
}

function state(seq: number, hash: string): CatalogState {
  return {
    location: 'https://skills.example.com/',
    epoch: 'e1',
    seq,
    hash,
    segment: 0,
    offset: 1234,
    headTime: '2026-01-01T00:00:00Z',
    syncedAt: '2026-01-01T00:00:01.000Z',
    headEtag: '"abc"',
    configEtag: null,
    config: CONFIG,
  };
}

async function written(changes: Array<[string, string, Partial<IndexLine>?]>) {
  const { catalog, seq, hash } = catalogOf(changes);
  const entries = [...catalog].flatMap((entry) => (entry.latest === null ? [] : [entry.latest]));
  const index = buildSearchIndex(entries);
  const { bytes, header } = encodeCatalogFile(state(seq, hash), catalog, serializeSearchIndex(index));
  const file = path.join(await tempDir(), 'catalog.bin');
  await writeFile(file, Buffer.concat(bytes));
  return { file, catalog, index, header };
}

describe('the catalog file', () => {
  it('round-trips the catalog, its position and config, and the search index', async () => {
    const { file, catalog, index, header } = await written([
      ['pdf-tools', '1.0.0', { description: 'Reads PDF files', keywords: ['pdf'] }],
      ['csv-tools', '1.0.0', { description: 'Reads CSV tables — ünïcode' }],
      ['pdf-tools', '1.1.0', { description: 'Reads and writes PDF files' }],
      ['a', '0.1.0'],
      ['zz-top', '2.0.0', { yanked: false }],
    ]);
    const opened = CatalogFile.open(file)!;
    try {
      expect(opened.header).toEqual(header);
      expect(opened.header).toMatchObject({ seq: 5, epoch: 'e1', skills: 4, headEtag: '"abc"' });
      expect(opened.config().url).toBe('https://skills.example.com/index/');
      expect(opened.catalog().toSnapshot().equals(catalog.toSnapshot())).toBe(true);
      for (const name of catalog.names()) {
        const entry = opened.entry(name)!;
        const held = catalog.get(name)!;
        expect([entry.name, entry.seq, entry.file, entry.latest]).toEqual([
          held.name,
          held.seq,
          held.file,
          held.latest,
        ]);
        expect(entry.latestBytes!.equals(held.latestBytes!)).toBe(true);
      }
      for (const unknown of ['0', 'b', 'pdf', 'pdf-tools-x', 'zzz']) expect(opened.entry(unknown)).toBeNull();
      for (const query of ['pdf', 'reads', 'csv tables', 'tols', 'zz']) {
        expect(search(opened.searchIndex(), query, { limit: 50 })).toEqual(
          search(index, query, { limit: 50 }),
        );
      }
    } finally {
      opened.close();
    }
  });

  it('holds an empty catalog', async () => {
    const { file } = await written([]);
    const opened = CatalogFile.open(file)!;
    expect(opened.header.skills).toBe(0);
    expect(opened.entry('anything')).toBeNull();
    expect(opened.catalog().size).toBe(0);
    expect(search(opened.searchIndex(), 'anything')).toEqual({ results: [], total: 0 });
    opened.close();
    expect(() => opened.catalog()).toThrow(/after it was closed/);
  });

  it('is null when missing and STATE_INVALID when damaged', async () => {
    expect(CatalogFile.open(path.join(await tempDir(), 'none.bin'))).toBeNull();
    const { file } = await written([['pdf-tools', '1.0.0']]);
    const bytes = await readFile(file);
    const headerLength = bytes.readUInt32LE(8);
    const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString()) as Record<string, unknown>;
    const withHeader = (change: Record<string, unknown>): Buffer => {
      const json = Buffer.from(JSON.stringify({ ...header, ...change }));
      const prefix = Buffer.from(bytes.subarray(0, 12));
      prefix.writeUInt32LE(json.length, 8);
      return Buffer.concat([prefix, json, bytes.subarray(12 + headerLength)]);
    };
    const cases: Array<[string, Buffer, RegExp]> = [
      ['another file', Buffer.from('hello world, not a catalog'), /not a skills catalog/],
      ['a header cut short', bytes.subarray(0, 40), /cut short/],
      [
        'a header that is not JSON',
        Buffer.concat([bytes.subarray(0, 12), Buffer.alloc(headerLength, 0x7b)]),
        /not JSON/,
      ],
      ['another format', withHeader({ format: 2 }), /another format/],
      ['a bad position', withHeader({ hash: 'x' }), /position/],
      ['a negative count', withHeader({ seq: -1 }), /seq is not a count/],
      ['no config', withHeader({ config: 1 }), /config/],
      ['a lost section', withHeader({ sections: { search: [0, 0], entries: [0, 0] } }), /starts section/],
      ['a wrong count', withHeader({ skills: 9 }), /count/],
    ];
    for (const [what, damaged, message] of cases) {
      await writeFile(file, damaged);
      let error: unknown;
      try {
        CatalogFile.open(file)?.close();
      } catch (caught) {
        error = caught;
      }
      expect(error, what).toMatchObject({ code: 'STATE_INVALID', message: expect.stringMatching(message) });
    }
    // Sections that point past the end are found when read.
    await writeFile(file, bytes.subarray(0, bytes.length - 100));
    const truncated = CatalogFile.open(file)!;
    expect(() => truncated.catalog()).toThrow(/shorter than its header says/);
    truncated.close();
    await writeFile(file, withHeader({ config: '{}' }));
    const badConfig = CatalogFile.open(file)!;
    expect(() => badConfig.config()).toThrow(/config.json does not parse/);
    badConfig.close();
  });
});

describe('sync state', () => {
  it('takes checked.json only for the position it names, and the newest time and ETag', async () => {
    const paths = syncPaths(homePaths(await tempDir()), 'https://skills.example.com/');
    const { header } = encodeCatalogFile(
      state(5, 'a'.repeat(64)),
      new Catalog(),
      serializeSearchIndex(buildSearchIndex([])),
    );
    expect(await readChecked(paths, header)).toBeNull();
    await writeChecked(paths, {
      at: '2026-01-02T00:00:00.000Z',
      epoch: 'e1',
      seq: 5,
      hash: 'a'.repeat(64),
      headEtag: '"new"',
    });
    const checked = await readChecked(paths, header);
    expect(lastSynced(header, checked)).toBe('2026-01-02T00:00:00.000Z');
    expect(headEtag(header, checked)).toBe('"new"');
    expect(lastSynced(header, null)).toBe(header.syncedAt);
    expect(headEtag(header, null)).toBe('"abc"');
    await writeChecked(paths, {
      at: '2026-01-02T00:00:00.000Z',
      epoch: 'e1',
      seq: 4,
      hash: 'a'.repeat(64),
      headEtag: null,
    });
    expect(await readChecked(paths, header)).toBeNull();
    await writeChecked(paths, { at: 'yesterday', epoch: 'e1', seq: 5, hash: 'a'.repeat(64), headEtag: null });
    expect(await readChecked(paths, header)).toBeNull();
    await writeFile(paths.checked, '{');
    expect(await readChecked(paths, header)).toBeNull();
  });

  it('starts from the snapshot when the feed lines it spares weigh more than it', () => {
    const head = {
      format: 1 as const,
      epoch: 'e1',
      seq: 5500,
      segment: 5,
      offset: 500 * 700,
      hash: 'a'.repeat(64),
      snapshot: {
        seq: 5000,
        hash: 'b'.repeat(64),
        path: 'snapshots/e1/5000-0123456789abcdef.ndjson.gz',
        sha256: 'c'.repeat(64),
        size: 1_000_000,
        segment: 4,
        offset: 700_000,
      },
      time: '2026-01-01T00:00:00Z',
      expires: null,
    };
    expect(farBehind(GENESIS, head)).toBe(true); // 5,000 lines of ~700 bytes > 1 MB
    expect(farBehind({ ...GENESIS, seq: 4000 }, head)).toBe(false); // 1,000 lines < 1 MB
    expect(farBehind({ ...GENESIS, seq: 5000 }, head)).toBe(false);
    expect(farBehind(GENESIS, { ...head, snapshot: null })).toBe(false);
  });
});
