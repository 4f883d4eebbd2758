import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hasSystemGit, openIndex } from '@skills/index-builder';
import { parseFeedHead, parseFeedLine, parseIndexConfig } from '@skills/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { blobPath, putBlob } from '../src/blobs.js';
import { WRITER_LOCK } from '../src/worker/sql.js';
import {
  appendFeedRows,
  checkPublishedHead,
  collectGarbage,
  ensureIndex,
  epochNew,
  maybeWriteSnapshot,
  rebuildIndex,
  renderPending,
  runBatch,
  startWorker,
  verifyIndex,
  type Worker,
} from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { eventually, publisherTestKey, Seed, testSigner } from './worker-support.js';

describe.each(testDatabases)('the index worker on $kind', (database) => {
  let registry: TestRegistry;
  let worker: Worker | null = null;
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await registry.close();
  });

  async function start(): Promise<{ seed: Seed; signer: Awaited<ReturnType<typeof testSigner>> }> {
    registry = await startRegistry(database, { routers: () => [] });
    const signer = await testSigner();
    await ensureIndex(registry.ctx, { signer, publicUrl: registry.url });
    return { seed: new Seed(registry.ctx, await publisherTestKey()), signer };
  }

  const headOf = async (seed: Seed) => parseFeedHead(await seed.indexFile('feed/head.json'));

  it('finishes a batch that crashed between its SQL commit and its render, at start', async () => {
    const { seed, signer } = await start();
    await seed.publish('code-review', '1.0.0');
    await seed.publish('git', '1.0.0');
    const sql = await appendFeedRows(registry.ctx); // the process "dies" here
    expect(sql.lines).toHaveLength(2);
    expect((await headOf(seed)).seq).toBe(0);
    const dl = path.join(registry.ctx.paths.dl, '3/g/git/git-1.0.0.tgz');
    await expect(stat(dl)).rejects.toMatchObject({ code: 'ENOENT' });

    worker = startWorker(registry.ctx, { signer, publicUrl: registry.url, pollMs: 60_000 });
    await worker.idle();
    expect(worker.status()).toMatchObject({ state: 'ok', reason: null, head: { seq: 2 }, lastError: null });
    expect((await headOf(seed)).seq).toBe(2);
    expect(await readFile(dl)).toEqual(seed.tarballs.get('git@1.0.0'));
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
  });

  it('wakes on NOTIFY index_jobs and on kick(), and renders what other writers appended', async () => {
    const { seed, signer } = await start();
    worker = startWorker(registry.ctx, { signer, publicUrl: registry.url, pollMs: 60_000 });
    await worker.idle();
    await seed.publish('lint', '1.0.0');
    await registry.db.query('NOTIFY index_jobs');
    await eventually(async () => (await headOf(seed)).seq === 1);
    await seed.publish('lint', '1.1.0');
    worker.kick();
    await eventually(async () => (await headOf(seed)).seq === 2);
    await seed.publish('lint', '1.2.0');
    await appendFeedRows(registry.ctx); // another instance's batch, which died before rendering
    await worker.idle();
    expect(worker.status()).toMatchObject({ head: { seq: 3 }, batches: 2 });
  });

  it('refuses to write on a database restored to an older state, until a new epoch', async () => {
    const { seed, signer } = await start();
    await seed.publish('code-review', '1.0.0');
    await seed.publish('code-review', '1.1.0');
    await seed.publish('git', '1.0.0');
    await runBatch(registry.ctx, { signer });
    await seed.yank('code-review', '1.1.0', 'bad');
    await runBatch(registry.ctx, { signer });
    const published = await openIndex(registry.ctx.paths.index);
    expect(published.head.seq).toBe(4);
    const oldEpoch = published.config.epoch;

    // The backup: taken after line 2. The index (and its clients) saw line 4.
    await registry.db.query('DELETE FROM feed WHERE seq > 2');
    worker = startWorker(registry.ctx, { signer, publicUrl: registry.url, pollMs: 60_000 });
    await worker.idle();
    expect(worker.status()).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/feed line 4 .* ends at line 2.*epoch new/),
    });
    await seed.publish('lint', '1.0.0');
    await worker.idle();
    expect(await seed.jobs()).toBeGreaterThan(0); // nothing claimed, nothing appended
    expect((await seed.feed()).map((row) => row.seq)).toEqual([1, 2]);
    expect((await openIndex(registry.ctx.paths.index)).commit).toBe(published.commit);
    expect((await runBatch(registry.ctx, { signer })).render).toMatchObject({ state: 'refused' });
    await expect(rebuildIndex(registry.ctx, { signer })).rejects.toThrow(/refusing to rebuild/);
    await expect(epochNew(registry.ctx, { signer, publicUrl: registry.url, confirm: false })).rejects.toThrow(
      /confirm/,
    );

    const fresh = await epochNew(registry.ctx, { signer, publicUrl: registry.url, confirm: true });
    expect(fresh).toMatchObject({
      previous: oldEpoch,
      lines: 4,
      archived: `${registry.ctx.paths.index}.epoch-${oldEpoch}`,
    });
    const feed = await seed.feed();
    expect(
      feed.map((row) => {
        const parsed = parseFeedLine(row.line);
        return parsed.known
          ? `${row.seq} ${row.op} ${row.name}@${row.version} yanked=${parsed.line.entry?.yanked}`
          : '';
      }),
    ).toEqual([
      '1 publish code-review@1.0.0 yanked=false',
      '2 publish code-review@1.1.0 yanked=true',
      '3 publish git@1.0.0 yanked=false',
      '4 publish lint@1.0.0 yanked=false',
    ]);
    expect((await seed.feed(oldEpoch)).map((row) => row.seq)).toEqual([1, 2]); // old rows kept
    const config = parseIndexConfig(await seed.indexFile('config.json'));
    expect(config.epoch).toBe(fresh.epoch);
    expect(await headOf(seed)).toMatchObject({ epoch: fresh.epoch, seq: 4 });
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);

    await worker.idle();
    expect(worker.status()).toMatchObject({
      state: 'ok',
      reason: null,
      head: { epoch: fresh.epoch, seq: 4 },
    });
    await seed.publish('lint', '1.1.0');
    await worker.idle();
    expect(worker.status().head?.seq).toBe(5);
  });

  it('refuses a database whose line at the published head differs, or whose epoch is another', async () => {
    const { seed, signer } = await start();
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    const index = await openIndex(registry.ctx.paths.index);
    await registry.db.query(`UPDATE feed SET hash = repeat('a', 64) WHERE seq = 1`);
    expect(await checkPublishedHead(registry.db, index)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/forked/),
    });
    await registry.db.query(`UPDATE registry_state SET epoch = 'elsewhere'`);
    expect((await renderPending(registry.ctx, { signer })).reason).toMatch(/at epoch elsewhere/);
    await registry.db.query('DELETE FROM registry_state');
    expect(await checkPublishedHead(registry.db, index)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no epoch/),
    });
  });

  it('re-checks each blob before linking its download: an altered blob is not published', async () => {
    const { seed, signer } = await start();
    const { sha256 } = await seed.publish('lint', '1.0.0');
    await writeFile(blobPath(registry.ctx.paths.blobs, sha256), 'something else');
    const batch = await runBatch(registry.ctx, { signer });
    expect(batch.render.downloadProblems).toEqual([
      expect.objectContaining({ name: 'lint', problem: 'blob_corrupt' }),
    ]);
    expect(batch.render.head.seq).toBe(1); // the line is published: the feed is the truth
    const dl = path.join(registry.ctx.paths.dl, 'li/nt/lint/lint-1.0.0.tgz');
    await expect(stat(dl)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(path.dirname(dl))).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    const report = await verifyIndex(registry.ctx, { publicKey: signer.publicArmored });
    expect(report.problems).toEqual([
      expect.objectContaining({ path: 'dl/li/nt/lint/lint-1.0.0.tgz', message: 'is missing' }),
    ]);

    // Repair: the right bytes again, then `index rebuild`.
    await putBlob(registry.ctx.paths.blobs, seed.tarballs.get('lint@1.0.0')!);
    const rebuilt = await rebuildIndex(registry.ctx, { signer });
    expect(rebuilt.downloadProblems).toEqual([]);
    expect(await readFile(dl)).toEqual(seed.tarballs.get('lint@1.0.0'));
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).ok).toBe(true);

    await writeFile(dl, 'tampered download');
    expect((await verifyIndex(registry.ctx, { downloads: true })).problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^has the sha256/) }),
    ]);
  });

  it('reports a missing blob and a missing signature', async () => {
    const { seed, signer } = await start();
    const a = await seed.publish('aaaa', '1.0.0');
    const b = await seed.publish('bbbb', '1.0.0');
    await rm(blobPath(registry.ctx.paths.blobs, a.sha256));
    await rm(`${blobPath(registry.ctx.paths.blobs, b.sha256)}.asc`);
    const batch = await runBatch(registry.ctx, { signer });
    expect(batch.render.downloadProblems.map((p) => `${p.name} ${p.problem}`)).toEqual([
      'aaaa blob_missing',
      'bbbb signature_missing',
    ]);
    expect(await readFile(path.join(registry.ctx.paths.dl, 'bb/bb/bbbb/bbbb-1.0.0.tgz'))).toEqual(b.tarball);
  });

  it('rebuilds a damaged work tree from the feed table without changing a line', async () => {
    const { seed, signer } = await start();
    await seed.publish('lint', '1.0.0');
    await seed.publish('git', '1.0.0');
    await runBatch(registry.ctx, { signer });
    const before = await openIndex(registry.ctx.paths.index);
    await writeFile(path.join(registry.ctx.paths.index, 'li/nt/lint'), 'garbage\n');
    expect((await verifyIndex(registry.ctx)).ok).toBe(false);
    const result = await rebuildIndex(registry.ctx, { signer });
    expect(result.commit).toBe(before.commit);
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
  });

  it('writes a snapshot when the feed since the last one exceeds a quarter of it, and runs git gc', async () => {
    const { seed, signer } = await start();
    expect(await maybeWriteSnapshot(registry.ctx, { signer })).toBe(false); // an empty feed
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    expect(await maybeWriteSnapshot(registry.ctx, { signer })).toBe(true);
    const head = await headOf(seed);
    expect(head.snapshot).toMatchObject({ seq: 1 });
    expect(await maybeWriteSnapshot(registry.ctx, { signer })).toBe(false); // nothing new
    for (const version of ['1.1.0', '1.2.0', '1.3.0']) await seed.publish('lint', version);
    await runBatch(registry.ctx, { signer });
    expect(await maybeWriteSnapshot(registry.ctx, { signer })).toBe(true);
    expect((await headOf(seed)).snapshot).toMatchObject({ seq: 4 });
    await seed.publish('lint', '1.4.0');
    await runBatch(registry.ctx, { signer });
    expect(await maybeWriteSnapshot(registry.ctx, { signer })).toBe(false); // 1 line of 5: under a quarter

    // Both queued before the worker starts: its first pass renders them, then snapshots.
    for (const version of ['1.5.0', '1.6.0']) await seed.publish('lint', version);
    worker = startWorker(registry.ctx, {
      signer,
      publicUrl: registry.url,
      pollMs: 60_000,
      housekeepingMs: 0,
      gcEveryCommits: 1,
    });
    await worker.idle();
    expect((await headOf(seed)).snapshot).toMatchObject({ seq: 7 });
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
    expect(await collectGarbage(registry.ctx)).toBe(await hasSystemGit());
  });

  it('reports a failing pass in status() and recovers on the next one', async () => {
    const { seed, signer } = await start();
    worker = startWorker(registry.ctx, { signer, publicUrl: registry.url, pollMs: 60_000 });
    await worker.idle();
    const ref = path.join(registry.ctx.paths.index, '.git/refs/heads/main');
    const saved = await readFile(ref);
    await rm(ref);
    await worker.idle();
    expect(worker.status().lastError).toMatch(/not an index repository/);
    await writeFile(ref, saved);
    await seed.publish('lint', '1.0.0');
    await worker.idle();
    expect(worker.status()).toMatchObject({ state: 'ok', lastError: null, head: { seq: 1 } });
  });

  it.runIf(database.kind === 'postgres')(
    'lets one writer at a time append: racing batches never double a seq',
    async () => {
      const { seed, signer } = await start();
      const names = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff', 'gggg', 'hhhh'];
      for (const name of names) await seed.publish(name, '1.0.0');
      // Hold the writer lock so every batch is waiting on it at once (real overlap), then let go.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = registry.db.tx(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
        locked();
        await held;
      });
      await isLocked;
      const batches = [1, 2, 3, 4, 5].map(() => runBatch(registry.ctx, { signer, maxJobs: 2 }));
      await eventually(async () => {
        const { rows } = await registry.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return rows[0]!.n >= 2;
      });
      release();
      await holder;
      const results = await Promise.all(batches);
      expect(results.reduce((n, r) => n + r.jobs, 0)).toBe(8);
      expect(results.flatMap((r) => r.lines.map((l) => l.seq)).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8,
      ]);
      expect((await seed.feed()).map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
    },
  );
});
