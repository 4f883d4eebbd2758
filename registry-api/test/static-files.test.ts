import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFeedHead, serializeFeedHead } from '@skills/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf, indexCacheControl, servableSegments, staticRoutes } from '../src/static/index.js';
import { ensureIndex, maybeWriteSnapshot, runBatch } from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { publisherTestKey, Seed, testSigner } from './worker-support.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, no-cache';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A request sent with its path exactly as written (fetch would normalise `..` away). */
function rawRequest(
  url: string,
  rawPath: string,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(testDatabases)('static serving on $kind', (database) => {
  let registry: TestRegistry;
  let seed: Seed;
  let epoch: string;
  beforeAll(async () => {
    registry = await startRegistry(database, { routers: (ctx) => [staticRoutes(ctx)] });
    const signer = await testSigner();
    ({ epoch } = await ensureIndex(registry.ctx, { signer, publicUrl: registry.url }));
    seed = new Seed(registry.ctx, await publisherTestKey());
    await seed.publish('code-review', '1.0.0');
    await seed.publish('git', '1.0.0');
    await runBatch(registry.ctx, { signer });
    await maybeWriteSnapshot(registry.ctx, { signer });
  });
  afterAll(async () => {
    await registry.close();
  });

  const get = (file: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${registry.url}${file}`, { headers, method });

  it('serves index files with a strong content ETag, Last-Modified and no content coding', async () => {
    const bytes = await seed.indexFile('config.json');
    const res = await get('/index/config.json', { 'accept-encoding': 'gzip, br' });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    expect(res.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));

    const head = await get('/index/config.json', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(res.headers.get('etag'));
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to If-None-Match and If-Modified-Since, and 200 when they do not match', async () => {
    const first = await get('/index/feed/head.json');
    const etag = first.headers.get('etag')!;
    expect((await get('/index/feed/head.json', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/index/feed/head.json', { 'if-none-match': `"nope", W/${etag}` })).status).toBe(304);
    expect((await get('/index/feed/head.json', { 'if-none-match': '*' })).status).toBe(304);
    const notModified = await get('/index/feed/head.json', { 'if-none-match': etag });
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(notModified.headers.get('cache-control')).toBe(REVALIDATE);
    expect((await get('/index/feed/head.json', { 'if-none-match': '"other"' })).status).toBe(200);
    const lastModified = first.headers.get('last-modified')!;
    expect((await get('/index/feed/head.json', { 'if-modified-since': lastModified })).status).toBe(304);
    expect(
      (await get('/index/feed/head.json', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status,
    ).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    expect(
      (await get('/index/feed/head.json', { 'if-none-match': '"other"', 'if-modified-since': lastModified }))
        .status,
    ).toBe(200);
  });

  it('answers single byte ranges with 206 and Content-Range, and 416 beyond the end', async () => {
    const file = `/index/feed/${epoch}/00000000.ndjson`;
    const bytes = await seed.indexFile(file.slice('/index/'.length));
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=10-', 10, bytes.length - 1],
      ['bytes=-5', bytes.length - 5, bytes.length - 1],
      [`bytes=5-${bytes.length + 100}`, 5, bytes.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(file, { range, 'accept-encoding': 'gzip' });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
    }
    const beyond = await get(file, { range: `bytes=${bytes.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await beyond.json()) as object).toMatchObject({ code: 'range_not_satisfiable' });
    expect((await get(file, { range: 'bytes=-0' })).status).toBe(416);
    // Ranges this server does not do are ignored: the whole file.
    for (const range of ['bytes=0-1,4-5', 'items=0-1', 'bytes=9-2', 'bytes=-']) {
      const res = await get(file, { range });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(bytes.length);
    }
    // If-Range: the range holds only while the validator does.
    const etag = (await get(file)).headers.get('etag')!;
    expect((await get(file, { range: 'bytes=0-0', 'if-range': etag })).status).toBe(206);
    expect((await get(file, { range: 'bytes=0-0', 'if-range': '"old"' })).status).toBe(200);
    const lastModified = (await get(file)).headers.get('last-modified')!;
    expect((await get(file, { range: 'bytes=0-0', 'if-range': lastModified })).status).toBe(206);
  });

  it('sets Cache-Control by file kind', async () => {
    const head = parseFeedHead(await seed.indexFile('feed/head.json'));
    const expected: [string, string][] = [
      ['/index/feed/head.json', REVALIDATE],
      ['/index/feed/head.json.asc', REVALIDATE],
      ['/index/config.json', REVALIDATE],
      [`/index/feed/${epoch}/00000000.ndjson`, REVALIDATE], // the head's segment
      ['/index/co/de/code-review', REVALIDATE],
      ['/index/3/g/git', REVALIDATE],
      [`/index/${head.snapshot!.path}`, IMMUTABLE],
      [`/index/keys/${seed.key.fingerprint}.asc`, 'public, max-age=300'],
      ['/dl/co/de/code-review/code-review-1.0.0.tgz', IMMUTABLE],
      ['/dl/co/de/code-review/code-review-1.0.0.tgz.asc', IMMUTABLE],
    ];
    for (const [file, cacheControl] of expected) {
      const res = await get(file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cache-control'), file).toBe(cacheControl);
    }
    const tarball = await get('/dl/co/de/code-review/code-review-1.0.0.tgz');
    expect(Buffer.from(await tarball.arrayBuffer())).toEqual(seed.tarballs.get('code-review@1.0.0'));
    expect(tarball.headers.get('content-type')).toBe('application/gzip');
    expect(tarball.headers.get('content-encoding')).toBeNull();
    expect((await get('/index/co/de/code-review')).headers.get('content-type')).toBe('application/x-ndjson');
  });

  it('never leaves its trees: traversal, dotfiles, directories and odd bytes are refused', async () => {
    const secret = path.join(registry.ctx.config.dataDir, 'jwt-secret');
    await writeFile(secret, 'secret\n');
    await symlink(registry.ctx.config.dataDir, path.join(registry.ctx.paths.index, 'escape'));
    const refused = [
      '/index/../jwt-secret',
      '/index/%2e%2e/jwt-secret',
      '/index/%2E%2E/%2e%2e/etc/passwd',
      '/index/..%2fjwt-secret',
      '/index/feed/..%2f..%2fjwt-secret',
      '/index/feed%2f..%2f..%2fjwt-secret',
      '/index/..\\jwt-secret',
      '/index/%5c..%5cjwt-secret',
      '/index/config.json%00',
      '/index/config.json%00.png',
      '/index/%ZZ',
      '/index/.git/config',
      '/index/.git/HEAD',
      '/index/%2egit/config',
      '/index/.gitattributes',
      '/index/',
      '/index',
      '/index/feed',
      '/index/feed/',
      '/index//config.json',
      '/index/./config.json',
      '/index/escape/jwt-secret',
      '/dl/../blobs/sha256',
      '/dl/%2e%2e/jwt-secret',
      '/dl/co',
      '/dl/co/de/code-review/.tmp-0123abcd',
      '/index/feed/head.json.tmp-0123abcdef',
    ];
    for (const rawPath of refused) {
      const res = await rawRequest(registry.url, rawPath);
      expect([400, 404], rawPath).toContain(res.status);
      expect(res.body.toString(), rawPath).not.toContain('secret\n');
    }
    const post = await rawRequest(registry.url, '/index/config.json', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    await rm(path.join(registry.ctx.paths.index, 'escape'));
  });
});

describe('static file rules', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'skills-static-'));
    await mkdir(path.join(root, 'feed'), { recursive: true });
    const head = {
      format: 1 as const,
      epoch: 'e2',
      seq: 2500,
      segment: 2,
      offset: 600,
      hash: 'a'.repeat(64),
      snapshot: null,
      time: '2026-01-01T00:00:00Z',
      expires: null,
    };
    await writeFile(path.join(root, 'feed/head.json'), serializeFeedHead(head));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('caches feed segments for ever once complete: below head.segment, or of an older epoch', async () => {
    const control = (file: string) => indexCacheControl(root, file.split('/'));
    expect(await control('feed/e2/00000000.ndjson')).toBe(IMMUTABLE);
    expect(await control('feed/e2/00000001.ndjson')).toBe(IMMUTABLE);
    expect(await control('feed/e2/00000002.ndjson')).toBe(REVALIDATE);
    expect(await control('feed/e2/00000003.ndjson')).toBe(REVALIDATE);
    expect(await control('feed/e1/00000009.ndjson')).toBe(IMMUTABLE);
    expect(await control('feed/e2/notes.txt')).toBe(REVALIDATE);
    expect(await indexCacheControl(path.join(root, 'missing'), ['feed', 'e2', '00000000.ndjson'])).toBe(
      REVALIDATE,
    );
    expect(await readFile(path.join(root, 'feed/head.json'), 'utf8')).toContain('"segment":2');
  });

  it('accepts plain names only', () => {
    expect(servableSegments('/co/de/code-review')).toEqual(['co', 'de', 'code-review']);
    expect(servableSegments('/li/nt/lint/lint-1.0.0-rc.1.tgz.asc')).toEqual([
      'li',
      'nt',
      'lint',
      'lint-1.0.0-rc.1.tgz.asc',
    ]);
    for (const bad of [
      '',
      'x',
      '/',
      '/a//b',
      '/.x',
      '/a/..',
      '/%2e',
      '/a%2fb',
      '/a%5cb',
      '/a%00',
      '/a b',
      '/%E0%A4%A',
    ]) {
      expect(servableSegments(bad), bad).toBeNull();
    }
    expect(servableSegments(`/${'a'.repeat(256)}`)).toBeNull();
  });

  it('names content types by file kind', () => {
    expect(contentTypeOf('keys/ABC.asc')).toBe('application/pgp-keys');
    expect(contentTypeOf('co/de/x/x-1.0.0.tgz.asc')).toBe('application/pgp-signature');
    expect(contentTypeOf('snapshots/e/1-aa.ndjson.gz')).toBe('application/gzip');
    expect(contentTypeOf('README.md')).toBe('text/markdown; charset=utf-8');
    expect(contentTypeOf('feed/x.bin')).toBe('application/octet-stream');
  });
});
