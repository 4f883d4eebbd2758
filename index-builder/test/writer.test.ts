import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexPath, parseFeedHead, renderShardFile, type SkillsError } from '@skills/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFeed, initIndex, openIndex } from '../src/index.js';
import { CONFIG, FeedFixture, TIME } from './feed-fixture.js';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skills-index-'));
  dir = path.join(root, 'index');
  await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The served files are exactly the committed ones (the writer never maintains git's staging index). */
async function expectWorkTreeIsHead(): Promise<void> {
  const committed = git('ls-tree', '-r', '--name-only', 'main').trim().split('\n');
  for (const file of committed) {
    const blob = execFileSync('git', ['-C', dir, 'cat-file', 'blob', `main:${file}`]);
    expect(await readFile(path.join(dir, file)), file).toEqual(blob);
  }
  const onDisk = execFileSync('find', [dir, '-type', 'f', '-not', '-path', '*/.git/*'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((file) => path.relative(dir, file))
    .sort();
  expect(onDisk).toEqual([...committed].sort());
}

describe('initIndex', () => {
  it('creates an index with the template, config.json and an empty head in one commit', async () => {
    expect(git('ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual([
      '.gitattributes',
      'README.md',
      'config.json',
      'feed/head.json',
    ]);
    expect(await readFile(path.join(dir, '.gitattributes'), 'utf8')).toBe('* -text\n');
    const head = parseFeedHead(await readFile(path.join(dir, 'feed/head.json')));
    expect(head).toMatchObject({
      epoch: 'e1',
      seq: 0,
      offset: 0,
      snapshot: null,
      time: '2026-01-02T03:04:05Z',
    });
    expect(git('log', '--format=%an <%ae>').trim()).toBe('skills registry <registry@skills.invalid>');
  });

  it('refuses a folder that is not empty and writes nothing', async () => {
    await expect(initIndex(dir, { config: CONFIG })).rejects.toMatchObject({ code: 'INDEX_WRITE_CONFLICT' });
    expect(git('rev-list', '--count', 'main').trim()).toBe('1');
  });

  it('gives each new index a fresh epoch', async () => {
    const a = await initIndex(path.join(root, 'a'), { config: CONFIG });
    const b = await initIndex(path.join(root, 'b'), { config: CONFIG });
    expect(a.epoch).toMatch(/^\d{4}-\d{2}-\d{2}-[0-9a-f]{10}$/);
    expect(a.epoch).not.toBe(b.epoch);
  });
});

describe('appendFeed', () => {
  it('renders shard files, appends the segment and writes head.json in one commit', async () => {
    const feed = new FeedFixture();
    const lines = feed.add(
      { op: 'publish', name: 'a', version: '1.0.0' },
      { op: 'publish', name: 'abcd', version: '1.0.0' },
      { op: 'publish', name: 'abcd', version: '1.1.0' },
      { op: 'yank', name: 'abcd', version: '1.1.0', reason: 'broken' },
    );
    const result = await appendFeed(dir, { lines, time: TIME });
    expect(result.changed).toEqual(['1/a', 'ab/cd/abcd', 'feed/e1/00000000.ndjson', 'feed/head.json']);
    expect(git('rev-list', '--count', 'main').trim()).toBe('2');
    expect(git('log', '-1', '--format=%B').trim()).toBe(
      'Feed 1-4\n\n1 publish a@1.0.0\n2 publish abcd@1.0.0\n3 publish abcd@1.1.0\n4 yank abcd@1.1.0',
    );

    const segment = await readFile(path.join(dir, 'feed/e1/00000000.ndjson'));
    expect(segment).toEqual(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const head = parseFeedHead(await readFile(path.join(dir, 'feed/head.json')));
    expect(head).toMatchObject({ seq: 4, segment: 0, offset: segment.length, hash: feed.hash });
    const shard = await readFile(path.join(dir, indexPath('abcd')));
    expect(shard).toEqual(renderShardFile(feed.shards.get('abcd')!));
    // The work tree is the committed tree.
    await expectWorkTreeIsHead();
    expect(() => git('fsck', '--strict', '--no-dangling')).not.toThrow();
  });

  it('continues across batches and starts a new segment after 1,000 lines', async () => {
    const feed = new FeedFixture();
    await appendFeed(dir, { lines: feed.publishMany(999), time: TIME });
    const lines = feed.publishMany(2, 'more');
    const result = await appendFeed(dir, { lines, time: TIME });
    expect(result.head).toMatchObject({ seq: 1001, segment: 1, offset: lines[1]!.length + 1 });
    const first = await readFile(path.join(dir, 'feed/e1/00000000.ndjson'));
    expect(first.toString().split('\n')).toHaveLength(1001);
    expect(await readFile(path.join(dir, 'feed/e1/00000001.ndjson'))).toEqual(
      Buffer.concat([lines[1]!, Buffer.from('\n')]),
    );
  });

  it('puts the head at the end of a full segment at exactly 1,000 lines', async () => {
    const feed = new FeedFixture();
    const { head } = await appendFeed(dir, { lines: feed.publishMany(1000), time: TIME });
    const segment = await readFile(path.join(dir, 'feed/e1/00000000.ndjson'));
    expect(head).toMatchObject({ seq: 1000, segment: 0, offset: segment.length });
  });

  it('deletes the shard file when a purge removes the last version', async () => {
    const feed = new FeedFixture();
    await appendFeed(dir, { lines: feed.add({ op: 'publish', name: 'abc', version: '1.0.0' }), time: TIME });
    await appendFeed(dir, { lines: feed.add({ op: 'purge', name: 'abc', version: '1.0.0' }), time: TIME });
    expect(git('ls-tree', '-r', '--name-only', 'main')).not.toContain('3/a/abc');
    await expect(readFile(path.join(dir, '3/a/abc'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('signs head.json through the callback and writes keys', async () => {
    const feed = new FeedFixture();
    const fpr = 'A'.repeat(40);
    let signed: Buffer | undefined;
    await appendFeed(dir, {
      lines: feed.add({ op: 'publish', name: 'ab', version: '1.0.0' }),
      keys: { [fpr]: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n' },
      sign: async (bytes) => {
        signed = bytes;
        return `signature of ${sha256(bytes)}`;
      },
      time: TIME,
    });
    expect(signed).toEqual(await readFile(path.join(dir, 'feed/head.json')));
    expect(await readFile(path.join(dir, 'feed/head.json.asc'), 'utf8')).toBe(
      `signature of ${sha256(signed!)}`,
    );
    expect(await readFile(path.join(dir, `keys/${fpr}.asc`), 'utf8')).toContain('PUBLIC KEY');
    // Writing the same key again changes nothing.
    const again = await appendFeed(dir, {
      lines: [],
      keys: { [fpr]: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n' },
    });
    expect(again.changed).toEqual([]);
  });

  it('refuses lines that do not continue the head and writes nothing', async () => {
    const feed = new FeedFixture();
    const lines = feed.publishMany(3);
    const before = git('rev-parse', 'main');
    await expect(appendFeed(dir, { lines: lines.slice(1), time: TIME })).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
      message: expect.stringMatching(/feed line 2 does not follow/),
    } satisfies Partial<SkillsError>);
    expect(git('rev-parse', 'main')).toBe(before);
    await expectWorkTreeIsHead();
  });

  it('refuses a line whose file digest disagrees with the rendered shard', async () => {
    const feed = new FeedFixture();
    await appendFeed(dir, { lines: feed.add({ op: 'publish', name: 'ab', version: '1.0.0' }), time: TIME });
    // A feed built on a different history of "ab": its digest cannot match this index.
    const other = new FeedFixture();
    other.add({ op: 'publish', name: 'zz', version: '1.0.0' });
    other.hash = feed.hash;
    const [stray] = other.add({ op: 'publish', name: 'ab', version: '2.0.0' });
    const forged = Buffer.from(stray!.toString().replace('"seq":2', '"seq":2'));
    await expect(appendFeed(dir, { lines: [forged], time: TIME })).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
    });
  });

  it('refuses to build on a committed shard file that is not what the feed rendered, if only in form', async () => {
    const feed = new FeedFixture();
    await appendFeed(dir, { lines: feed.add({ op: 'publish', name: 'ab', version: '1.0.0' }), time: TIME });
    // The same line with a space in it: still valid JSON, but not the bytes the feed hashed.
    const file = path.join(dir, indexPath('ab'));
    await writeFile(file, (await readFile(file, 'utf8')).replace('{"v":1,', '{"v": 1,'));
    git('read-tree', 'main'); // the writer keeps no staging index: start one from the commit
    git('add', indexPath('ab'));
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'tamper');
    const before = git('rev-parse', 'main');
    const next = feed.add({ op: 'publish', name: 'ab', version: '2.0.0' });
    await expect(appendFeed(dir, { lines: next, time: TIME })).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
      message: expect.stringMatching(/says ab's shard file is [0-9a-f]{64} but it renders to/),
    });
    expect(git('rev-parse', 'main')).toBe(before);
  });

  it('ends identical after an interrupted batch is retried', async () => {
    const feed = new FeedFixture();
    const lines = feed.publishMany(5);
    // An earlier attempt wrote some files and died before its commit.
    await writeFile(path.join(dir, 'feed/head.json'), 'half-written');
    const result = await appendFeed(dir, { lines, time: TIME });
    const clean = path.join(root, 'clean');
    await initIndex(clean, { config: CONFIG, epoch: 'e1', time: TIME });
    const reference = await appendFeed(clean, { lines, time: TIME });
    expect(result.commit).toBe(reference.commit);
    await expectWorkTreeIsHead();
    expect((await openIndex(dir)).head.seq).toBe(5);
  });
});
