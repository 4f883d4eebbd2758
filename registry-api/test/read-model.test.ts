import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderShardFile, serializeFeedLine } from '@skills/schema';
import type { RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { ReadModel, startReadModel, type RunningReadModel } from '../src/read/index.js';
import { testDatabases } from './databases.js';
import { FeedSeed, eventually, line } from './read-fixtures.js';

/** A logger whose messages the test can read. */
function recordingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe.each(testDatabases)('the read model on $kind', (database) => {
  let db: Database;
  let seed: FeedSeed;
  let log: ReturnType<typeof recordingLogger>;
  let model: ReadModel;
  let running: RunningReadModel | null = null;

  beforeEach(async () => {
    db = await database.open();
    seed = await new FeedSeed(db).start();
    log = recordingLogger();
    model = new ReadModel(db, log.logger);
  });

  afterEach(async () => {
    await running?.stop();
    running = null;
    await db.close();
  });

  async function publishYankUnyankPurge(): Promise<void> {
    await seed.publish(line('pdf-tools', '1.0.0', { keywords: ['pdf', 'documents'] }));
    await seed.publish(line('pdf-tools', '1.1.0', { keywords: ['pdf'] }));
    await seed.publish(line('pdf-tools', '2.0.0-beta.1'));
    await seed.publish(line('code-review', '0.1.0', { keywords: ['review', 'pdf'] }));
    await seed.yank('pdf-tools', '1.1.0', 'broken on Windows');
    await seed.publish(line('gone', '1.0.0'));
    await seed.yank('code-review', '0.1.0');
    await seed.unyank('code-review', '0.1.0');
    await seed.purge('gone', '1.0.0');
  }

  it('replays the feed: lines, latest, last seq and shard digest of every skill', async () => {
    await publishYankUnyankPurge();
    await model.refresh();
    expect(model).toMatchObject({ epoch: 'e1', seq: 9, hash: seed.hash, brokenAt: null });
    expect(model.names()).toEqual(['code-review', 'gone', 'pdf-tools']);

    const pdf = model.skill('pdf-tools')!;
    expect(pdf.lines).toEqual(seed.state.get('pdf-tools'));
    expect(pdf.lines.map((l) => [l.version, l.yanked, l.yank_reason])).toEqual([
      ['1.0.0', false, null],
      ['1.1.0', true, 'broken on Windows'],
      ['2.0.0-beta.1', false, null],
    ]);
    // 1.1.0 is yanked: the highest release left is 1.0.0, and releases come before pre-releases.
    expect(pdf.latest?.version).toBe('1.0.0');
    expect(pdf.seq).toBe(5);
    expect(pdf.file).toBe(sha256(renderShardFile(pdf.lines)));
    expect(Object.fromEntries(pdf.versionSeqs)).toEqual({ '1.0.0': 1, '1.1.0': 5, '2.0.0-beta.1': 3 });

    expect(model.skill('code-review')).toMatchObject({ seq: 8, latest: { version: '0.1.0', yanked: false } });
    // Every version purged: the skill is still known, with nothing left.
    expect(model.skill('gone')).toMatchObject({ lines: [], latest: null, file: null, seq: 9 });
    expect(model.skill('nope')).toBeUndefined();

    expect(model.catalog().map((l) => `${l.name}@${l.version}`)).toEqual([
      'code-review@0.1.0',
      'pdf-tools@1.0.0',
    ]);
    expect(model.tags()).toEqual([
      { keyword: 'pdf', count: 2 },
      { keyword: 'documents', count: 1 },
      { keyword: 'review', count: 1 },
    ]);
    expect(model.search('pdf', { limit: 10, offset: 0 }).results.map((r) => r.name)).toEqual([
      'pdf-tools',
      'code-review',
    ]);
  });

  it('starts empty before the registry has an epoch or a feed', async () => {
    await db.query('DELETE FROM registry_state');
    await model.refresh();
    expect(model).toMatchObject({ epoch: null, seq: 0 });
    expect(model.catalog()).toEqual([]);
    await seed.start();
    await model.refresh();
    expect(model).toMatchObject({ epoch: 'e1', seq: 0 });
  });

  it('reads only the rows after its last seq on refresh', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    await model.refresh();
    const generation = model.generation;
    await model.refresh();
    expect(model.generation).toBe(generation); // nothing new, nothing rebuilt

    await seed.publish(line('beta', '1.0.0', { description: 'Brand new' }));
    await seed.yank('alpha', '1.0.0');
    await model.refresh();
    expect(model.seq).toBe(3);
    expect(model.generation).toBeGreaterThan(generation);
    expect(model.skill('alpha')!.latest).toMatchObject({ yanked: true });
    expect(model.search('brand', { limit: 5, offset: 0 }).results.map((r) => r.name)).toEqual(['beta']);
    expect(log.messages.filter((m) => m.startsWith('read model loaded'))).toHaveLength(1);
  });

  it('reads a long feed in pages', async () => {
    const paged = new ReadModel(db, log.logger, { pageSize: 3 });
    for (let i = 0; i < 7; i++) await seed.publish(line(`s${i}`, '1.0.0'));
    await paged.refresh();
    expect(paged).toMatchObject({ seq: 7, hash: seed.hash });
    for (let i = 0; i < 6; i++) await seed.yank(`s${i}`, '1.0.0');
    await paged.refresh();
    expect(paged).toMatchObject({ seq: 13, hash: seed.hash });
    await model.refresh();
    expect(paged.catalog()).toEqual(model.catalog());
  });

  it('stops quietly at a gap and continues once the missing row is there', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    const entry = line('beta', '1.0.0');
    // Build lines 2 and 3 but insert 3 first, as if 2 were not committed yet.
    const shadow = new FeedSeed(db);
    shadow.seq = seed.seq;
    shadow.hash = seed.hash;
    const rows: [number, Buffer, string][] = [];
    shadow.insertRow = async (seq, bytes, hash) => {
      rows.push([seq, bytes, hash]);
    };
    await shadow.index('publish', 'beta', '1.0.0', entry);
    await shadow.index('yank', 'beta', '1.0.0', { ...entry, yanked: true });
    await seed.skill('beta');
    const [second, third] = rows as [[number, Buffer, string], [number, Buffer, string]];
    await seed.insertRow(...third, 'beta', '1.0.0', 'yank');
    await model.refresh();
    expect(model.seq).toBe(1);
    await seed.insertRow(...second, 'beta', '1.0.0', 'publish');
    await model.refresh();
    expect(model).toMatchObject({ seq: 3, hash: shadow.hash, brokenAt: null });
    expect(model.skill('beta')!.latest).toMatchObject({ yanked: true });
  });

  it('reloads in full when the feed table no longer holds the line it stopped at', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    await seed.publish(line('beta', '1.0.0'));
    await model.refresh();
    // A restored database: line 2 is another line now, and more follow it.
    await db.query('DELETE FROM feed WHERE seq = 2');
    seed.seq = 1;
    seed.hash = (await db.query<{ hash: string }>('SELECT hash FROM feed WHERE seq = 1')).rows[0]!.hash;
    seed.state.delete('beta');
    await seed.publish(line('gamma', '1.0.0'));
    await seed.publish(line('delta', '1.0.0'));
    await model.refresh();
    expect(log.messages).toContain(
      'the feed table no longer holds the line the read model stopped at; reloading',
    );
    expect(model).toMatchObject({ seq: 3, hash: seed.hash, brokenAt: null });
    expect(model.names()).toEqual(['alpha', 'delta', 'gamma']);
  });

  it('reloads in full on a new epoch', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    await model.refresh();
    await seed.newEpoch('e2');
    await seed.index('publish', 'alpha', '1.0.0', seed.state.get('alpha')?.[0] ?? line('alpha', '1.0.0'));
    await model.refresh();
    expect(model).toMatchObject({ epoch: 'e2', seq: 1, hash: seed.hash });
  });

  it('stops before a line that breaks the chain, reloads once, and reports where', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    await model.refresh();
    // Line 2 claims to follow another line 1.
    const entry = line('beta', '1.0.0');
    const wrong = serializeFeedLine({
      seq: 2,
      op: 'publish',
      name: 'beta',
      version: '1.0.0',
      entry,
      latest: entry,
      file: sha256(renderShardFile([entry])),
      prev: 'f'.repeat(64),
    });
    await seed.insertRow(2, wrong, 'e'.repeat(64), 'beta', '1.0.0', 'publish');
    await model.refresh();
    expect(log.messages).toContain('the feed breaks after the read model; reloading');
    expect(model).toMatchObject({ seq: 1, brokenAt: 2 });
    expect(model.skill('beta')).toBeUndefined();

    const loads = log.messages.filter((m) => m.startsWith('read model loaded')).length;
    await model.refresh();
    expect(log.messages.filter((m) => m.startsWith('read model loaded'))).toHaveLength(loads);
    expect(model).toMatchObject({ seq: 1, brokenAt: 2 });
  });

  it('refuses a row whose stored hash is not the hash of its bytes', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    await db.query('UPDATE feed SET hash = $1 WHERE seq = 1', ['0'.repeat(63) + '1']);
    await model.refresh();
    expect(model).toMatchObject({ seq: 0, brokenAt: 1 });
    expect(log.messages).toContain('the feed table is broken here; the read model stops before this line');
  });

  it('refuses a line that does not apply to the skill (a yank of an unknown version)', async () => {
    await seed.skill('alpha');
    const entry = line('alpha', '1.0.0', { yanked: true });
    const bytes = serializeFeedLine({
      seq: 1,
      op: 'yank',
      name: 'alpha',
      version: '1.0.0',
      entry,
      latest: entry,
      file: sha256(renderShardFile([entry])),
      prev: seed.hash,
    });
    await seed.insertRow(
      1,
      bytes,
      createHash('sha256').update(`${seed.hash}\n`).update(bytes).digest('hex'),
      'alpha',
      '1.0.0',
      'yank',
    );
    await model.refresh();
    expect(model).toMatchObject({ seq: 0, brokenAt: 1 });
  });

  it('shares one refresh between concurrent callers and runs one more pass for late ones', async () => {
    await seed.publish(line('alpha', '1.0.0'));
    const first = model.refresh();
    const second = model.refresh();
    await Promise.all([first, second]);
    expect(model.seq).toBe(1);
    await model.idle();
  });

  it('wakes on NOTIFY feed', async () => {
    const ctx = { db, logger: log.logger } as unknown as RegistryContext;
    running = await startReadModel(ctx, { pollMs: 3_600_000 });
    expect(running.model.seq).toBe(0);
    await seed.publish(line('alpha', '1.0.0'));
    await seed.notify();
    await eventually(() => running!.model.seq === 1);
  });

  it('polls for rows nobody announced', async () => {
    const ctx = { db, logger: log.logger } as unknown as RegistryContext;
    running = await startReadModel(ctx, { pollMs: 30 });
    await seed.publish(line('alpha', '1.0.0'));
    await eventually(() => running!.model.seq === 1);
  });

  it('polls alone when LISTEN fails, and logs a failed refresh without stopping', async () => {
    const failing = Object.create(db) as Database;
    failing.listen = () => Promise.reject(new Error('no LISTEN here'));
    const ctx = { db: failing, logger: log.logger } as unknown as RegistryContext;
    running = await startReadModel(ctx, { pollMs: 30 });
    expect(log.messages).toContain('LISTEN feed failed; the read model refreshes by polling only');
    await seed.publish(line('alpha', '1.0.0'));
    await eventually(() => running!.model.seq === 1);

    const query = failing.query.bind(failing);
    failing.query = () => Promise.reject(new Error('the database went away'));
    await eventually(() => log.messages.some((m) => m.startsWith('the read model could not refresh')));
    failing.query = query;
    await seed.publish(line('beta', '1.0.0'));
    await eventually(() => running!.model.seq === 2);
  });
});
