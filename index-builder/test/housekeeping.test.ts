import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendFeed,
  ARCHIVE_REF_PREFIX,
  gcAuto,
  hasSystemGit,
  initIndex,
  squashHistory,
} from '../src/index.js';
import { CONFIG, FeedFixture, TIME } from './feed-fixture.js';

const systemGit = await hasSystemGit();
if (!systemGit) console.warn('system git is not installed: the git housekeeping tests are skipped');

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skills-house-'));
  dir = path.join(root, 'index');
  await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

describe.skipIf(!systemGit)('git housekeeping', () => {
  it('squashes history into one parentless commit with the same tree and archives the old tip', async () => {
    const feed = new FeedFixture();
    for (let i = 0; i < 3; i += 1) await appendFeed(dir, { lines: feed.publishMany(1, `s${i}`), time: TIME });
    const tip = git('rev-parse', 'main');
    const { commit, archived } = await squashHistory(dir, TIME);
    expect(archived.startsWith(ARCHIVE_REF_PREFIX)).toBe(true);
    expect(git('rev-parse', 'main')).toBe(commit);
    expect(git('rev-list', '--count', 'main')).toBe('1');
    expect(git('rev-parse', 'main^{tree}')).toBe(git('rev-parse', `${tip}^{tree}`));
    expect(git('rev-parse', archived)).toBe(tip);
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('refs/heads/main');
    // Writing goes on from the squashed commit.
    await appendFeed(dir, { lines: feed.publishMany(1, 'after'), time: TIME });
    expect(git('rev-list', '--count', 'main')).toBe('2');
    expect(() => git('fsck', '--strict', '--no-dangling')).not.toThrow();
  });

  it('packs loose objects with git gc --auto once git thinks there are enough', async () => {
    git('config', 'gc.auto', '1');
    await appendFeed(dir, { lines: new FeedFixture().publishMany(1500), time: TIME });
    expect(git('count-objects')).toMatch(/^1[5-9]\d\d objects/);
    // git estimates the loose-object count from the objects/17 folder alone: with gc.auto=1 it packs
    // when that folder holds two or more (for 1,500 objects, about 98 % of the time).
    const sampled = (await readdir(path.join(dir, '.git/objects/17')).catch(() => [])).length;
    expect(await gcAuto(dir)).toEqual({ ran: true });
    const packs = (await readdir(path.join(dir, '.git/objects/pack'))).filter((f) => f.endsWith('.pack'));
    expect(packs.length).toBe(sampled >= 2 ? 1 : 0);
    expect(() => git('fsck', '--strict', '--no-dangling')).not.toThrow();
  });

  it('refuses to squash a folder without history', async () => {
    await expect(squashHistory(path.join(root, 'none'))).rejects.toMatchObject({
      code: 'INDEX_WRITE_CONFLICT',
    });
  });
});
