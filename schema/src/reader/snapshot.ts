import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { SkillsError } from '../errors.js';
import { checkGzipTrailer, gzipDeflateStart, GzipFramingError } from '../gzip-member.js';
import { isSha256 } from '../lines/index.js';
import { Catalog, snapshotError } from './catalog.js';
import { asBuffer } from './split.js';

/** What head.json says of the snapshot; `head.snapshot` itself fits. */
export interface ExpectedSnapshot {
  sha256: string;
  size: number;
  /** The feed position the snapshot was taken at: no line may carry a later seq. */
  seq?: number;
}

export interface ReadSnapshotOptions {
  /** Refuse a snapshot that inflates to more bytes than this. Default 1 GiB. */
  maxBytes?: number;
}

export const SNAPSHOT_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * Reads `snapshots/<epoch>/<seq>-<16 hex>.ndjson.gz` (sync step 5). Before inflating anything:
 * the byte count must equal `expected.size` (callers read at most `size` bytes; more or fewer is
 * refused) and the sha256 `expected.sha256`. Then exactly one gzip member is inflated, with an
 * output cap; a second member, trailing bytes or a bad CRC are refused. The lines must be valid
 * snapshot lines with strictly increasing names. Throws SNAPSHOT_INVALID.
 */
export function readSnapshot(
  gzBytes: Uint8Array,
  expected: ExpectedSnapshot,
  options: ReadSnapshotOptions = {},
): Catalog {
  if (!isSha256(expected.sha256) || !Number.isSafeInteger(expected.size) || expected.size < 0) {
    throw new SkillsError('INTERNAL', 'an expected snapshot needs a 64-hex sha256 and a byte size');
  }
  if (gzBytes.length !== expected.size) {
    throw snapshotError(
      `the snapshot is ${gzBytes.length > expected.size ? 'longer' : 'shorter'} than feed/head.json says: ${gzBytes.length} bytes, not ${expected.size}`,
    );
  }
  const actual = createHash('sha256').update(gzBytes).digest('hex');
  if (actual !== expected.sha256) {
    throw snapshotError(`the snapshot has sha256 ${actual}, but feed/head.json says ${expected.sha256}`);
  }
  const ndjson = gunzipOne(asBuffer(gzBytes), options.maxBytes ?? SNAPSHOT_MAX_BYTES);
  return Catalog.fromSnapshot(ndjson, expected.seq === undefined ? {} : { seq: expected.seq });
}

/**
 * Inflates exactly one gzip member (RFC 1952). node's gunzip would read on into a second member
 * silently, so the header and trailer are read here and the deflate data inflated raw.
 */
function gunzipOne(bytes: Buffer, maxBytes: number): Buffer {
  const start = framed(() => gzipDeflateStart(bytes));
  let inflated: { buffer: Buffer; engine: zlib.InflateRaw };
  try {
    inflated = zlib.inflateRawSync(bytes.subarray(start), {
      info: true,
      maxOutputLength: Math.min(maxBytes, bufferConstants.MAX_LENGTH),
    }) as unknown as { buffer: Buffer; engine: zlib.InflateRaw };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw snapshotError(`the snapshot inflates to more than ${maxBytes} bytes`, error);
    }
    throw snapshotError(`the snapshot's gzip data is damaged (${(error as Error).message})`, error);
  }
  const { buffer, engine } = inflated;
  framed(() => checkGzipTrailer(bytes, start + engine.bytesWritten, zlib.crc32(buffer), buffer.length));
  return buffer;
}

const SNAPSHOT_FAULTS = {
  'not-gzip': 'the snapshot is not gzip-compressed',
  truncated: 'the snapshot ends early',
  corrupt: "the snapshot's gzip data is damaged",
  concatenated: 'the snapshot holds more than one gzip member',
  trailing: 'the snapshot has bytes after its gzip stream',
} as const;

/** Runs a gzip framing check; every fault makes the snapshot invalid. */
function framed<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof GzipFramingError)
      throw snapshotError(`${SNAPSHOT_FAULTS[error.fault]} (${error.message})`, error);
    throw error;
  }
}
