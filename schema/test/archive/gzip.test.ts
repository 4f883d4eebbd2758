import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/archive/index.js';
import { archiveWith, expectRefused, REQUIRED, tarOf, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();
const valid = archiveWith({ path: 'docs/a.md', content: 'some text '.repeat(200) });

/** A gzip member with the optional header fields of RFC 1952 set, as `gzip -N` and others write. */
function withHeaderFields(flags: number, fields: Buffer): Buffer {
  const header = Buffer.from(valid.subarray(0, 10));
  header[3] = flags;
  return Buffer.concat([header, fields, valid.subarray(10)]);
}

describe('gzip framing', () => {
  it('accepts exactly one gzip member', async () => {
    expect((await inspect(valid)).files.map((file) => file.path)).toEqual([
      'SKILL.md',
      'docs/a.md',
      'skill.yaml',
    ]);
  });

  it('accepts a plain Uint8Array as well as a Buffer', async () => {
    const contents = await inspect(new Uint8Array(valid));
    expect(contents.sha256).toBe((await inspect(valid)).sha256);
  });

  it('accepts the optional name, comment, extra and header-CRC fields', async () => {
    const extra = Buffer.from([4, 0, 0x41, 0x42, 2, 0]);
    const fields = Buffer.concat([extra, Buffer.from('skill.tar\0a comment\0'), Buffer.from([0, 0])]);
    const contents = await inspect(withHeaderFields(0x04 | 0x08 | 0x10 | 0x02, fields));
    expect(contents.files).toHaveLength(3);
  });

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['a plain tar', tarOf(REQUIRED)],
    ['zlib instead of gzip', zlib.deflateSync(tarOf(REQUIRED))],
    ['one byte of the signature', Buffer.from([0x1f])],
  ])('refuses %s as not gzip', (_, bytes) => expectRefused(tempDir, bytes, 'ARCHIVE_NOT_GZIP'));

  it('refuses an unknown compression method or reserved flags', async () => {
    const method = Buffer.from(valid);
    method[2] = 7;
    await expectRefused(tempDir, method, 'ARCHIVE_NOT_GZIP');
    const flags = Buffer.from(valid);
    flags[3] = 0x20;
    await expectRefused(tempDir, flags, 'ARCHIVE_NOT_GZIP');
  });

  it.each([
    ['in the header', 6],
    ['in the deflate data', Math.floor(valid.length / 2)],
    ['before the trailer', valid.length - 8],
    ['inside the trailer', valid.length - 3],
  ])('refuses a gzip stream truncated %s', (_, length) =>
    expectRefused(tempDir, valid.subarray(0, length), 'ARCHIVE_GZIP_TRUNCATED'),
  );

  it('refuses a header whose optional fields run past the end', async () => {
    await expectRefused(
      tempDir,
      withHeaderFields(0x08, Buffer.alloc(0)).subarray(0, 10),
      'ARCHIVE_GZIP_TRUNCATED',
    );
    await expectRefused(
      tempDir,
      withHeaderFields(0x08, Buffer.from('no terminator')).subarray(0, 23),
      'ARCHIVE_GZIP_TRUNCATED',
    );
    await expectRefused(
      tempDir,
      withHeaderFields(0x04, Buffer.from([0xff])).subarray(0, 11),
      'ARCHIVE_GZIP_TRUNCATED',
    );
  });

  it('refuses concatenated gzip members', () =>
    expectRefused(
      tempDir,
      Buffer.concat([valid, zlib.gzipSync(Buffer.from('second member'))]),
      'ARCHIVE_GZIP_CONCATENATED',
    ));

  it('refuses a second member even when it repeats the first', () =>
    expectRefused(tempDir, Buffer.concat([valid, valid]), 'ARCHIVE_GZIP_CONCATENATED'));

  it.each([
    ['text', Buffer.from('trailing garbage')],
    ['one zero byte', Buffer.alloc(1)],
    ['a lone 0x1f', Buffer.from([0x1f])],
  ])('refuses trailing garbage after the gzip member: %s', (_, garbage) =>
    expectRefused(tempDir, Buffer.concat([valid, garbage]), 'ARCHIVE_TRAILING_GARBAGE'),
  );

  it('refuses a CRC or length that does not match the data', async () => {
    const crc = Buffer.from(valid);
    crc.writeUInt32LE((crc.readUInt32LE(crc.length - 8) ^ 1) >>> 0, crc.length - 8);
    await expectRefused(tempDir, crc, 'ARCHIVE_CORRUPT');
    const length = Buffer.from(valid);
    length.writeUInt32LE(length.readUInt32LE(length.length - 4) + 1, length.length - 4);
    await expectRefused(tempDir, length, 'ARCHIVE_CORRUPT');
  });

  it('refuses damaged deflate data', async () => {
    const damaged = Buffer.concat([
      valid.subarray(0, 10),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      valid.subarray(14),
    ]);
    await expectRefused(tempDir, damaged, 'ARCHIVE_CORRUPT');
  });
});
