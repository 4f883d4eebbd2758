import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import git from 'isomorphic-git';
import { createMessage, generateKey, sign, type PrivateKey, type PublicKey } from 'openpgp';
import {
  buildFeedLine,
  chainHash,
  GENESIS_HASH,
  indexPath,
  parseFeedHead,
  parseFeedLine,
  renderShardFile,
  serializeFeedHead,
  serializeFeedLine,
  type FeedHead,
  type FeedLine,
} from '@skills/schema';
import { Catalog } from '@skills/schema/reader';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeTreeChanges } from '../src/git-tree.js';
import type * as Housekeeping from '../src/housekeeping.js';
import {
  appendFeed,
  hasSystemGit,
  initIndex,
  rebuild,
  verify,
  writeSnapshot,
  type VerifyProblem,
  type VerifyReport,
} from '../src/index.js';
import { commitTree, headCommit, indexRepo, treeOf } from '../src/repo.js';
import { writeWorkTree } from '../src/work-tree.js';
import { CONFIG, FeedFixture, indexLine, TIME, type Change } from './feed-fixture.js';

// Lets one test play a machine without system git; the others use the real one when present.
const systemGit = vi.hoisted(() => ({ off: false }));
vi.mock('../src/housekeeping.js', async (importOriginal) => {
  const real = await importOriginal<typeof Housekeeping>();
  return { ...real, hasSystemGit: async () => !systemGit.off && (await real.hasSystemGit()) };
});

const SEGMENT = 'feed/e1/00000000.ndjson';
const HEAD = 'feed/head.json';

/** Three skills through every op: a yank and a purge of the latest version, a purge of the last. */
const HISTORY: Change[] = [
  { op: 'publish', name: 'code-review', version: '1.0.0' }, // 1
  { op: 'publish', name: 'code-review', version: '1.1.0' }, // 2
  { op: 'publish', name: 'git', version: '1.0.0' }, // 3
  { op: 'publish', name: 'ab', version: '0.1.0' }, // 4
  { op: 'yank', name: 'code-review', version: '1.1.0', reason: 'broken' }, // 5: latest → 1.0.0
  { op: 'publish', name: 'git', version: '2.0.0-beta.1' }, // 6: a pre-release is not latest
  { op: 'unyank', name: 'code-review', version: '1.1.0' }, // 7: latest → 1.1.0
  { op: 'publish', name: 'git', version: '1.1.0' }, // 8: latest → 1.1.0
  { op: 'purge', name: 'git', version: '1.1.0' }, // 9: latest → 1.0.0
  { op: 'purge', name: 'ab', version: '0.1.0' }, // 10: no version left, no shard file
];

let root: string;
let dir: string;
let feed: FeedFixture;

beforeEach(async () => {
  systemGit.off = false;
  root = await mkdtemp(path.join(tmpdir(), 'skills-verify-'));
  dir = path.join(root, 'index');
  feed = new FeedFixture();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function buildIndex(config: Partial<typeof CONFIG> = {}, sign?: (bytes: Buffer) => Promise<string>) {
  await initIndex(dir, { config: { ...CONFIG, ...config }, epoch: 'e1', time: TIME });
  const lines = feed.add(...HISTORY);
  await appendFeed(dir, { lines: lines.slice(0, 6), time: TIME, sign });
  await appendFeed(dir, { lines: lines.slice(6), time: TIME, sign });
}

/** Writes files (null deletes) into the work tree and, unless `workTreeOnly`, one commit on main. */
async function change(files: Record<string, Buffer | string | null>, workTreeOnly = false): Promise<void> {
  const changes = new Map(
    Object.entries(files).map(([file, bytes]) => [
      file,
      typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
    ]),
  );
  if (!workTreeOnly) {
    const repo = indexRepo(dir);
    const parent = (await headCommit(repo))!;
    const tree = await writeTreeChanges(repo, await treeOf(repo, parent), changes);
    await commitTree(repo, tree, parent, 'tamper\n', TIME);
  }
  writeWorkTree(dir, changes);
}

const read = (file: string): Promise<Buffer> => readFile(path.join(dir, file));

/** Flips the lowest bit of the byte at `at`: one byte changes, the JSON stays valid. */
function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 1;
  return copy;
}

/** The byte offset of `needle` inside line `seq` of a segment. */
function inLine(segment: Buffer, seq: number, needle: string): number {
  let start = 0;
  for (let i = 1; i < seq; i++) start = segment.indexOf(0x0a, start) + 1;
  const at = segment.indexOf(needle, start);
  expect(at).toBeLessThan(segment.indexOf(0x0a, start));
  return at;
}

function codes(report: VerifyReport): string[] {
  return report.problems.map((p) => p.code);
}

function expectOk(report: VerifyReport): void {
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('verify: a healthy index', () => {
  it('passes a 3-skill index with publish, yank, unyank and purge', async () => {
    await buildIndex();
    const report = await verify(dir);
    expectOk(report);
    expect(report).toMatchObject({ seq: 10, epoch: 'e1', unrendered: 0 });
    expect(report.skipped).toContain(
      'head signature: no publicKey given and config.json names no signing_key',
    );
    if (!(await hasSystemGit())) console.log('no system git: verify skipped git fsck');
    // The purged skill has no shard file; the others do.
    await expect(read(indexPath('ab'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('passes a fresh index with an empty feed', async () => {
    await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
    const report = await verify(dir);
    expectOk(report);
    expect(report.seq).toBe(0);
  });

  it('updates latest on a yank and a purge of the latest version, and on a purge of the last', async () => {
    await buildIndex();
    const latest = (seq: number) => {
      const parsed = parseFeedLine(feed.lines[seq - 1]!);
      if (!parsed.known) throw new Error('known op expected');
      return parsed.line.latest?.version ?? null;
    };
    expect([5, 6, 7, 8, 9, 10].map(latest)).toEqual(['1.0.0', '1.0.0', '1.1.0', '1.1.0', '1.0.0', null]);
    expectOk(await verify(dir));
  });

  it('chain-checks and skips a feed line of an unknown op', async () => {
    await buildIndex();
    const line = Buffer.from(`{"seq":11,"op":"rename","prev":"${feed.hash}","to":"other"}`);
    await appendFeed(dir, { lines: [line], time: TIME });
    const report = await verify(dir);
    expectOk(report);
    expect(report.seq).toBe(11);
  });

  it('passes with git: false without looking at git, and says so', async () => {
    await buildIndex();
    await rm(path.join(dir, '.git'), { recursive: true });
    const report = await verify(dir, { git: false });
    expectOk(report);
    expect(report.skipped).toContain('git: not asked for');
  });

  it('throws IO only for a folder that is not there', async () => {
    await expect(verify(path.join(root, 'nowhere'))).rejects.toMatchObject({ code: 'IO' });
    await writeFile(path.join(root, 'file'), 'x');
    await expect(verify(path.join(root, 'file'))).rejects.toMatchObject({ code: 'IO' });
    // An empty folder is bad data, not an error.
    await mkdir(path.join(root, 'empty'));
    const report = await verify(path.join(root, 'empty'));
    expect(report.ok).toBe(false);
    expect(report).toMatchObject({ seq: 0, epoch: '' });
    expect(codes(report)).toEqual(
      expect.arrayContaining(['INDEX_CONFIG_INVALID', 'FEED_HEAD_INVALID', 'INDEX_TREE_INVALID']),
    );
  });
});

describe('verify: the feed', () => {
  it('names the first bad seq when one byte of a past feed line is altered and committed', async () => {
    await buildIndex();
    const segment = await read(SEGMENT);
    await change({ [SEGMENT]: flipByte(segment, inLine(segment, 2, '"description":"The') + 16) });
    const report = await verify(dir, { feedLines: feed.lines });
    const chain = report.problems.filter((p) => p.code === 'FEED_CHAIN_BROKEN');
    expect(chain[0]).toMatchObject({
      path: SEGMENT,
      seq: 2,
      message: expect.stringMatching(/line 2 was altered/),
    });
    // The altered line no longer renders the shard file its `file` names.
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'INDEX_LINE_INVALID', seq: 2 }));
    // The feed table says the same, byte for byte.
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'INDEX_WRITE_CONFLICT', path: SEGMENT, seq: 2 }),
    );
    // Committed: this is not merely a work tree that differs from git.
    expect(codes(report)).not.toContain('INDEX_TREE_INVALID');
  });

  it('names a line whose prev was altered, not the line before it', async () => {
    await buildIndex();
    const segment = await read(SEGMENT);
    await change({ [SEGMENT]: flipByte(segment, inLine(segment, 4, '"prev":"') + 10) });
    const report = await verify(dir);
    expect(report.problems.find((p) => p.code === 'FEED_CHAIN_BROKEN')).toMatchObject({ seq: 4 });
  });

  it('names the last line when it was altered (head.json no longer matches)', async () => {
    await buildIndex();
    const segment = await read(SEGMENT);
    await change({ [SEGMENT]: flipByte(segment, inLine(segment, 10, '"name":"ab"') + 9) });
    const report = await verify(dir);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'FEED_CHAIN_BROKEN', path: SEGMENT, seq: 10 }),
    );
  });

  it('names a line that is no longer valid JSON', async () => {
    await buildIndex();
    const segment = await read(SEGMENT);
    const at = inLine(segment, 3, '{"seq":3');
    await change({
      [SEGMENT]: Buffer.concat([segment.subarray(0, at), Buffer.from('x'), segment.subarray(at + 1)]),
    });
    const report = await verify(dir);
    expect(report.problems.find((p) => p.code === 'FEED_CHAIN_BROKEN')).toMatchObject({
      seq: 3,
      path: SEGMENT,
    });
  });

  it('names the missing seq when a line is missing from a segment', async () => {
    await buildIndex();
    const lines = (await read(SEGMENT)).toString('latin1').split('\n');
    lines.splice(2, 1); // line 3
    await change({ [SEGMENT]: lines.join('\n') });
    const report = await verify(dir);
    expect(report.problems.find((p) => p.code === 'FEED_CHAIN_BROKEN')).toMatchObject({
      path: SEGMENT,
      seq: 3,
      message: expect.stringMatching(/line 3 is missing/),
    });
    // head.json's offset no longer is the segment's length.
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'FEED_HEAD_INVALID', path: HEAD }),
    );
  });

  it('reports a full segment without 1,000 lines, a missing segment and one beyond the head', async () => {
    await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
    await appendFeed(dir, { lines: feed.publishMany(1001), time: TIME });
    expectOk(await verify(dir));

    const full = await read(SEGMENT);
    const cut = full.subarray(0, full.lastIndexOf(0x0a, full.length - 2) + 1); // without line 1000
    await change({ [SEGMENT]: cut, 'feed/e1/00000002.ndjson': 'x\n' });
    const report = await verify(dir);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'FEED_CHAIN_BROKEN',
          path: SEGMENT,
          message: expect.stringMatching(/999 lines/),
        }),
        expect.objectContaining({ code: 'FEED_CHAIN_BROKEN', path: SEGMENT, seq: 1000 }),
        expect.objectContaining({ code: 'FEED_HEAD_INVALID', path: 'feed/e1/00000002.ndjson' }),
      ]),
    );

    await change({ [SEGMENT]: null });
    const missing = await verify(dir);
    expect(missing.problems.find((p) => p.code === 'FEED_CHAIN_BROKEN')).toMatchObject({
      path: SEGMENT,
      seq: 1,
      message: expect.stringMatching(/is missing: feed lines 1–1000/),
    });
  });

  it('reports a segment that ends in a fragment and a head that stops short of the feed', async () => {
    await buildIndex();
    const segment = await read(SEGMENT);
    const head = parseFeedHead(await read(HEAD));
    const [extra] = feed.add({ op: 'publish', name: 'zz', version: '1.0.0' });
    await change({ [SEGMENT]: Buffer.concat([segment, extra!, Buffer.from('\n{"seq"')]) });
    const report = await verify(dir);
    expect(report.seq).toBe(head.seq);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'FEED_CHAIN_BROKEN', path: SEGMENT, seq: 12 }),
        expect.objectContaining({ code: 'FEED_HEAD_INVALID', path: HEAD, seq: 11 }),
      ]),
    );
  });

  it('reports a head that says more lines than the feed holds', async () => {
    await buildIndex();
    const head = parseFeedHead(await read(HEAD));
    const [extra] = feed.add({ op: 'publish', name: 'zz', version: '1.0.0' });
    const offset = head.offset + extra!.length + 1;
    await change({ [HEAD]: serializeFeedHead({ ...head, seq: 11, hash: feed.hash, offset }) });
    const report = await verify(dir);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'FEED_CHAIN_BROKEN', path: SEGMENT, seq: 11 }),
    );
  });

  it('reports a feed line whose latest is wrong although it chains and renders', async () => {
    await buildIndex();
    const before = feed.shards.get('code-review')!;
    const built = buildFeedLine({
      seq: 11,
      op: 'publish',
      name: 'code-review',
      version: '2.0.0',
      before,
      after: [...before, indexLine('code-review', '2.0.0')],
      prev: feed.hash,
    });
    // 1.0.0 as latest, where 2.0.0 is: the line is valid and its `file` right, only `latest` lies.
    const wrong: FeedLine = { ...built.line, latest: before[0]! };
    await appendFeed(dir, { lines: [serializeFeedLine(wrong)], time: TIME });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_LINE_INVALID',
        path: SEGMENT,
        seq: 11,
        message: expect.stringMatching(
          /gives 1\.0\.0 as the latest of code-review, but replaying the feed gives 2\.0\.0/,
        ),
      }),
    ]);
  });

  it('reports a feed line whose entry is not in canonical form and one that does not apply', async () => {
    await initIndex(dir, { config: CONFIG, epoch: 'e1', time: TIME });
    const [first] = feed.add({ op: 'publish', name: 'abc', version: '1.0.0' });
    // The same line with a space after the first colon of `entry`: valid JSON, not canonical.
    const spaced = Buffer.from(
      first!.toString('latin1').replace('"entry":{"v":1', '"entry":{"v": 1'),
      'latin1',
    );
    // Publishing 1.0.0 again does not apply; its chain and digest are made to fit.
    const again = {
      ...(parseFeedLine(first!) as { line: FeedLine }).line,
      seq: 2,
      prev: chainHash(GENESIS_HASH, spaced),
    };
    const second = serializeFeedLine(again);
    const lines = [spaced, second];
    await mkdir(path.join(dir, 'feed/e1'), { recursive: true });
    const segment = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const head = parseFeedHead(await read(HEAD));
    const next = { ...head, seq: 2, offset: segment.length, hash: chainHash(again.prev, second) };
    await change({
      [SEGMENT]: segment,
      [HEAD]: serializeFeedHead(next),
      [indexPath('abc')]: shardOf('abc'),
    });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_LINE_INVALID',
        seq: 1,
        message: expect.stringMatching(/canonical/),
      }),
      // `latest` is omitted, so it is the same bytes as `entry`: also not canonical.
      expect.objectContaining({
        code: 'INDEX_LINE_INVALID',
        seq: 1,
        message: expect.stringMatching(/latest line of abc \(1\.0\.0\) in another form/),
      }),
      expect.objectContaining({
        code: 'INDEX_LINE_INVALID',
        seq: 2,
        message: expect.stringMatching(/does not apply/),
      }),
    ]);
  });
});

/** The shard file the fixture's history renders for a skill. */
function shardOf(name: string): Buffer {
  return renderShardFile(feed.shards.get(name)!);
}

describe('verify: the feed table', () => {
  it('reports the first seq where the index is not a prefix of the feed table', async () => {
    await buildIndex();
    expectOk(await verify(dir, { feedLines: feed.lines }));
    const forked = [...feed.lines];
    forked[6] = flipByte(forked[6]!, 30);
    const report = await verify(dir, { feedLines: forked });
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'INDEX_WRITE_CONFLICT', path: SEGMENT, seq: 7 }),
    ]);
  });

  it('counts lines past the head as not yet rendered, which is no problem', async () => {
    await buildIndex();
    const pending = feed.add({ op: 'publish', name: 'new', version: '1.0.0' });
    const report = await verify(dir, { feedLines: feed.lines });
    expectOk(report);
    expect(report.unrendered).toBe(pending.length);
  });

  it('reports an index ahead of the feed table', async () => {
    await buildIndex();
    const report = await verify(dir, { feedLines: feed.lines.slice(0, 8) });
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_WRITE_CONFLICT',
        seq: 9,
        message: expect.stringMatching(/ends at line 8/),
      }),
    ]);
  });
});

describe('verify: shard files', () => {
  it('passes again once the index is rebuilt from the feed table', async () => {
    await buildIndex();
    const file = indexPath('code-review');
    await change({ [file]: flipByte(await read(file), 40), [indexPath('zzzz')]: 'stray\n' });
    expect((await verify(dir)).ok).toBe(false);
    await rebuild(dir, feed.lines, { time: TIME });
    expectOk(await verify(dir, { feedLines: feed.lines }));
  });

  it('reports a shard file with one byte altered and committed', async () => {
    await buildIndex();
    const file = indexPath('code-review');
    const bytes = await read(file);
    await change({ [file]: flipByte(bytes, bytes.indexOf('"description"') + 16) });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_INCONSISTENT',
        path: file,
        message: expect.stringMatching(/feed line 7/),
      }),
    ]);
  });

  it('reports stray shard files: a name the feed never mentions, a purged skill, a misplaced file', async () => {
    await buildIndex();
    await change({
      [indexPath('zzzz')]: 'stray\n',
      [indexPath('ab')]: await read(indexPath('git')),
      'co/de/git': 'misplaced\n',
    });
    const report = await verify(dir);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'INDEX_INCONSISTENT',
          path: 'zz/zz/zzzz',
          message: expect.stringMatching(/no feed line/),
        }),
        expect.objectContaining({
          code: 'INDEX_INCONSISTENT',
          path: '2/ab',
          message: expect.stringMatching(/feed line 10/),
        }),
        expect.objectContaining({ code: 'INDEX_INCONSISTENT', path: 'co/de/git' }),
      ]),
    );
    expect(report.problems).toHaveLength(3);
  });

  it('reports a missing shard file', async () => {
    await buildIndex();
    await change({ [indexPath('git')]: null });
    expect((await verify(dir)).problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_INCONSISTENT',
        path: '3/g/git',
        message: expect.stringMatching(/missing/),
      }),
    ]);
  });
});

describe('verify: head.json and its signature', () => {
  let privateKey: PrivateKey;
  let publicKey: PublicKey;
  let fingerprint: string;
  const signer = async (bytes: Buffer): Promise<string> =>
    sign({
      message: await createMessage({ binary: new Uint8Array(bytes) }),
      signingKeys: privateKey,
      detached: true,
    });

  beforeEach(async () => {
    ({ privateKey, publicKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'reg' }],
      format: 'object',
    }));
    fingerprint = publicKey.getFingerprint().toUpperCase();
  });

  async function buildSigned(): Promise<void> {
    await initIndex(dir, { config: { ...CONFIG, signing_key: fingerprint }, epoch: 'e1', time: TIME });
    await appendFeed(dir, {
      lines: feed.add(...HISTORY),
      time: TIME,
      sign: signer,
      keys: { [fingerprint]: publicKey.armor() },
    });
  }

  it('passes a fresh index whose first head init signed', async () => {
    await initIndex(dir, {
      config: { ...CONFIG, signing_key: fingerprint },
      epoch: 'e1',
      time: TIME,
      sign: signer,
      keys: { [fingerprint]: publicKey.armor() },
    });
    expectOk(await verify(dir, { publicKey: publicKey.armor() }));
  });

  it('passes a head signed by the registry key, with the pinned key and with the index own key', async () => {
    await buildSigned();
    expectOk(await verify(dir, { publicKey: publicKey.armor() }));
    const report = await verify(dir);
    expectOk(report);
    expect(report.skipped.join()).not.toMatch(/signature/);
  });

  it('reports head.json with one byte altered and committed: the signature fails', async () => {
    await buildSigned();
    const head = await read(HEAD);
    await change({ [HEAD]: flipByte(head, head.indexOf('"time":"') + 26) });
    expect(parseFeedHead(await read(HEAD)).time).toBe('2026-01-02T03:04:04Z');
    const report = await verify(dir, { publicKey: publicKey.armor() });
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'HEAD_SIGNATURE_INVALID', path: 'feed/head.json.asc' }),
    ]);
  });

  it('reports a missing signature, a signature by another key and a key that is not config.json signing_key', async () => {
    await buildSigned();
    const other = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'x' }],
      format: 'object',
    });
    const otherReport = await verify(dir, { publicKey: other.publicKey.armor() });
    expect(otherReport.problems).toEqual([
      expect.objectContaining({ code: 'HEAD_SIGNATURE_INVALID', path: 'config.json' }),
      expect.objectContaining({ code: 'HEAD_SIGNATURE_INVALID', path: 'feed/head.json.asc' }),
    ]);
    expect((await verify(dir, { publicKey: 'not a key' })).problems).toEqual([
      expect.objectContaining({ code: 'HEAD_SIGNATURE_INVALID', path: 'the given public key' }),
    ]);

    await change({ 'feed/head.json.asc': null });
    expect((await verify(dir, { publicKey: publicKey.armor() })).problems).toEqual([
      expect.objectContaining({
        code: 'HEAD_SIGNATURE_INVALID',
        path: 'feed/head.json.asc',
        message: expect.stringMatching(/missing/),
      }),
    ]);
  });

  it('checks keys/: names, fingerprints, private keys, and the signing key file', async () => {
    await buildSigned();
    const other = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'x' }],
      format: 'object',
    });
    const otherFpr = other.publicKey.getFingerprint().toUpperCase();
    await change({
      [`keys/${fingerprint}.asc`]: null,
      [`keys/${'A'.repeat(40)}.asc`]: other.publicKey.armor(),
      [`keys/${otherFpr}.asc`]: other.privateKey.armor(),
      'keys/lower.asc': 'x',
      [`keys/${'B'.repeat(40)}.asc`]: 'not a key\r\n',
    });
    const report = await verify(dir);
    const keyProblems = report.problems.filter((p) => p.code === 'INDEX_KEY_INVALID');
    expect(keyProblems.map((p) => p.path).sort()).toEqual(
      [
        `keys/${'A'.repeat(40)}.asc`,
        `keys/${'B'.repeat(40)}.asc`,
        `keys/${'B'.repeat(40)}.asc`,
        `keys/${fingerprint}.asc`,
        `keys/${otherFpr}.asc`,
        'keys/lower.asc',
      ].sort(),
    );
    expect(keyProblems.find((p) => p.path === `keys/${otherFpr}.asc`)!.message).toMatch(/PRIVATE/);
  });

  it('reports an unreadable config.json or head.json, an epoch mismatch and an expired head', async () => {
    await buildIndex();
    const config = await read('config.json');
    const head = parseFeedHead(await read(HEAD));
    await change({ [HEAD]: serializeFeedHead({ ...head, epoch: 'e2', expires: '2020-01-01T00:00:00Z' }) });
    let report = await verify(dir);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'FEED_HEAD_INVALID', message: expect.stringMatching(/epoch e2/) }),
        expect.objectContaining({ code: 'FEED_HEAD_INVALID', message: expect.stringMatching(/expired/) }),
      ]),
    );
    await change({ [HEAD]: '{"format":1}', 'config.json': '{' });
    report = await verify(dir);
    expect(report.epoch).toBe('');
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'FEED_HEAD_INVALID', path: HEAD }),
        expect.objectContaining({ code: 'INDEX_CONFIG_INVALID', path: 'config.json' }),
      ]),
    );
    // With only config.json readable, the feed of its epoch is still checked.
    await change({ 'config.json': config });
    report = await verify(dir);
    expect(report).toMatchObject({ epoch: 'e1', seq: 0 });
    expect(report.problems).toEqual([expect.objectContaining({ code: 'FEED_HEAD_INVALID', path: HEAD })]);
  });
});

describe('verify: snapshots', () => {
  async function snapshotHead(): Promise<FeedHead> {
    const result = await writeSnapshot(dir, { time: TIME });
    expect(result).not.toBeNull();
    return result!.head;
  }

  it('passes the snapshots the writer makes, and reports one altered by one byte and committed', async () => {
    await buildIndex();
    await snapshotHead();
    await appendFeed(dir, {
      lines: feed.add({ op: 'publish', name: 'later', version: '1.0.0' }),
      time: TIME,
    });
    const head = await snapshotHead();
    expect(head.snapshot!.seq).toBe(11);
    expectOk(await verify(dir));

    const file = head.snapshot!.path;
    const bytes = await read(file);
    await change({ [file]: flipByte(bytes, 20) });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'SNAPSHOT_INVALID',
        path: file,
        message: expect.stringMatching(/sha256/),
      }),
    ]);
  });

  it('reports a snapshot recorded with its own digest that holds another catalog', async () => {
    await buildIndex();
    // Built by hand at seq 10 from the feed up to line 9: one skill's line is stale.
    const catalog = new Catalog();
    for (const line of feed.lines.slice(0, 9)) catalog.apply(parseFeedLine(line));
    const gz = gzipSync(catalog.toSnapshot(), { level: 9 });
    const file = `snapshots/e1/10-${sha256(gz).slice(0, 16)}.ndjson.gz`;
    const head = parseFeedHead(await read(HEAD));
    const snapshot = {
      seq: 10,
      hash: head.hash,
      path: file,
      sha256: sha256(gz),
      size: gz.length,
      segment: 0,
      offset: head.offset,
    };
    await change({ [file]: gz, [HEAD]: serializeFeedHead({ ...head, snapshot }) });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'SNAPSHOT_INVALID',
        path: file,
        message: expect.stringMatching(/the line of ab differs/),
      }),
    ]);

    // The right catalog, but head.json gives the wrong hash and offset for seq 9.
    const at9 = new Catalog();
    for (const line of feed.lines.slice(0, 9)) at9.apply(parseFeedLine(line));
    const gz9 = gzipSync(at9.toSnapshot(), { level: 9 });
    const file9 = `snapshots/e1/9-${sha256(gz9).slice(0, 16)}.ndjson.gz`;
    const wrong = {
      seq: 9,
      hash: head.hash,
      path: file9,
      sha256: sha256(gz9),
      size: gz9.length,
      segment: 0,
      offset: head.offset,
    };
    await change({ [file]: null, [file9]: gz9, [HEAD]: serializeFeedHead({ ...head, snapshot: wrong }) });
    const second = await verify(dir);
    expect(second.problems.map((p) => [p.code, p.path, p.message.slice(0, 22)])).toEqual([
      ['SNAPSHOT_INVALID', HEAD, 'says snapshot.hash is '],
      ['SNAPSHOT_INVALID', HEAD, 'says snapshot.offset i'],
    ]);
  });

  it('reports a missing snapshot, a third one and a misnamed one', async () => {
    await buildIndex();
    const head = await snapshotHead();
    const file = head.snapshot!.path;
    const bytes = await read(file);
    await change({
      'snapshots/e1/3-0123456789abcdef.ndjson.gz': bytes,
      'snapshots/e1/2-0123456789abcdef.ndjson.gz': bytes,
      'snapshots/e1/notes.txt': 'x',
      'snapshots/old-epoch/5-0123456789abcdef.ndjson.gz': bytes,
    });
    const report = await verify(dir);
    expect(report.problems.map((p) => [p.code, p.path])).toEqual(
      expect.arrayContaining([
        ['SNAPSHOT_INVALID', 'snapshots/e1/notes.txt'],
        // The newest other one is kept and checked: it does not hold the catalog at line 3.
        ['SNAPSHOT_INVALID', 'snapshots/e1/3-0123456789abcdef.ndjson.gz'],
        ['SNAPSHOT_INVALID', 'snapshots/e1/2-0123456789abcdef.ndjson.gz'],
        ['SNAPSHOT_INVALID', 'snapshots/old-epoch/5-0123456789abcdef.ndjson.gz'],
      ]),
    );
    expect(report.problems).toHaveLength(4);

    await change({ [file]: null });
    const missing = await verify(dir);
    expect(missing.problems).toContainEqual(
      expect.objectContaining({
        code: 'SNAPSHOT_INVALID',
        path: file,
        message: expect.stringMatching(/missing/),
      }),
    );
  });
});

describe('verify: git', () => {
  it('reports a work-tree file that differs from the commit, one it lacks and one it adds', async () => {
    await buildIndex();
    const readme = await read('README.md');
    await change({ 'README.md': Buffer.concat([readme, Buffer.from('edited\n')]), 'extra.txt': 'x' }, true);
    await unlink(path.join(dir, '.gitattributes'));
    const report = await verify(dir);
    const problem = (file: string): VerifyProblem | undefined => report.problems.find((p) => p.path === file);
    expect(problem('README.md')).toMatchObject({
      code: 'INDEX_TREE_INVALID',
      message: expect.stringMatching(/differs/),
    });
    expect(problem('extra.txt')).toMatchObject({
      code: 'INDEX_TREE_INVALID',
      message: expect.stringMatching(/not in commit/),
    });
    expect(problem('.gitattributes')).toMatchObject({
      code: 'INDEX_TREE_INVALID',
      message: expect.stringMatching(/missing/),
    });
    expect(report.problems).toHaveLength(3);
  });

  it('reports a shard file edited in the work tree only', async () => {
    await buildIndex();
    const file = indexPath('git');
    await change({ [file]: flipByte(await read(file), 40) }, true);
    const report = await verify(dir);
    expect(report.problems.map((p) => [p.code, p.path])).toEqual([
      ['INDEX_INCONSISTENT', file],
      ['INDEX_TREE_INVALID', file],
    ]);
  });

  it('reports symbolic links, a fifo, .gitmodules and a .gitattributes that converts line endings', async () => {
    await buildIndex();
    await symlink('/etc/passwd', path.join(dir, 'passwd'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    await change({ 'sub/.gitmodules': '[submodule]\n', '.gitattributes': '* text=auto\n' });
    // A link committed as such (mode 120000).
    const repo = indexRepo(dir);
    const parent = (await headCommit(repo))!;
    const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid: parent });
    const blob = await git.writeBlob({
      fs,
      gitdir: repo.gitdir,
      blob: Buffer.from('/etc/passwd'),
    });
    const linked = await git.writeTree({
      fs,
      gitdir: repo.gitdir,
      tree: [...tree, { mode: '120000', path: 'link', oid: blob, type: 'blob' }],
    });
    await commitTree(repo, linked, parent, 'link\n', TIME);
    await symlink('/etc/passwd', path.join(dir, 'link'));
    const report = await verify(dir);
    expect(report.problems.map((p) => [p.code, p.path]).sort()).toEqual(
      [
        ['INDEX_TREE_INVALID', '.gitattributes'],
        ['INDEX_TREE_INVALID', 'fifo'],
        ['INDEX_TREE_INVALID', 'fifo'],
        ['INDEX_TREE_INVALID', 'link'],
        ['INDEX_TREE_INVALID', 'link'],
        ['INDEX_TREE_INVALID', 'passwd'],
        ['INDEX_TREE_INVALID', 'passwd'],
        ['INDEX_TREE_INVALID', 'sub/.gitmodules'],
      ].sort(),
    );
  });

  it('reports a repository without a commit on main', async () => {
    await buildIndex();
    await rm(path.join(dir, '.git/refs/heads/main'));
    const report = await verify(dir);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'INDEX_TREE_INVALID', path: '.git' })]);
  });

  it('reports a damaged git object through git fsck', async (context) => {
    if (!(await hasSystemGit())) {
      console.log('skipped: no system git to run git fsck');
      context.skip();
    }
    await buildIndex();
    const oid = execFileSync('git', ['-C', dir, 'rev-parse', 'main:README.md'], { encoding: 'utf8' }).trim();
    const object = path.join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2));
    await rm(object, { force: true });
    await writeFile(object, deflateSync(Buffer.from('blob 5\0wrong')));
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_TREE_INVALID',
        path: '.git',
        message: expect.stringMatching(/fsck/),
      }),
    ]);
  });

  it('without system git, skips fsck and reads every blob back instead', async () => {
    await buildIndex();
    systemGit.off = true;
    const healthy = await verify(dir);
    expectOk(healthy);
    expect(healthy.skipped.join()).toMatch(/git fsck: no system git/);

    const oid = await git.resolveRef({
      fs,
      gitdir: path.join(dir, '.git'),
      ref: 'main',
    });
    const { blob } = await git.readBlob({
      fs,
      gitdir: path.join(dir, '.git'),
      oid,
      filepath: 'README.md',
    });
    const blobOid = createHash('sha1').update(`blob ${blob.length}\0`).update(blob).digest('hex');
    const object = path.join(dir, '.git/objects', blobOid.slice(0, 2), blobOid.slice(2));
    await rm(object, { force: true });
    const report = await verify(dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'INDEX_TREE_INVALID',
        path: 'README.md',
        message: expect.stringMatching(/cannot be read/),
      }),
    ]);
  });
});
