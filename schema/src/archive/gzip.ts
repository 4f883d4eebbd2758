import zlib from 'node:zlib';
import { refusal } from './refusal.js';

/**
 * The gzip header node:zlib writes on Unix at level 9: no name, mtime 0, XFL 2 ("slowest"), OS 3
 * ("Unix"). Written by hand so the bytes do not depend on the OS byte zlib was built with.
 */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
const TRAILER_SIZE = 8;

const FLAG_HCRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAG_RESERVED = 0xe0;

/** One gzip member of `data` at level 9. */
export function gzip(data: Buffer): Buffer {
  const trailer = Buffer.alloc(TRAILER_SIZE);
  trailer.writeUInt32LE(zlib.crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([HEADER, zlib.deflateRawSync(data, { level: 9 }), trailer]);
}

/**
 * Decompresses exactly one gzip member, yielding its output as it is inflated. Throws as soon as
 * the output passes `maxOutput` (the inflater is destroyed, so a gzip bomb never allocates its
 * full size), and after the last chunk checks CRC, length and that nothing follows the member.
 * node's own gunzip silently reads on into a second member, hence the header parsing here.
 */
export async function* gunzip(bytes: Uint8Array, maxOutput: number): AsyncGenerator<Buffer> {
  const deflateStart = readHeader(bytes);
  const inflater = zlib.createInflateRaw();
  inflater.end(bytes.subarray(deflateStart));
  let crc = 0;
  let length = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > maxOutput) {
        throw refusal('ARCHIVE_UNPACKED_TOO_LARGE', `the archive unpacks to more than ${maxOutput} bytes`);
      }
      crc = zlib.crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    throw inflateRefusal(error);
  }
  // After the end of the deflate stream, bytesWritten is exactly the deflate data consumed.
  checkTrailer(bytes, deflateStart + inflater.bytesWritten, crc, length);
}

/** The offset of the deflate data, after the header and its optional fields (RFC 1952). */
function readHeader(bytes: Uint8Array): number {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw refusal('ARCHIVE_NOT_GZIP', 'the archive does not start with the gzip signature');
  }
  if (bytes.length < HEADER.length) throw truncated('in its header');
  const flags = bytes[3] ?? 0;
  if (bytes[2] !== 8 || (flags & FLAG_RESERVED) !== 0) {
    throw refusal('ARCHIVE_NOT_GZIP', 'the gzip header names an unknown method or flags');
  }
  let at = HEADER.length;
  if (flags & FLAG_EXTRA) {
    if (at + 2 > bytes.length) throw truncated('in its header');
    at += 2 + ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8));
  }
  if (flags & FLAG_NAME) at = afterZero(bytes, at);
  if (flags & FLAG_COMMENT) at = afterZero(bytes, at);
  if (flags & FLAG_HCRC) at += 2;
  if (at > bytes.length) throw truncated('in its header');
  return at;
}

function afterZero(bytes: Uint8Array, from: number): number {
  const zero = bytes.indexOf(0, from);
  if (zero === -1) throw truncated('in its header');
  return zero + 1;
}

function checkTrailer(bytes: Uint8Array, at: number, crc: number, length: number): void {
  if (at + TRAILER_SIZE > bytes.length) throw truncated('before its trailer');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.readUInt32LE(at) !== crc || view.readUInt32LE(at + 4) !== length % 2 ** 32) {
    throw refusal('ARCHIVE_CORRUPT', 'the gzip CRC or length does not match the data');
  }
  const rest = view.subarray(at + TRAILER_SIZE);
  if (rest.length >= 2 && rest[0] === 0x1f && rest[1] === 0x8b) {
    throw refusal('ARCHIVE_GZIP_CONCATENATED', 'a second gzip member follows the first');
  }
  if (rest.length > 0) {
    throw refusal('ARCHIVE_TRAILING_GARBAGE', `${rest.length} bytes follow the end of the gzip stream`);
  }
}

function truncated(where: string) {
  return refusal('ARCHIVE_GZIP_TRUNCATED', `the gzip stream ends early, ${where}`);
}

/** zlib reports a cut-off stream as Z_BUF_ERROR and bad deflate data as Z_DATA_ERROR. */
function inflateRefusal(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') return truncated('inside its deflate data');
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return refusal('ARCHIVE_CORRUPT', `the gzip data is damaged (${(error as Error).message})`);
  }
  return error;
}
