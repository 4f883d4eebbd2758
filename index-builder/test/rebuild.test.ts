import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendFeed,
  hasSystemGit,
  initIndex,
  isProjectionPath,
  openIndex,
  rebuild,
  writeSnapshot,
} from '../src/index.js';
import { CONFIG, FeedFixture, TIME } from './feed-fixture.js';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skills-rebuild-'));
  dir = path.join(root, 'index');
  await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

/** Every file of the work tree except .git, with its bytes. */
async function workTree(at = dir): Promise<Map<string, string>> {
  const files = execFileSync('find', [at, '-type', 'f', '-not', '-path', '*/.git/*'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .sort();
  const out = new Map<string, string>();
  for (const file of files) out.set(path.relative(at, file), (await readFile(file)).toString('base64'));
  return out;
}

function history(feed: FeedFixture): void {
  feed.add(
    { op: 'publish', name: 'a', version: '1.0.0' },
    { op: 'publish', name: 'bc', version: '1.0.0' },
    { op: 'publish', name: 'bc', version: '2.0.0-beta.1' },
    { op: 'publish', name: 'def', version: '0.1.0' },
    { op: 'yank', name: 'bc', version: '1.0.0', reason: 'bad' },
    { op: 'publish', name: 'longer-name', version: '3.0.0' },
    { op: 'unyank', name: 'bc', version: '1.0.0' },
    { op: 'purge', name: 'def', version: '0.1.0' },
  );
}

describe('rendering is a pure function of the feed', () => {
  it('skips lines the index already has, so rendering them again changes nothing', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines.slice(0, 5), time: TIME });
    const tip = git('rev-parse', 'main');
    const again = await appendFeed(dir, { lines: feed.lines.slice(0, 5), time: TIME });
    expect(again).toMatchObject({ commit: tip, changed: [] });
    // A replay that overlaps the head renders only what is new.
    const overlap = await appendFeed(dir, { lines: feed.lines, time: TIME });
    expect(overlap.head.seq).toBe(8);
    expect(git('rev-list', '--count', 'main')).toBe('3');
  });

  it('refuses a replayed line that differs from the committed one', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines, time: TIME });
    const other = new FeedFixture();
    other.add({ op: 'publish', name: 'zz', version: '1.0.0' });
    await expect(appendFeed(dir, { lines: other.lines })).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
      message: expect.stringMatching(/feed line 1 differs/),
    });
  });

  it('gives byte-identical files whether rendered in batches or rebuilt from scratch', async () => {
    const feed = new FeedFixture();
    history(feed);
    for (const line of feed.lines) await appendFeed(dir, { lines: [line], time: TIME });
    const batched = await workTree();

    const other = path.join(root, 'other');
    await initIndex(other, { config: CONFIG, epoch: 'e1', time: TIME });
    const rebuilt = await rebuild(other, feed.lines, { time: TIME });
    expect(rebuilt.head.seq).toBe(8);
    expect(await workTree(other)).toEqual(batched);
  });

  it('changes nothing when rebuilding a sound index, and repairs a damaged work tree', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines, time: TIME });
    const sound = await workTree();
    const tip = git('rev-parse', 'main');

    await writeFile(path.join(dir, '2/bc'), 'damaged\n');
    await rm(path.join(dir, 'lo/ng/longer-name'));
    await mkdir(path.join(dir, 'zz/zz'), { recursive: true });
    await writeFile(path.join(dir, 'zz/zz/zzzz'), 'stray\n');
    await writeFile(path.join(dir, 'feed/head.json'), '{}');

    const result = await rebuild(dir, feed.lines, { time: TIME });
    expect(result).toMatchObject({ commit: tip, changed: [] });
    expect(git('rev-parse', 'main')).toBe(tip);
    expect(await workTree()).toEqual(sound);
  });

  it('commits what differs when the committed projection is wrong', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines.slice(0, 4), time: TIME });
    // A rebuild from the whole feed brings the index to the feed's end in one commit.
    const result = await rebuild(dir, feed.lines, { time: TIME });
    expect(result.head.seq).toBe(8);
    expect(result.changed).toContain('3/d/def');
    expect((await openIndex(dir)).head.seq).toBe(8);
  });

  it('refuses to roll the published index back to a shorter feed', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines, time: TIME });
    const tip = git('rev-parse', 'main');
    await expect(rebuild(dir, feed.lines.slice(0, 6))).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
    });
    expect(git('rev-parse', 'main')).toBe(tip);
  });

  it('keeps a snapshot that lies on the rebuilt feed', async () => {
    const feed = new FeedFixture();
    history(feed);
    await appendFeed(dir, { lines: feed.lines, time: TIME });
    const snap = await writeSnapshot(dir, { time: TIME });
    const result = await rebuild(dir, feed.lines, { time: TIME });
    expect(result.head.snapshot).toEqual(snap?.head.snapshot);
  });

  it('knows which paths the feed renders', () => {
    for (const file of [
      '1/a',
      '2/bc',
      '3/d/def',
      'lo/ng/longer-name',
      'a-/b-/a-b-c',
      'feed/e1/00000000.ndjson',
    ]) {
      expect(isProjectionPath(file, 'e1'), file).toBe(true);
    }
    for (const file of [
      'config.json',
      'README.md',
      'feed/head.json',
      'keys/X.asc',
      'snapshots/e1/x',
      'feed/e0/00000000.ndjson',
    ]) {
      expect(isProjectionPath(file, 'e1'), file).toBe(false);
    }
  });
});

describe.skipIf(!(await hasSystemGit()))('git clients', () => {
  it('clone the same tree the writer wrote', async () => {
    const feed = new FeedFixture();
    feed.add(
      { op: 'publish', name: 'a', version: '1.0.0' },
      { op: 'publish', name: 'code-review', version: '1.0.0' },
      { op: 'publish', name: 'xyz', version: '2.0.0' },
    );
    await appendFeed(dir, { lines: feed.lines, time: TIME });
    const clone = path.join(root, 'clone');
    execFileSync('git', ['clone', '--quiet', '--depth', '1', '--branch', 'main', `file://${dir}`, clone]);
    expect(await workTree(clone)).toEqual(await workTree());
  });
});
