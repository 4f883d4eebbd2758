import { SkillsError } from '../errors.js';
import { FieldIndex, SearchIndex, type EntryDetails, type FieldParts } from './search-index.js';

/**
 * A SearchIndex as bytes, so a client builds it once per sync and every `skills search` only
 * reads it (building one for 100,000 skills takes about half a second; reading it, milliseconds).
 *
 * Layout (little-endian; a big-endian host refuses it): the 8-byte magic `SKSRCH01`, a table of
 * uint32 — format, byte-order mark, entry count, longest word, section count, then per section
 * its offset, length and encoding — and the sections, each starting at a multiple of 8 so its
 * Int32Array is read in place. Texts are latin1 when every code unit fits in a byte, else
 * UTF-16LE: both give back exactly the string written (UTF-8 would not, for a lone surrogate).
 * The per-entry details (versions and descriptions) come last and are read only for the results
 * a search returns.
 */
const MAGIC = 'SKSRCH01';
const FORMAT = 1;
const BYTE_ORDER = 0x01020304;
const SECTIONS = 17;
const TABLE_START = 8;
const TABLE_WORDS = 5 + SECTIONS * 3;
const HEADER_BYTES = TABLE_START + TABLE_WORDS * 4;
/** Sections before this one are read at open; it and the next (the details) when needed. */
const DETAIL_STARTS = 15;
const DETAILS = 16;

const enum Encoding {
  Binary = 0,
  Latin1 = 1,
  Utf16 = 2,
}

/** Where a serialised index is read from: a Buffer, or positional reads of a file. */
export interface ByteSource {
  /** `length` bytes at `position` (fewer only past the end). */
  read(position: number, length: number): Uint8Array;
}

/** The bytes of `index`, as {@link readSearchIndex} reads them back. */
export function serializeSearchIndex(index: SearchIndex): Buffer {
  const sections: Array<{ bytes: Buffer; encoding: Encoding }> = [];
  const text = (value: string): void => {
    sections.push(encodeText(value));
  };
  const ints = (value: Int32Array): void => {
    sections.push({
      bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      encoding: Encoding.Binary,
    });
  };
  const { names, nameStarts } = index.nameParts();
  text(index.alphabet.join(''));
  text(names);
  ints(nameStarts);
  for (const field of [index.nameWords, index.keywords, index.descriptionWords]) {
    const parts = field.parts();
    text(parts.text);
    ints(parts.starts);
    ints(parts.offsets);
    ints(parts.ids);
  }
  const details: string[] = [];
  for (let id = 0; id < index.size; id++) details.push(index.version(id), index.description(id));
  const blob = encodeText(details.join(''));
  const unit = blob.encoding === Encoding.Utf16 ? 2 : 1;
  const detailStarts = new Int32Array(details.length + 1);
  details.forEach((value, i) => (detailStarts[i + 1] = detailStarts[i]! + value.length * unit));
  ints(detailStarts);
  sections.push(blob);

  const table = new Uint32Array(TABLE_WORDS);
  table.set([FORMAT, BYTE_ORDER, index.size, index.longestWord, SECTIONS]);
  let at = HEADER_BYTES;
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), Buffer.from(table.buffer)];
  sections.forEach((section, i) => {
    const padding = align(at) - at;
    if (padding > 0) parts.push(Buffer.alloc(padding));
    at += padding;
    table.set([at, section.bytes.length, section.encoding], 5 + i * 3);
    parts.push(section.bytes);
    at += section.bytes.length;
  });
  if (at > 0xffffffff) throw invalid('a search index of more than 4 GiB cannot be written');
  return Buffer.concat(parts, at);
}

/**
 * Reads a serialised index. Every section but the details is read at once and checked for shape
 * (lengths and bounds), so damage is an error here rather than a wrong answer later; the details
 * are read when a result needs them. Throws SEARCH_INDEX_INVALID.
 */
export function readSearchIndex(input: Uint8Array | ByteSource): SearchIndex {
  const source: ByteSource = input instanceof Uint8Array ? bufferSource(input) : input;
  const head = source.read(0, HEADER_BYTES);
  if (head.length < HEADER_BYTES || Buffer.from(head.subarray(0, 8)).toString('latin1') !== MAGIC) {
    throw invalid('it does not start like a serialised search index');
  }
  const table = new DataView(head.buffer, head.byteOffset + TABLE_START, TABLE_WORDS * 4);
  const word = (i: number): number => table.getUint32(i * 4, true);
  if (word(0) !== FORMAT) throw invalid(`it is format ${word(0)}, not ${FORMAT}`);
  if (word(1) !== BYTE_ORDER || new Uint8Array(new Uint32Array([BYTE_ORDER]).buffer)[0] !== 0x04) {
    throw invalid('it was written on a host of another byte order');
  }
  const size = word(2);
  const longestWord = word(3);
  if (word(4) !== SECTIONS) throw invalid(`it has ${word(4)} sections, not ${SECTIONS}`);
  const section = (i: number): { offset: number; length: number; encoding: Encoding } => ({
    offset: word(5 + i * 3),
    length: word(6 + i * 3),
    encoding: word(7 + i * 3) as Encoding,
  });
  let previousEnd = HEADER_BYTES;
  for (let i = 0; i < SECTIONS; i++) {
    const { offset, length, encoding } = section(i);
    if (offset % 8 !== 0 || offset < previousEnd || encoding > Encoding.Utf16) {
      throw invalid(`its section ${i} is out of place`);
    }
    previousEnd = offset + length;
  }
  const coreEnd = section(DETAIL_STARTS).offset;
  const core = aligned(source.read(0, coreEnd));
  if (core.length !== coreEnd) throw invalid('it is shorter than its sections say');
  const textAt = (i: number): string => decodeText(core, section(i));
  const intsAt = (i: number, expected?: number): Int32Array => {
    const { offset, length, encoding } = section(i);
    if (encoding !== Encoding.Binary || length % 4 !== 0) throw invalid(`its section ${i} is not integers`);
    const ints = new Int32Array(core.buffer, core.byteOffset + offset, length / 4);
    if (expected !== undefined && ints.length !== expected) {
      throw invalid(`its section ${i} holds ${ints.length} numbers, not ${expected}`);
    }
    return ints;
  };
  const alphabet = [...textAt(0)];
  const names = textAt(1);
  const nameStarts = checkedStarts(intsAt(2, size + 1), names.length, 2);
  const field = (first: number): FieldIndex => {
    const text = textAt(first);
    const starts = intsAt(first + 1);
    const offsets = intsAt(first + 2, starts.length);
    const ids = intsAt(first + 3);
    if (starts.length === 0) throw invalid(`its section ${first + 1} is empty`);
    checkedStarts(starts, text.length, first + 1);
    checkedStarts(offsets, ids.length, first + 2);
    // Each word's ids ascend, so checking its first and last bounds them all.
    for (let w = 0; w + 1 < offsets.length; w++) {
      const [low, high] = [offsets[w]!, offsets[w + 1]!];
      if (low < high && (ids[low]! < 0 || ids[high - 1]! >= size)) {
        throw invalid(`its section ${first + 3} names no entry`);
      }
    }
    const parts: FieldParts = { text, starts, offsets, ids };
    return new FieldIndex(parts);
  };
  return new SearchIndex({
    names,
    nameStarts,
    details: lazyDetails(source, section(DETAIL_STARTS), section(DETAILS), size),
    nameWords: field(3),
    keywords: field(7),
    descriptionWords: field(11),
    alphabet,
    longestWord,
  });
}

/** Versions and descriptions, read from the source the first time a result needs them. */
function lazyDetails(
  source: ByteSource,
  startsSection: { offset: number; length: number },
  blob: { offset: number; length: number; encoding: Encoding },
  size: number,
): EntryDetails {
  let starts: Int32Array | undefined;
  const at = (i: number): string => {
    if (starts === undefined) {
      const bytes = aligned(source.read(startsSection.offset, startsSection.length));
      if (bytes.length !== startsSection.length || bytes.length !== (2 * size + 1) * 4) {
        throw invalid('its detail offsets are missing');
      }
      starts = checkedStarts(new Int32Array(bytes.buffer, bytes.byteOffset, 2 * size + 1), blob.length, 15);
    }
    const start = starts[i]!;
    const length = starts[i + 1]! - start;
    const bytes = source.read(blob.offset + start, length);
    if (bytes.length !== length) throw invalid('its details are cut short');
    return decodeText(bytes, { offset: 0, length, encoding: blob.encoding });
  };
  return { version: (id) => at(2 * id), description: (id) => at(2 * id + 1) };
}

/** Offsets that start at 0, never decrease and end at `end`. */
function checkedStarts(starts: Int32Array, end: number, section: number): Int32Array {
  let previous = 0;
  for (const value of starts) {
    if (value < previous) throw invalid(`its section ${section} goes backwards`);
    previous = value;
  }
  if (starts[0] !== 0 || previous !== end) throw invalid(`its section ${section} does not span its text`);
  return starts;
}

function encodeText(value: string): { bytes: Buffer; encoding: Encoding } {
  // eslint-disable-next-line no-control-regex -- every code unit below 256
  const narrow = /^[\u0000-\u00ff]*$/.test(value);
  return narrow
    ? { bytes: Buffer.from(value, 'latin1'), encoding: Encoding.Latin1 }
    : { bytes: Buffer.from(value, 'utf16le'), encoding: Encoding.Utf16 };
}

function decodeText(bytes: Uint8Array, at: { offset: number; length: number; encoding: Encoding }): string {
  if (at.encoding === Encoding.Binary || (at.encoding === Encoding.Utf16 && at.length % 2 !== 0)) {
    throw invalid('a text section has the wrong encoding');
  }
  if (at.offset + at.length > bytes.length) throw invalid('a text section runs past the end');
  return Buffer.from(bytes.buffer, bytes.byteOffset + at.offset, at.length).toString(
    at.encoding === Encoding.Latin1 ? 'latin1' : 'utf16le',
  );
}

function bufferSource(bytes: Uint8Array): ByteSource {
  return { read: (position, length) => bytes.subarray(position, position + length) };
}

/** The bytes at an address Int32Array accepts (a multiple of 4), copied only when needed. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
}

function align(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}

function invalid(problem: string): SkillsError {
  return new SkillsError('SEARCH_INDEX_INVALID', `the search index cannot be read: ${problem}`, {
    hint: 'run `skills sync` to rebuild it',
  });
}
