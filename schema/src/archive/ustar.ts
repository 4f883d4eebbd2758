import { showPath } from './paths.js';
import { refusal } from './refusal.js';

/**
 * The ustar header (POSIX.1-1988), written and read by hand: the archive rules allow so little of
 * tar that a 512-byte block is easier to check completely than a general parser is to restrain.
 */
export const BLOCK_SIZE = 512;

const NAME = { offset: 0, length: 100 };
const MODE = { offset: 100, length: 8 };
const UID = { offset: 108, length: 8 };
const GID = { offset: 116, length: 8 };
const SIZE = { offset: 124, length: 12 };
const MTIME = { offset: 136, length: 12 };
const CHECKSUM = { offset: 148, length: 8 };
const TYPEFLAG = 156;
const MAGIC = { offset: 257, length: 8 };
const DEVMAJOR = { offset: 329, length: 8 };
const DEVMINOR = { offset: 337, length: 8 };
const PREFIX = { offset: 345, length: 155 };

type Field = { offset: number; length: number };

const USTAR_MAGIC = 'ustar\x0000';
/** GNU tar's default format: the same layout, but the prefix field holds other data. */
const GNU_MAGIC = 'ustar  \x00';

export interface EntryHeader {
  /** The path without a directory's trailing slash. */
  path: string;
  directory: boolean;
  size: number;
  /** 0o755 or 0o644. */
  mode: number;
}

/**
 * The header GNU tar 1.34 writes with `--format=ustar --owner=0 --group=0 --numeric-owner
 * --mtime=@0` for this entry, byte for byte (a test compares them).
 */
export function encodeHeader(entry: EntryHeader): Buffer {
  const tarPath = entry.directory ? `${entry.path}/` : entry.path;
  const split = splitTarPath(tarPath);
  if (split === undefined) {
    throw refusal(
      'ARCHIVE_PATH_TOO_LONG',
      `${showPath(tarPath)} does not fit a ustar header (at most 155 bytes of folders, then at most 100 bytes)`,
    );
  }
  const block = Buffer.alloc(BLOCK_SIZE);
  block.write(split.name, NAME.offset, 'latin1');
  writeOctal(block, MODE, entry.mode);
  writeOctal(block, UID, 0);
  writeOctal(block, GID, 0);
  writeOctal(block, SIZE, entry.size);
  writeOctal(block, MTIME, 0);
  block[TYPEFLAG] = (entry.directory ? '5' : '0').charCodeAt(0);
  block.write(USTAR_MAGIC, MAGIC.offset, 'latin1');
  writeOctal(block, DEVMAJOR, 0);
  writeOctal(block, DEVMINOR, 0);
  block.write(split.prefix, PREFIX.offset, 'latin1');
  // The traditional checksum layout: six digits, NUL, space.
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\x00 `, CHECKSUM.offset, 'latin1');
  return block;
}

/**
 * Splits a path longer than the name field at the last slash that leaves at most 155 bytes in
 * front, as GNU tar does; undefined when no slash gives a name of 1–100 bytes.
 */
function splitTarPath(tarPath: string): { prefix: string; name: string } | undefined {
  if (tarPath.length <= NAME.length) return { prefix: '', name: tarPath };
  const lastSearched = Math.min(
    tarPath.endsWith('/') ? tarPath.length - 2 : tarPath.length - 1,
    PREFIX.length,
  );
  const cut = tarPath.lastIndexOf('/', lastSearched);
  if (cut <= 0) return undefined;
  const name = tarPath.slice(cut + 1);
  if (name.length > NAME.length) return undefined;
  return { prefix: tarPath.slice(0, cut), name };
}

function writeOctal(block: Buffer, field: Field, value: number): void {
  const digits = value.toString(8).padStart(field.length - 1, '0');
  if (digits.length > field.length - 1) {
    throw refusal('ARCHIVE_UNPACKED_TOO_LARGE', `${value} does not fit a ustar header field`);
  }
  block.write(`${digits}\x00`, field.offset, 'latin1');
}

/** The fields of a header as stored, before any archive rule is applied. */
export interface RawHeader {
  /** The prefix and name fields joined, decoded byte for byte (latin1), trailing slash kept. */
  path: string;
  typeflag: string;
  size: number;
  mode: number;
}

/** Reads a header block; throws ARCHIVE_CORRUPT when it is not a well-formed ustar header. */
export function decodeHeader(block: Buffer): RawHeader {
  const stored = readOctal(block, CHECKSUM, 'checksum');
  const { unsigned, signed } = checksums(block);
  // Old tars summed signed bytes; both sums are accepted, as GNU tar does.
  if (stored !== unsigned && stored !== signed) {
    throw refusal(
      'ARCHIVE_CORRUPT',
      `a tar header has a bad checksum (stored ${stored}, computed ${unsigned})`,
    );
  }
  const magic = block.toString('latin1', MAGIC.offset, MAGIC.offset + MAGIC.length);
  if (magic !== USTAR_MAGIC && magic !== GNU_MAGIC) {
    throw refusal('ARCHIVE_CORRUPT', 'a tar header is not in ustar format');
  }
  const name = readString(block, NAME);
  const prefix = magic === USTAR_MAGIC ? readString(block, PREFIX) : '';
  return {
    path: prefix === '' ? name : `${prefix}/${name}`,
    typeflag: String.fromCharCode(block[TYPEFLAG] ?? 0),
    size: readOctal(block, SIZE, 'size'),
    mode: readOctal(block, MODE, 'mode'),
  };
}

function readString(block: Buffer, field: Field): string {
  const bytes = block.subarray(field.offset, field.offset + field.length);
  const end = bytes.indexOf(0);
  return bytes.toString('latin1', 0, end === -1 ? bytes.length : end);
}

/** Octal digits, optionally padded with leading spaces and trailing NULs or spaces. */
function readOctal(block: Buffer, field: Field, what: string): number {
  const text = block.toString('latin1', field.offset, field.offset + field.length);
  const digits = text.replace(/^ +/, '').replace(/[\0 ]+$/, '');
  if (!/^[0-7]*$/.test(digits)) {
    // This includes GNU's base-256 numbers, which ustar never needs below 8 GiB.
    throw refusal('ARCHIVE_CORRUPT', `a tar header's ${what} field is not an octal number`);
  }
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksum(block: Buffer): number {
  return checksums(block).unsigned;
}

/** Sums of the header bytes with the checksum field counted as eight spaces. */
function checksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const inChecksum = i >= CHECKSUM.offset && i < CHECKSUM.offset + CHECKSUM.length;
    const byte = inChecksum ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return { unsigned, signed };
}
