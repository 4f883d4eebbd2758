import { createServer, type IncomingMessage } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { segmentPath, serializeIndexConfig, parseIndexConfig, type FeedHead } from '@skills/schema';
import { onlyJson, run, tempDir } from './helpers.js';
import { filesUnder, IndexBuild, Site, testKey, type TestKey } from './index-fixture.js';

const KEY: Promise<TestKey> = testKey();
const OTHER_KEY: Promise<TestKey> = testKey('someone else');

/** A skills home with the fixture registry added as "main". */
async function client(site: Site) {
  const root = await tempDir();
  const home = path.join(root, '.skills');
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: home };
  const skills = (...argv: string[]) => run(argv, { cwd: root, env });
  const added = await skills('registry', 'add', 'main', site.url, '--json');
  expect(added.code, added.stdout).toBe(0);
  return {
    root,
    home,
    env,
    skills,
    /** Every file under state/: what a refused sync must leave exactly as it was. */
    state: () => filesUnder(path.join(home, 'state')),
    json: async (...argv: string[]) => {
      const result = await skills(...argv, '--json');
      return { ...result, body: onlyJson(result.stdout) };
    },
  };
}

async function signedSite(options: { ranges?: boolean } = {}) {
  const key = await KEY;
  const site = await Site.start(options);
  const build = await IndexBuild.create(site, { key });
  return { key, site, build };
}

function names(body: Record<string, unknown>): string[] {
  return (body['results'] as Array<{ name: string }>).map((result) => result.name);
}

describe('skills sync', () => {
  it('reads the feed incrementally with exact ranges and one request when nothing changed', async () => {
    const { site, build } = await signedSite();
    await build.publish('pdf-reader', 'pdf-writer', 'csv-tools').commit();
    await site.serve(build);
    const { json } = await client(site);
    const first = await json('sync');
    expect(first.body).toMatchObject({
      registries: [{ name: 'main', status: 'updated', seq: 3, lines: 3, skills: 3 }],
    });

    await build.publish('pdf-reader@1.1.0', 'json-tools').commit();
    await site.serve(build);
    site.server.requests.length = 0;
    const second = await json('sync');
    expect(second.body).toMatchObject({ registries: [{ status: 'updated', seq: 5, lines: 2 }] });
    const ranged = site.server.requests.filter((req) => req.url?.includes('/feed/e1/'));
    expect(ranged.map((req) => [req.headers.range, req.headers['accept-encoding']])).toEqual([
      [`bytes=${(await firstHead(build, 3)).offset}-${(await build.head()).offset - 1}`, 'identity'],
    ]);

    site.server.requests.length = 0;
    const third = await json('sync');
    expect(third.body).toMatchObject({ registries: [{ status: 'unchanged', seq: 5 }] });
    expect(site.server.requests.map((req) => req.url)).toEqual(['/index/feed/head.json']);
    expect(site.server.requests[0]!.headers['if-none-match']).toMatch(/^"/);
    expect(names((await json('search', 'pdf')).body)).toEqual(['pdf-reader', 'pdf-writer']);
  });

  it('works against a static host that ignores Range, dropping what it did not ask for', async () => {
    const { site, build } = await signedSite({ ranges: false });
    await build.publish('alpha-one', 'beta-two').commit();
    await site.serve(build);
    const { json } = await client(site);
    expect((await json('sync')).body).toMatchObject({ ok: true, registries: [{ seq: 2 }] });
    await build.publish('gamma-three').commit();
    await site.serve(build);
    expect((await json('sync')).body).toMatchObject({ ok: true, registries: [{ seq: 3, lines: 1 }] });
    expect(names((await json('search', 'gamma')).body)).toEqual(['gamma-three']);
  });

  it('bootstraps a new client from the snapshot and continues the feed after it', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill', 'two-skill', 'three-skill').commit();
    await build.snapshot();
    await build.publish('four-skill').commit();
    await site.serve(build);
    const { json } = await client(site);
    site.server.requests.length = 0;
    const synced = await json('sync');
    expect(synced.body).toMatchObject({
      registries: [{ status: 'updated', seq: 4, lines: 1, from_snapshot: true, skills: 4 }],
    });
    expect(site.server.requests.some((req) => req.url?.includes('/snapshots/e1/3-'))).toBe(true);
    expect(names((await json('search', 'skill', '--limit', '10')).body).sort()).toEqual([
      'four-skill',
      'one-skill',
      'three-skill',
      'two-skill',
    ]);
  });

  it('asks for the snapshot before the head is checked, and keeps nothing of it when the check fails', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill', 'two-skill').commit();
    await build.snapshot();
    await site.serve(build);
    await site.writeHead(await site.head(), await OTHER_KEY);
    const { json, state } = await client(site);
    const before = await state();
    site.server.requests.length = 0;
    const refused = await json('sync');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'HEAD_SIGNATURE_INVALID' } });
    // The snapshot was fetched while the signature was being checked …
    expect(site.server.requests.some((req) => req.url?.includes('/snapshots/e1/2-'))).toBe(true);
    // … and nothing of it was kept: state/ (the catalog and the sync position) is as it was.
    expect(await state()).toEqual(before);
  });

  it('refuses a snapshot that does not match its head, changing nothing', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await build.snapshot();
    await site.serve(build);
    const head = await site.head();
    const forged = Buffer.from(await site.read(head.snapshot!.path));
    forged[forged.length - 9]! ^= 1; // the gzip CRC: same size, another sha256
    await site.write(head.snapshot!.path, forged);
    const { json, state } = await client(site);
    const before = await state();
    const refused = await json('sync');
    expect(refused.code).toBe(1);
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'SNAPSHOT_INVALID' } });
    expect(await state()).toEqual(before);
  });

  it('refuses a snapshot longer than its head says, and waits when it is not served', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await build.snapshot();
    await site.serve(build);
    const head = await site.head();
    const { json, state } = await client(site);
    const before = await state();
    await site.write(
      head.snapshot!.path,
      Buffer.concat([await site.read(head.snapshot!.path), Buffer.alloc(10)]),
    );
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'SNAPSHOT_INVALID' } });
    await site.remove(head.snapshot!.path);
    site.server.requests.length = 0;
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'FEED_STALE' } });
    // A missing snapshot means head.json moved on: it was read again, once.
    expect(site.server.requests.filter((req) => req.url === '/index/feed/head.json')).toHaveLength(2);
    expect(await state()).toEqual(before);
  });

  it('refuses a snapshot whose chain hash does not lead to the next feed line', async () => {
    const { key, site, build } = await signedSite();
    await build.publish('one-skill', 'two-skill').commit();
    await build.snapshot();
    await build.publish('three-skill').commit();
    await site.serve(build);
    const head = await site.head();
    await site.writeHead({ ...head, snapshot: { ...head.snapshot!, hash: 'f'.repeat(64) } }, key);
    const { json, state } = await client(site);
    const before = await state();
    const refused = await json('sync');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'FEED_CHAIN_BROKEN' } });
    expect(await state()).toEqual(before);
  });

  it('keeps the local copy and warns when the registry serves an older head (a rollback)', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill', 'two-skill').commit();
    await site.serve(build);
    const older = await site.head();
    const olderSig = await site.read('feed/head.json.asc');
    await build.publish('three-skill').commit();
    await site.serve(build);
    const { json, state } = await client(site);
    expect((await json('sync')).body).toMatchObject({ registries: [{ seq: 3 }] });
    const before = await state();
    await site.write('feed/head.json', (await import('@skills/schema')).serializeFeedHead(older));
    await site.write('feed/head.json.asc', olderSig);
    site.server.requests.length = 0;
    const behind = await json('sync');
    expect(behind.code).toBe(0);
    expect(behind.body).toMatchObject({
      ok: true,
      registries: [{ status: 'behind', seq: 3 }],
      warnings: [{ code: 'FEED_BEHIND' }],
    });
    // It asked once more past caches before settling for the old copy.
    const heads = site.server.requests.filter((req) => req.url === '/index/feed/head.json');
    expect(heads.map((req) => req.headers['cache-control'] ?? null)).toEqual([null, 'no-cache']);
    expect(await state()).toEqual(before);
  });

  it('fails FEED_CHAIN_BROKEN when a past line was edited and the chain rewritten after it', async () => {
    const key = await KEY;
    const site = await Site.start();
    const honest = await IndexBuild.create(site, { key });
    await honest.publish('one-skill', 'two-skill', 'three-skill').commit();
    await site.serve(honest);
    const { json, state } = await client(site);
    expect((await json('sync')).body).toMatchObject({ registries: [{ seq: 3 }] });
    const before = await state();

    // The same registry, signing with its own key, but line 2 now says something else.
    const rewritten = await IndexBuild.create(site, { key });
    rewritten.publish('one-skill');
    rewritten.add({ op: 'publish', name: 'two-skill', version: '1.0.0', line: { description: 'Edited.' } });
    await rewritten.publish('three-skill', 'four-skill').commit();
    await site.serve(rewritten);
    const refused = await json('sync');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'FEED_CHAIN_BROKEN' } });
    // Line 2 is longer now, so where line 4 used to start is the middle of a line.
    expect((refused.body['error'] as { message: string }).message).toMatch(/^feed line 4 /);
    expect(await state()).toEqual(before);
  });

  it('fails FEED_FORK when the head has the synced seq with another hash', async () => {
    const key = await KEY;
    const site = await Site.start();
    const honest = await IndexBuild.create(site, { key });
    await honest.publish('one-skill', 'two-skill').commit();
    await site.serve(honest);
    const { json, state } = await client(site);
    await json('sync');
    const before = await state();
    const forked = await IndexBuild.create(site, { key });
    await forked.publish('one-skill', 'other-skill').commit();
    await site.serve(forked);
    const refused = await json('sync');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'FEED_FORK' } });
    expect(await state()).toEqual(before);
  });

  it('refuses a head signed by another key, an unsigned head, an expired head, and a changed key', async () => {
    const { key, site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await site.serve(build);
    const { json, state } = await client(site);
    expect((await json('sync')).body).toMatchObject({ ok: true });
    await build.publish('two-skill').commit();
    await site.serve(build);
    const head: FeedHead = await site.head();
    const before = await state();
    const other = await OTHER_KEY;

    await site.writeHead(head, other);
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'HEAD_SIGNATURE_INVALID' } });
    await site.writeHead(head, null);
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'HEAD_SIGNATURE_INVALID' } });
    await site.writeHead({ ...head, expires: '2026-01-02T00:00:00Z' }, key);
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'FEED_HEAD_EXPIRED' } });

    await site.writeHead(head, other);
    const config = parseIndexConfig(await site.read('config.json'));
    await site.write('config.json', serializeIndexConfig({ ...config, signing_key: other.fingerprint }));
    await site.write(`keys/${other.fingerprint}.asc`, other.publicArmored);
    const changed = await json('sync');
    expect(changed.body).toMatchObject({ ok: false, error: { code: 'REGISTRY_KEY_CHANGED' } });
    expect(await state()).toEqual(before);

    await site.serve(build);
    expect((await json('sync')).body).toMatchObject({ ok: true, registries: [{ seq: 2 }] });
  });

  it('asks a stale cache again with no-cache, and otherwise fails FEED_STALE ("try later")', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill', 'two-skill').commit();
    await site.serve(build);
    const segment = segmentPath('e1', 0);
    const cache = await staleCache(site);
    const { json, state } = await client(cache.site);
    expect((await json('sync')).body).toMatchObject({ ok: true });
    await build.publish('three-skill', 'four-skill').commit();
    await site.serve(build);

    // The cache holds the old segment: fewer bytes than head.json promises.
    cache.stale.set(`/index/${segment}`, { bytes: (await build.head()).offset - 50, fixedByNoCache: true });
    cache.requests.length = 0;
    const retried = await json('sync');
    expect(retried.body).toMatchObject({ ok: true, registries: [{ seq: 4 }] });
    expect(
      cache.requests
        .filter((req) => req.url === `/index/${segment}`)
        .map((req) => req.headers['cache-control'] ?? null),
    ).toEqual([null, 'no-cache']);

    await build.publish('five-skill').commit();
    await site.serve(build);
    cache.stale.set(`/index/${segment}`, { bytes: (await build.head()).offset - 10, fixedByNoCache: false });
    const before = await state();
    const stale = await json('sync');
    expect(stale.body).toMatchObject({ ok: false, error: { code: 'FEED_STALE' } });
    expect((stale.body['error'] as { hint: string }).hint).toMatch(/try `skills sync` again later/);
    expect(await state()).toEqual(before);
  });

  it('gets past a cache serving an old head.json by asking again with no-cache', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await site.serve(build);
    const cache = await staleCache(site);
    const { json } = await client(cache.site);
    expect((await json('sync')).body).toMatchObject({ registries: [{ seq: 1 }] });
    const oldHead = await site.read('feed/head.json');
    const oldSignature = await site.read('feed/head.json.asc');
    await build.publish('two-skill', 'three-skill').commit();
    await site.serve(build);
    expect((await json('sync')).body).toMatchObject({ registries: [{ seq: 3 }] });
    // Now the cache goes back to the head of seq 1 (and its signature) until asked past it.
    cache.stale.set('/index/feed/head.json', { bytes: oldHead, fixedByNoCache: true });
    cache.stale.set('/index/feed/head.json.asc', { bytes: oldSignature, fixedByNoCache: true });
    await build.publish('four-skill').commit();
    await site.serve(build);
    const synced = await json('sync');
    expect(synced.body).toMatchObject({
      ok: true,
      registries: [{ status: 'updated', seq: 4 }],
      warnings: [],
    });
    // Only the signature is old: the pair does not verify until both are asked past the cache.
    cache.stale.delete('/index/feed/head.json');
    await build.publish('five-skill').commit();
    await site.serve(build);
    expect((await json('sync')).body).toMatchObject({ ok: true, registries: [{ seq: 5 }] });
    cache.stale.set('/index/feed/head.json.asc', { bytes: oldSignature, fixedByNoCache: false });
    await build.publish('six-skill').commit();
    await site.serve(build);
    expect((await json('sync')).body).toMatchObject({ ok: false, error: { code: 'HEAD_SIGNATURE_INVALID' } });
  });

  it('stops with FEED_RESET at a new epoch until --accept-reset, then starts from its snapshot', async () => {
    const key = await KEY;
    const site = await Site.start();
    const old = await IndexBuild.create(site, { key, epoch: 'e1' });
    await old.publish('one-skill', 'two-skill').commit();
    await site.serve(old);
    const { json, state } = await client(site);
    await json('sync');
    const before = await state();

    const { newEpoch } = await import('@skills/index-builder');
    const fresh = await IndexBuild.create(site, { key, epoch: newEpoch() });
    await fresh.publish('two-skill', 'three-skill').commit();
    await fresh.snapshot();
    await site.serve(fresh);
    const reset = await json('sync');
    expect(reset.body).toMatchObject({ ok: false, error: { code: 'FEED_RESET' } });
    expect((reset.body['error'] as { hint: string }).hint).toContain('skills sync --accept-reset main');
    expect(await state()).toEqual(before);
    expect(names((await json('search', 'skill')).body)).toEqual(['one-skill', 'two-skill']);

    const accepted = await json('sync', '--accept-reset', 'main');
    expect(accepted.body).toMatchObject({
      ok: true,
      registries: [{ status: 'updated', epoch: fresh.epoch, seq: 2, from_snapshot: true }],
    });
    expect(names((await json('search', 'skill')).body)).toEqual(['three-skill', 'two-skill']);
    expect((await json('sync')).body).toMatchObject({ registries: [{ status: 'unchanged' }] });
    expect((await json('sync', '--accept-reset', 'nope')).body).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_UNKNOWN' },
    });
  });

  it('--reset forgets the synced state and the pin, pins the key named now, and syncs again', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await site.serve(build);
    const { json, home } = await client(site);
    await json('sync');
    const other = await OTHER_KEY;
    const rekeyed = await IndexBuild.create(site, { key: other, epoch: 'e2' });
    await rekeyed.publish('new-skill').commit();
    await site.serve(rekeyed);
    expect((await json('sync')).body).toMatchObject({ error: { code: 'REGISTRY_KEY_CHANGED' } });
    const reset = await json('sync', '--reset');
    expect(reset.body).toMatchObject({ ok: true, registries: [{ epoch: 'e2', seq: 1 }] });
    expect(reset.stderr).toBe('');
    const pins = await filesUnder(path.join(home, 'state'));
    const pin = Object.entries(pins).find(([file]) => file.endsWith('pin.json'))!;
    expect(JSON.parse(Buffer.from(pin[1], 'base64').toString())).toMatchObject({
      signingKey: other.fingerprint,
    });
  });

  it('syncs every registry with --all and reports the ones that fail', async () => {
    const { site, build } = await signedSite();
    await build.publish('one-skill').commit();
    await site.serve(build);
    const { json, skills } = await client(site);
    const second = await Site.start();
    const other = await IndexBuild.create(second, { key: null });
    await other.publish('other-skill').commit();
    await second.serve(other);
    expect((await skills('registry', 'add', 'second', second.url)).code).toBe(0);
    const all = await json('sync', '--all');
    expect(all.body).toMatchObject({
      ok: true,
      registries: [{ name: 'main' }, { name: 'second' }],
      warnings: [{ code: 'REGISTRY_UNSIGNED' }],
    });
    await second.server.close();
    const failed = await json('sync', '--all');
    expect(failed.code).toBe(1);
    expect(failed.body).toMatchObject({ ok: false, error: { code: 'REGISTRY_UNREACHABLE' } });
    expect((failed.body['error'] as { message: string }).message).toMatch(
      /^1 of 2 registries did not sync \(second\)/,
    );
    expect((await json('sync', '--all', '--registry', 'main')).code).toBe(2);
  });
});

/** The head a build had at `seq`, recomputed from its segment (for the expected Range). */
async function firstHead(build: IndexBuild, seq: number): Promise<{ offset: number }> {
  const bytes = await readFile(path.join(build.dir, segmentPath(build.epoch, 0)));
  let offset = 0;
  for (let i = 0; i < seq; i++) offset = bytes.indexOf(0x0a, offset) + 1;
  return { offset };
}

/**
 * A caching proxy in front of a site: for the paths in `stale`, it serves only the first `bytes`
 * bytes of the file (an old copy), unless `fixedByNoCache` and the request says no-cache.
 */
async function staleCache(origin: Site) {
  const stale = new Map<string, { bytes: number | Buffer; fixedByNoCache: boolean }>();
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let bytes: Buffer;
      try {
        bytes = await readFile(
          path.join(origin.root, ...decodeURIComponent(url.pathname).split('/').filter(Boolean)),
        );
      } catch {
        return void res.writeHead(404).end();
      }
      const old = stale.get(url.pathname);
      if (old && !(old.fixedByNoCache && req.headers['cache-control'] === 'no-cache')) {
        bytes = typeof old.bytes === 'number' ? bytes.subarray(0, old.bytes) : old.bytes;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
        if (start >= bytes.length) return void res.writeHead(416).end();
        res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}` });
        return void res.end(bytes.subarray(start, end + 1));
      }
      res.writeHead(200).end(bytes);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  // The cache answers for the origin: config.json names the origin's URL, which does not matter
  // to sync (it reads from where the registry was added).
  const site = Object.create(origin) as Site;
  Object.defineProperty(site, 'url', { value: `http://127.0.0.1:${port}/index/` });
  return { site, stale, requests };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
