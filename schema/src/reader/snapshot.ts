import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { SkillsError } from '../errors.js';
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

const HEADER_SIZE = 10;
const TRAILER_SIZE = 8;
const FLAG_HCRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAG_RESERVED = 0xe0;

/**
 * Inflates exactly one gzip member (RFC 1952). node's gunzip would read on into a second member
 * silently, so the header and trailer are read here and the deflate data inflated raw.
 */
function gunzipOne(bytes: Buffer, maxBytes: number): Buffer {
  const start = deflateStart(bytes);
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
  const at = start + engine.bytesWritten;
  if (at + TRAILER_SIZE > bytes.length) throw snapshotError('the snapshot ends before its gzip trailer');
  if (
    bytes.readUInt32LE(at) !== zlib.crc32(buffer) ||
    bytes.readUInt32LE(at + 4) !== buffer.length % 2 ** 32
  ) {
    throw snapshotError("the snapshot's gzip CRC or length does not match its data");
  }
  const rest = bytes.length - at - TRAILER_SIZE;
  if (rest > 0) {
    throw snapshotError(
      bytes[at + TRAILER_SIZE] === 0x1f && bytes[at + TRAILER_SIZE + 1] === 0x8b
        ? 'the snapshot holds more than one gzip member'
        : `${rest} bytes follow the end of the snapshot's gzip stream`,
    );
  }
  return buffer;
}

/** The offset of the deflate data, after the header and its optional fields. */
function deflateStart(bytes: Buffer): number {
  if (bytes.length < HEADER_SIZE || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw snapshotError('the snapshot is not gzip-compressed');
  }
  const flags = bytes[3]!;
  if (bytes[2] !== 8 || (flags & FLAG_RESERVED) !== 0) {
    throw snapshotError("the snapshot's gzip header names an unknown method or flags");
  }
  let at = HEADER_SIZE;
  if (flags & FLAG_EXTRA) at += 2 + (at + 2 <= bytes.length ? bytes.readUInt16LE(at) : 0);
  if (flags & FLAG_NAME) at = afterZero(bytes, at);
  if (flags & FLAG_COMMENT) at = afterZero(bytes, at);
  if (flags & FLAG_HCRC) at += 2;
  if (at > bytes.length) throw snapshotError('the snapshot ends inside its gzip header');
  return at;
}

function afterZero(bytes: Buffer, from: number): number {
  const zero = bytes.indexOf(0, from);
  return zero === -1 ? bytes.length + 1 : zero + 1;
}
