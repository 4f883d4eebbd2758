/**
 * One gzip member's framing (RFC 1952), shared by the archive reader and the snapshot reader:
 * node's gunzip reads on silently into a second member, so both parse the header themselves,
 * inflate the deflate data raw and check the trailer here. Each caller turns a GzipFramingError
 * into its own error code.
 */
export type GzipFault = 'not-gzip' | 'truncated' | 'corrupt' | 'concatenated' | 'trailing';

export class GzipFramingError extends Error {
  constructor(
    readonly fault: GzipFault,
    message: string,
  ) {
    super(message);
    this.name = 'GzipFramingError';
  }
}

export const GZIP_HEADER_SIZE = 10;
export const GZIP_TRAILER_SIZE = 8;
const FLAG_HCRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAG_RESERVED = 0xe0;

/** The offset of the deflate data, after the header and its optional fields. */
export function gzipDeflateStart(bytes: Uint8Array): number {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new GzipFramingError('not-gzip', 'the data does not start with the gzip signature');
  }
  if (bytes.length < GZIP_HEADER_SIZE) throw truncated('inside its gzip header');
  const flags = bytes[3] ?? 0;
  if (bytes[2] !== 8 || (flags & FLAG_RESERVED) !== 0) {
    throw new GzipFramingError('not-gzip', 'the gzip header names an unknown method or flags');
  }
  let at = GZIP_HEADER_SIZE;
  if (flags & FLAG_EXTRA) {
    if (at + 2 > bytes.length) throw truncated('inside its gzip header');
    at += 2 + ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8));
  }
  if (flags & FLAG_NAME) at = afterZero(bytes, at);
  if (flags & FLAG_COMMENT) at = afterZero(bytes, at);
  if (flags & FLAG_HCRC) at += 2;
  if (at > bytes.length) throw truncated('inside its gzip header');
  return at;
}

/**
 * Checks the trailer at `at` (right after the deflate data) against the inflated output's CRC32
 * and length, and that nothing follows the member.
 */
export function checkGzipTrailer(bytes: Uint8Array, at: number, crc: number, length: number): void {
  if (at + GZIP_TRAILER_SIZE > bytes.length) throw truncated('before its gzip trailer');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.readUInt32LE(at) !== crc || view.readUInt32LE(at + 4) !== length % 2 ** 32) {
    throw new GzipFramingError('corrupt', 'the gzip CRC or length does not match the data');
  }
  const rest = view.subarray(at + GZIP_TRAILER_SIZE);
  if (rest.length >= 2 && rest[0] === 0x1f && rest[1] === 0x8b) {
    throw new GzipFramingError('concatenated', 'a second gzip member follows the first');
  }
  if (rest.length > 0) {
    throw new GzipFramingError('trailing', `${rest.length} bytes follow the end of the gzip stream`);
  }
}

function afterZero(bytes: Uint8Array, from: number): number {
  const zero = bytes.indexOf(0, from);
  if (zero === -1) throw truncated('inside its gzip header');
  return zero + 1;
}

function truncated(where: string): GzipFramingError {
  return new GzipFramingError('truncated', `the gzip stream ends early, ${where}`);
}
