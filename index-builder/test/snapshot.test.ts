import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSnapshot } from '@skills/schema/reader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFeed, buildSnapshot, commitSnapshot, initIndex, writeSnapshot } from '../src/index.js';
import { CONFIG, FeedFixture, TIME } from './feed-fixture.js';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skills-snap-'));
  dir = path.join(root, 'index');
  await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('snapshots', () => {
  it('writes a snapshot whose catalog round-trips and records it in head.json', async () => {
    const feed = new FeedFixture();
    feed.add(
      { op: 'publish', name: 'a', version: '1.0.0' },
      { op: 'publish', name: 'bc', version: '1.0.0' },
      { op: 'publish', name: 'bc', version: '1.1.0' },
      { op: 'yank', name: 'bc', version: '1.1.0' },
      { op: 'publish', name: 'dd', version: '1.0.0' },
      { op: 'purge', name: 'dd', version: '1.0.0' },
    );
    const { head } = await appendFeed(dir, { lines: feed.lines, time: TIME });
    const result = await writeSnapshot(dir, { time: TIME });
    const snapshot = result!.head.snapshot!;
    expect(snapshot).toMatchObject({ seq: 6, hash: head.hash, segment: 0, offset: head.offset });
    expect(snapshot.path).toMatch(/^snapshots\/e1\/6-[0-9a-f]{16}\.ndjson\.gz$/);
    const bytes = await readFile(path.join(dir, snapshot.path));
    const catalog = readSnapshot(bytes, snapshot);
    expect(catalog.names()).toEqual(['a', 'bc', 'dd']);
    expect(catalog.get('bc')).toMatchObject({ seq: 4, latest: { version: '1.0.0' } });
    expect(catalog.get('dd')).toMatchObject({ seq: 6, file: null, latest: null });
    // Nothing new: no second snapshot.
    expect(await writeSnapshot(dir)).toBeNull();
  });

  it('builds on the previous snapshot and keeps only the newest two', async () => {
    const feed = new FeedFixture();
    const paths: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      await appendFeed(dir, { lines: feed.publishMany(700, `r${round}`), time: TIME });
      paths.push((await writeSnapshot(dir, { time: TIME }))!.head.snapshot!.path);
    }
    expect(await readdir(path.join(dir, 'snapshots/e1'))).toEqual(
      paths
        .slice(2)
        .map((p) => path.basename(p))
        .sort(),
    );
    const latest = (await buildSnapshot(dir)) ?? null;
    expect(latest).toBeNull();
    const last = paths[3]!;
    const head = JSON.parse(await readFile(path.join(dir, 'feed/head.json'), 'utf8')) as {
      snapshot: { seq: number };
    };
    expect(head.snapshot.seq).toBe(2800);
    const catalog = readSnapshot(await readFile(path.join(dir, last)), {
      ...(head.snapshot as unknown as { sha256: string; size: number }),
    });
    expect(catalog.size).toBe(2800);
  });

  it('refuses to record a snapshot older than the one head.json has', async () => {
    const feed = new FeedFixture();
    await appendFeed(dir, { lines: feed.publishMany(3), time: TIME });
    const old = (await buildSnapshot(dir))!;
    await appendFeed(dir, { lines: feed.publishMany(2, 'later'), time: TIME });
    await writeSnapshot(dir, { time: TIME });
    await expect(commitSnapshot(dir, old)).rejects.toMatchObject({ code: 'INDEX_WRITE_CONFLICT' });
  });

  it('has nothing to snapshot in an empty index', async () => {
    expect(await buildSnapshot(dir)).toBeNull();
  });
});
