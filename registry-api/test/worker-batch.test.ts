import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { openIndex } from '@skills/index-builder';
import {
  chainHash,
  GENESIS_HASH,
  indexPath,
  lineSerializer,
  parseFeedHead,
  parseFeedLine,
  parseIndexConfig,
  parseIndexLine,
} from '@skills/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { appendFeedRows, ensureIndex, runBatch, SkillFeedStates, verifyIndex } from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { publisherTestKey, Seed, testSigner } from './worker-support.js';

describe.each(testDatabases)('an index batch on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry.close();
  });

  async function start(): Promise<{ seed: Seed; signer: Awaited<ReturnType<typeof testSigner>> }> {
    registry = await startRegistry(database, { routers: () => [] });
    const signer = await testSigner();
    await ensureIndex(registry.ctx, { signer, publicUrl: registry.url });
    return { seed: new Seed(registry.ctx, await publisherTestKey()), signer };
  }

  const shardLines = async (seed: Seed, name: string): Promise<string[]> =>
    (await seed.indexFile(indexPath(name)))
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const parsed = parseIndexLine(line);
        return `${parsed.version}${parsed.yanked ? ` yanked(${parsed.yank_reason})` : ''}`;
      });

  it('creates the index and the epoch once, with config.json naming the public URLs and the key', async () => {
    const { signer } = await start();
    const config = parseIndexConfig(await readFile(path.join(registry.ctx.paths.index, 'config.json')));
    expect(config).toMatchObject({
      url: `${registry.url}/index/`,
      dl: `${registry.url}/dl/{prefix}/{name}/{name}-{version}.tgz`,
      sig: null,
      api: `${registry.url}/api/v1`,
      signing_key: signer.fingerprint,
      auth_required: false,
    });
    const { rows } = await registry.db.query<{ epoch: string }>('SELECT epoch FROM registry_state');
    expect(rows).toEqual([{ epoch: config.epoch }]);
    expect(await ensureIndex(registry.ctx, { signer, publicUrl: registry.url })).toEqual({
      epoch: config.epoch,
      created: false,
    });
    expect(
      await readFile(path.join(registry.ctx.paths.index, `keys/${signer.fingerprint}.asc`), 'utf8'),
    ).toBe(signer.publicArmored);
  });

  it('turns publish, yank, unyank and purge rows into the right feed lines, index files and downloads', async () => {
    const { seed, signer } = await start();
    const feedSeqs: string[] = [];
    const unlisten = await registry.db.listen('feed', (payload) => feedSeqs.push(payload));
    const a = await seed.publish('code-review', '1.0.0');
    await seed.publish('code-review', '1.1.0');
    await seed.publish('git', '1.0.0', { deps: { 'code-review': '^1.0.0' } });

    const first = await runBatch(registry.ctx, { signer });
    expect(first.lines.map((l) => `${l.seq} ${l.op} ${l.name}@${l.version}`)).toEqual([
      '1 publish code-review@1.0.0',
      '2 publish code-review@1.1.0',
      '3 publish git@1.0.0',
    ]);
    expect(first.render).toMatchObject({ state: 'ok', rendered: 3, commits: 1, downloadProblems: [] });
    expect(await shardLines(seed, 'code-review')).toEqual(['1.0.0', '1.1.0']);
    const line = parseIndexLine((await seed.indexFile('3/g/git')).toString().trimEnd());
    expect(line).toMatchObject({
      deps: { 'code-review': '^1.0.0' },
      published: '2026-01-10T09:02:00Z',
      signer: seed.key.fingerprint,
      license: 'MIT',
      keywords: ['demo', 'git'],
    });
    const dl = path.join(registry.ctx.paths.dl, 'co/de/code-review/code-review-1.0.0.tgz');
    expect(await readFile(dl)).toEqual(a.tarball);
    expect((await readFile(`${dl}.asc`, 'utf8')).startsWith('-----BEGIN PGP SIGNATURE-----')).toBe(true);
    expect(
      await readFile(path.join(registry.ctx.paths.index, `keys/${seed.key.fingerprint}.asc`), 'utf8'),
    ).toBe(seed.key.publicArmored);

    await seed.yank('code-review', '1.1.0', 'Breaks "review --fix"');
    const yank = await runBatch(registry.ctx, { signer });
    expect(yank.lines.map((l) => `${l.seq} ${l.op}`)).toEqual(['4 yank']);
    expect(await shardLines(seed, 'code-review')).toEqual(['1.0.0', '1.1.0 yanked(Breaks "review --fix")']);

    await seed.unyank('code-review', '1.1.0');
    await seed.purge('code-review', '1.0.0');
    const more = await runBatch(registry.ctx, { signer });
    expect(more.lines.map((l) => `${l.seq} ${l.op} ${l.version}`)).toEqual([
      '5 purge 1.0.0',
      '6 unyank 1.1.0',
    ]);
    expect(await shardLines(seed, 'code-review')).toEqual(['1.1.0']);
    await expect(stat(dl)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(`${dl}.asc`)).rejects.toMatchObject({ code: 'ENOENT' });

    await seed.purge('code-review', '1.1.0');
    await runBatch(registry.ctx, { signer });
    await expect(stat(path.join(registry.ctx.paths.index, indexPath('code-review')))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(stat(path.join(registry.ctx.paths.dl, 'co'))).rejects.toMatchObject({ code: 'ENOENT' });

    // The feed table holds exactly the segment's lines, chained; head.json ends there.
    const feed = await seed.feed();
    const segment = (
      await readFile(path.join(registry.ctx.paths.index, `feed/${first.epoch}/00000000.ndjson`))
    )
      .toString()
      .split('\n')
      .filter(Boolean);
    expect(segment).toEqual(feed.map((row) => row.line.toString()));
    let hash = GENESIS_HASH;
    for (const row of feed) expect(row.hash).toBe((hash = chainHash(hash, row.line)));
    const head = parseFeedHead(await seed.indexFile('feed/head.json'));
    expect(head).toMatchObject({ seq: 7, hash });
    expect(feed.map((row) => `${row.op} ${row.name}`)).toEqual(
      feed.map((row) => {
        const parsed = parseFeedLine(row.line);
        return parsed.known ? `${parsed.line.op} ${parsed.line.name}` : '?';
      }),
    );

    const report = await verifyIndex(registry.ctx, { publicKey: signer.publicArmored });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, seq: 7, unrendered: 0 });
    expect(await seed.jobs()).toBe(0);
    expect(feedSeqs).toContain('7');
    await unlisten();
  });

  it('appends nothing for a job whose skill the feed already describes', async () => {
    const { seed, signer } = await start();
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    const before = await openIndex(registry.ctx.paths.index);
    await seed.job('lint');
    const batch = await runBatch(registry.ctx, { signer });
    expect(batch).toMatchObject({ jobs: 1, skills: 1, lines: [] });
    expect(batch.render.commits).toBe(0);
    expect((await openIndex(registry.ctx.paths.index)).commit).toBe(before.commit);
    expect(await seed.jobs()).toBe(0);
    expect((await seed.feed()).length).toBe(1);
  });

  it('is not fooled by duplicate jobs, and states reached before the worker ran take one line or none', async () => {
    const { seed, signer } = await start();
    await seed.publish('lint', '1.0.0');
    await seed.job('lint');
    await seed.job('lint');
    await seed.publish('lint', '2.0.0-beta.1', { yanked: 'too early' });
    await seed.publish('gone', '1.0.0');
    await seed.purge('gone', '1.0.0');
    const batch = await appendFeedRows(registry.ctx);
    expect(batch).toMatchObject({ jobs: 6, skills: 2, failed: [] });
    expect(batch.lines.map((l) => `${l.op} ${l.name}@${l.version}`)).toEqual([
      'publish lint@1.0.0',
      'publish lint@2.0.0-beta.1',
    ]);
    expect(await appendFeedRows(registry.ctx)).toMatchObject({ jobs: 0, lines: [] });
    await runBatch(registry.ctx, { signer });
    expect(await shardLines(seed, 'lint')).toEqual(['1.0.0', '2.0.0-beta.1 yanked(too early)']);
    expect((await verifyIndex(registry.ctx)).problems).toEqual([]);
  });

  it('NOTIFYs feed once new rows are served from the index, not when they are committed', async () => {
    const { seed, signer } = await start();
    const seqs: string[] = [];
    const unlisten = await registry.db.listen('feed', (payload) => seqs.push(payload));
    await seed.publish('lint', '1.0.0');
    await appendFeedRows(registry.ctx); // committed, not rendered: read models must not show it yet
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seqs).toEqual([]);
    await runBatch(registry.ctx, { signer }); // renders the pending row first
    for (let i = 0; i < 100 && seqs.length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seqs).toEqual(['1']);
    expect(await shardLines(seed, 'lint')).toEqual(['1.0.0']);
    await unlisten();
  });

  it('keeps skills’ feed states between batches, and replays from the table one it no longer holds', async () => {
    const { seed, signer } = await start();
    const states = new SkillFeedStates();
    const ops = async () =>
      (await runBatch(registry.ctx, { signer, states })).lines.map((l) => `${l.op} ${l.name}@${l.version}`);
    await seed.publish('lint', '1.0.0');
    await seed.publish('lint', '1.1.0');
    expect(await ops()).toEqual(['publish lint@1.0.0', 'publish lint@1.1.0']);
    await seed.yank('lint', '1.0.0', 'broken');
    await seed.publish('lint', '1.2.0');
    expect(await ops()).toEqual(['yank lint@1.0.0', 'publish lint@1.2.0']);
    // The kept state is what loads (a replay would come with a serializer of its own).
    const { epoch } = (await openIndex(registry.ctx.paths.index)).config;
    const lint = await seed.skill('lint');
    const kept = await states.load(registry.db, epoch, lint);
    expect(kept.last?.seq).toBe(4);
    expect((await states.load(registry.db, epoch, lint)).serialize).toBe(kept.serialize);

    // What a batch that rolled back (or a database since restored) leaves: a state whose last row
    // the table does not hold with that hash. Used, it would plan both live versions again.
    const forged = { lines: [], serialize: lineSerializer(), last: { seq: 4, hash: 'f'.repeat(64) } };
    states.remember(epoch, lint, forged);
    expect((await states.load(registry.db, epoch, lint)).serialize).not.toBe(forged.serialize);
    await seed.purge('lint', '1.1.0');
    expect(await ops()).toEqual(['purge lint@1.1.0']);
    expect(await shardLines(seed, 'lint')).toEqual(['1.0.0 yanked(broken)', '1.2.0']);
    expect((await verifyIndex(registry.ctx)).problems).toEqual([]);
  });

  it('claims at most maxJobs jobs per batch and leaves the rest for the next one', async () => {
    const { seed, signer } = await start();
    for (const name of ['aa', 'bb', 'cc']) await seed.publish(name, '1.0.0');
    const first = await runBatch(registry.ctx, { signer, maxJobs: 2 });
    expect(first.lines.map((l) => l.name)).toEqual(['aa', 'bb']);
    expect(await seed.jobs()).toBe(1);
    const second = await runBatch(registry.ctx, { signer, maxJobs: 2 });
    expect(second.lines.map((l) => `${l.seq} ${l.name}`)).toEqual(['3 cc']);
    expect(second.render.head.seq).toBe(3);
  });

  it('drops the job of a skill whose row cannot become an index line, and goes on with the others', async () => {
    const { seed, signer } = await start();
    await seed.publish('huge', '1.0.0', { description: 'x'.repeat(20_000) });
    await seed.publish('fine', '1.0.0');
    const batch = await runBatch(registry.ctx, { signer });
    expect(batch.failed).toEqual([{ name: 'huge', message: expect.stringMatching(/16384|limit/) }]);
    expect(batch.lines.map((l) => `${l.seq} ${l.name}`)).toEqual(['1 fine']);
    expect(await seed.jobs()).toBe(0);
  });
});
