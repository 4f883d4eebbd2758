import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@skills/schema/archive';
import {
  gz,
  REQUIRED,
  tarEntry,
  tarHeader,
  tarOf,
  type RawEntry,
} from '../../schema/test/archive/helpers.js';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  countRows,
  publish,
  signTarball,
  startPublishRegistry,
  storedState,
  type Publisher,
  type RowCounts,
} from './publish-helpers.js';

const KIB = 1024;
/** Small limits so every cap is cheap to reach. */
const LIMITS = { ...DEFAULT_LIMITS, compressedBytes: 64 * KIB, unpackedBytes: 256 * KIB, entries: 40 };

const withRequired = (...entries: RawEntry[]) => gz(tarOf([...REQUIRED, ...entries]));
const gzipped = withRequired({ path: 'docs/a.md', content: 'x' });

/** One hostile archive per refusal class of DESIGN §3 that can reach the archive reader. */
const HOSTILE: [string, Buffer][] = [
  ['archive_unpacked_too_large', gz(tarOf(REQUIRED, Buffer.alloc(300 * KIB)))],
  [
    'archive_too_many_entries',
    withRequired(...Array.from({ length: 40 }, (_, i) => ({ path: `docs/f${i}.md`, content: 'x' }))),
  ],
  ['archive_path_too_long', withRequired({ prefix: 'd'.repeat(155), path: 'f'.repeat(100), content: 'x' })],
  [
    'archive_path_too_deep',
    withRequired({ path: Array.from({ length: 17 }, () => 'a').join('/'), content: 'x' }),
  ],
  ['archive_path_absolute', withRequired({ path: '/etc/evil', content: 'x' })],
  ['archive_path_traversal', withRequired({ path: '../evil.md', content: 'pwned' })],
  ['archive_path_backslash', withRequired({ path: '..\\..\\evil', content: 'x' })],
  ['archive_path_characters', withRequired({ path: 'docs/a\x01.md', content: 'x' })],
  ['archive_path_reserved', withRequired({ path: 'docs/nul', content: 'x' })],
  [
    'archive_path_duplicate',
    withRequired({ path: 'docs/README.md', content: '1' }, { path: 'docs/readme.md', content: '2' }),
  ],
  ['archive_path_duplicate', withRequired({ path: 'skill.md', content: 'shadow' })],
  [
    'archive_path_conflict',
    withRequired({ path: 'docs', content: 'a file' }, { path: 'docs/a.md', content: 'x' }),
  ],
  ['archive_link', withRequired({ path: 'docs/link', type: '2', linkname: '/etc/passwd' })],
  ['archive_link', withRequired({ path: 'docs/link', type: '1', linkname: 'SKILL.md' })],
  ['archive_entry_type', withRequired({ path: 'docs/dev', type: '3' })],
  ['archive_entry_type', withRequired({ path: 'docs/fifo', type: '6' })],
  [
    'archive_pax_header',
    withRequired(
      { path: 'PaxHeader/a', type: 'x', content: 'path=docs/a.md\n' },
      { path: 'docs/a.md', content: 'x' },
    ),
  ],
  ['archive_pax_header', withRequired({ path: 'pax_global_header', type: 'g', content: '52 comment=abc\n' })],
  ['archive_not_gzip', tarOf(REQUIRED)],
  ['archive_gzip_truncated', gzipped.subarray(0, gzipped.length - 12)],
  ['archive_gzip_concatenated', Buffer.concat([gzipped, gzipped])],
  ['archive_trailing_garbage', Buffer.concat([gzipped, Buffer.from('garbage')])],
  [
    'archive_trailing_garbage',
    gz(Buffer.concat([tarOf(REQUIRED), tarEntry({ path: 'smuggled.md', content: 'x' })])),
  ],
  ['archive_corrupt', withRequired({ path: 'docs/a.md', content: 'x', checksum: 1234 })],
  [
    'archive_corrupt',
    gz(Buffer.concat([...REQUIRED.map(tarEntry), tarHeader({ path: 'a.md', size: 4096 })])),
  ],
  ['archive_missing_file', gz(tarOf([REQUIRED[1]!, { path: 'docs/SKILL.md', content: 'x' }]))],
];

describe.each(testDatabases)('hostile uploads on $kind', (database) => {
  let registry: TestRegistry;
  let ada: Publisher;
  let before: RowCounts;

  beforeAll(async () => {
    registry = await startPublishRegistry(database, { archiveLimits: LIMITS });
    ada = await addPublisher(registry, 'ada');
    before = await countRows(registry.db);
  });
  afterAll(async () => {
    await registry.close();
  });

  it.each(HOSTILE.map(([code, bytes], i) => [i, code, bytes] as const))(
    'refuses hostile archive #%i with 422 %s and stores nothing',
    async (_, code, bytes) => {
      expect(bytes.length).toBeLessThanOrEqual(LIMITS.compressedBytes);
      const answer = await publish(registry, ada, bytes);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code, hint: expect.stringMatching(/\S/) });
      expect(await countRows(registry.db)).toEqual(before);
      expect((await storedState(registry)).files).toEqual([]); // temp files included
    },
  );

  it('reads a tarball of exactly the compressed limit and refuses one byte more with 413', async () => {
    const exact = Buffer.alloc(LIMITS.compressedBytes, 0x41);
    const atLimit = await publish(registry, ada, exact, { signature: 'unchecked' });
    expect(atLimit.body).toMatchObject({ status: 422, code: 'archive_not_gzip' });
    const over = await publish(registry, ada, Buffer.alloc(LIMITS.compressedBytes + 1, 0x41), {
      signature: 'unchecked',
    });
    expect(over.body).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('refuses a signature field over 64 KiB, too many fields and too many files with 413', async () => {
    const tarball = gzipped;
    const big = await publish(registry, ada, tarball, { signature: 's'.repeat(64 * KIB + 1) });
    expect(big.body).toMatchObject({ status: 413, code: 'body_too_large' });
    const fields = await publish(registry, ada, tarball, { fields: { a: '1', b: '2', c: '3', d: '4' } });
    expect(fields.body).toMatchObject({ status: 413, code: 'body_too_large' });

    const form = new FormData();
    form.append('tarball', new Blob([tarball]), 'a.tgz');
    form.append('signature', new Blob([await signTarball(tarball, ada.key)]), 'a.asc');
    form.append('signature', new Blob(['x']), 'b.asc');
    const files = await fetch(`${registry.url}/api/v1/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}` },
      body: form,
    });
    expect(await files.json()).toMatchObject({ status: 413, code: 'body_too_large' });

    const other = new FormData();
    other.append('evil', new Blob(['x']), 'evil.bin');
    const unknownFile = await fetch(`${registry.url}/api/v1/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}` },
      body: other,
    });
    expect(await unknownFile.json()).toMatchObject({ status: 400, code: 'invalid_upload' });
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('refuses a declared Content-Length over the cap at once, before reading the body', async () => {
    // 1 GiB announced, 16 KiB sent, the request never finished: the answer must come anyway.
    const answer = await rawUpload(registry.url, ada.token, {
      contentLength: 1024 ** 3,
      stopAfter: 16 * KIB,
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'body_too_large' });
    expect(answer.connection).toBe('close');
  });

  it('stops reading a chunked upload as soon as the tarball passes the cap', async () => {
    const answer = await rawUpload(registry.url, ada.token, {
      contentLength: null,
      stopAfter: 64 * 1024 * KIB,
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'body_too_large' });
    // The server answered long before the 64 MiB the client was ready to send.
    expect(answer.sent).toBeLessThan(16 * 1024 * KIB);
  });

  it('refuses an unauthenticated upload without reading its body', async () => {
    const answer = await rawUpload(registry.url, null, { contentLength: null, stopAfter: 64 * 1024 * KIB });
    expect(answer.status).toBe(401);
    expect(answer.sent).toBeLessThan(16 * 1024 * KIB);
  });
});

interface RawAnswer {
  status: number;
  body: Record<string, unknown>;
  connection: string | undefined;
  /** Bytes the client had written when the answer came. */
  sent: number;
}

/**
 * Streams a multipart body whose tarball never ends, with a declared length or chunked, and
 * stops at the server's answer (or after `stopAfter` bytes, which fails the test's bound).
 */
function rawUpload(
  url: string,
  token: string | null,
  options: { contentLength: number | null; stopAfter: number },
): Promise<RawAnswer> {
  const boundary = 'skills-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="a.tgz"\r\n` +
      'Content-Type: application/gzip\r\n\r\n',
  );
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string | number> = {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.contentLength !== null) headers['content-length'] = options.contentLength;
    const req = request(`${url}/api/v1/skills`, { method: 'POST', headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          connection: res.headers.connection,
          sent,
        });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * KIB, 0x42);
    const pump = () => {
      while (!answered && sent < options.stopAfter) {
        const ok = req.write(sent === 0 ? head : chunk);
        sent += sent === 0 ? head.length : chunk.length;
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
    };
    req.flushHeaders();
    pump();
  });
}
