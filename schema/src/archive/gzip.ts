import zlib from 'node:zlib';
import { checkGzipTrailer, GZIP_TRAILER_SIZE, gzipDeflateStart, GzipFramingError } from '../gzip-member.js';
import { refusal } from './refusal.js';

/**
 * The gzip header node:zlib writes on Unix at level 9: no name, mtime 0, XFL 2 ("slowest"), OS 3
 * ("Unix"). Written by hand so the bytes do not depend on the OS byte zlib was built with.
 */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
/** One gzip member of `data` at level 9. */
export function gzip(data: Buffer): Buffer {
  const trailer = Buffer.alloc(GZIP_TRAILER_SIZE);
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
  const deflateStart = framed(() => gzipDeflateStart(bytes));
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
  framed(() => checkGzipTrailer(bytes, deflateStart + inflater.bytesWritten, crc, length));
}

const FAULT_CODES = {
  'not-gzip': 'ARCHIVE_NOT_GZIP',
  truncated: 'ARCHIVE_GZIP_TRUNCATED',
  corrupt: 'ARCHIVE_CORRUPT',
  concatenated: 'ARCHIVE_GZIP_CONCATENATED',
  trailing: 'ARCHIVE_TRAILING_GARBAGE',
} as const;

/** Runs a framing check, refusing with the archive code of its fault. */
function framed<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof GzipFramingError) throw refusal(FAULT_CODES[error.fault], error.message);
    throw error;
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
