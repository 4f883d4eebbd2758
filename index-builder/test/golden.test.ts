import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFeed, initIndex, writeSnapshot } from '../src/index.js';
import { CONFIG, FeedFixture, TIME } from './feed-fixture.js';

/**
 * Golden files for every file kind of an index: config.json, the template files, shard files of
 * each path shape, a segment, head.json with a snapshot, the snapshot, a key. Regenerate with
 * UPDATE_GOLDEN=1 only when the format is meant to change, and read the diff.
 */
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const KEY = 'B'.repeat(40);

let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skills-golden-'));
  dir = path.join(root, 'index');
  await initIndex(dir, { config: CONFIG, epoch: 'golden', time: TIME });
  const feed = new FeedFixture();
  feed.add(
    { op: 'publish', name: 'a', version: '1.0.0' },
    { op: 'publish', name: 'ab', version: '0.1.0' },
    { op: 'publish', name: 'abc', version: '2.0.0-rc.1' },
    { op: 'publish', name: 'code-review', version: '1.0.0' },
    { op: 'publish', name: 'code-review', version: '1.1.0' },
  );
  await appendFeed(dir, { lines: feed.lines, keys: { [KEY]: 'not a real key, only bytes\n' }, time: TIME });
  await writeSnapshot(dir, { time: TIME });
  feed.add(
    { op: 'yank', name: 'code-review', version: '1.1.0', reason: 'leaks a token — sorry' },
    { op: 'purge', name: 'ab', version: '0.1.0' },
  );
  await appendFeed(dir, { lines: feed.lines.slice(5), time: TIME });
  if (process.env.UPDATE_GOLDEN === '1') {
    await rm(GOLDEN, { recursive: true, force: true });
    await cp(dir, GOLDEN, { recursive: true, filter: (source) => !source.split(path.sep).includes('.git') });
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(at: string): Promise<string[]> {
  const entries = await readdir(at, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !path.relative(at, entry.parentPath).startsWith('.git'))
    .map((entry) => path.relative(at, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('golden index files', () => {
  it('writes exactly the golden set of files', async () => {
    expect(await files(dir)).toEqual(await files(GOLDEN));
  });

  it.each([
    'config.json',
    '.gitattributes',
    'README.md',
    '1/a',
    '3/a/abc',
    'co/de/code-review',
    'feed/golden/00000000.ndjson',
    'feed/head.json',
    `keys/${KEY}.asc`,
  ])('writes %s byte for byte', async (file) => {
    expect(await readFile(path.join(dir, file))).toEqual(await readFile(path.join(GOLDEN, file)));
  });

  it('writes the snapshot byte for byte', async () => {
    const [snapshot] = (await files(GOLDEN)).filter((file) => file.startsWith('snapshots/'));
    expect(snapshot).toMatch(/^snapshots\/golden\/5-[0-9a-f]{16}\.ndjson\.gz$/);
    expect(await readFile(path.join(dir, snapshot!))).toEqual(await readFile(path.join(GOLDEN, snapshot!)));
  });
});
