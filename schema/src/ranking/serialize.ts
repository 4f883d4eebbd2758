import { SkillsError } from '../errors.js';
import { FieldIndex, SearchIndex, type EntryTable } from './search-index.js';

/**
 * A SearchIndex as bytes, so a client builds it once per sync and every `skills search` only
 * reads it (building one for 100,000 skills takes about half a second; opening it, a few
 * milliseconds).
 *
 * Layout (little-endian; a big-endian host refuses it): the 8-byte magic `SKSRCH01`, a table of
 * uint32 — format, byte-order mark, entry count, longest word, section count, then per section
 * its offset, length and encoding — and the sections, each at a multiple of 8 so an Int32Array
 * is read in place:
 * - read when the index is opened: the alphabet, and per field (name words, keywords,
 *   description words) its sorted words and their offsets — small, a vocabulary;
 * - read when a query needs them: per field the ids of each word (only the words a query
 *   touches), and per entry its name, version and description (only the entries shown, and
 *   the ~17 names a binary search for the name prefix looks at).
 * Word texts are latin1 when every code unit fits in a byte, else UTF-16LE; each entry field is
 * one encoding byte (0 UTF-8, 1 UTF-16LE) and its bytes. Either gives back exactly the string
 * written — UTF-8 is used only for well-formed strings, since it cannot carry a lone surrogate.
 *
 * Opening checks the table and the shape of what it reads (lengths, first and last offsets);
 * a read past a section, or offsets that run backwards, fail when met. Every failure is
 * SEARCH_INDEX_INVALID.
 */
const MAGIC = 'SKSRCH01';
const FORMAT = 1;
const BYTE_ORDER = 0x01020304;
const FIELDS = 3;
/** alphabet; per field text, starts, offsets; per field ids; entry starts; entries. */
const SECTIONS = 1 + FIELDS * 3 + FIELDS + 2;
const IDS = 1 + FIELDS * 3;
const ENTRY_STARTS = IDS + FIELDS;
const ENTRIES = ENTRY_STARTS + 1;
const TABLE_START = 8;
const TABLE_WORDS = 5 + SECTIONS * 3;
const HEADER_BYTES = TABLE_START + TABLE_WORDS * 4;

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

interface Section {
  bytes: Buffer;
  encoding: Encoding;
}

/** The bytes of `index`, as {@link readSearchIndex} reads them back. */
export function serializeSearchIndex(index: SearchIndex): Buffer {
  const fields = [index.nameWords, index.keywords, index.descriptionWords].map((field) => field.parts());
  const sections: Section[] = [encodeWords(index.alphabet.join(''))];
  for (const parts of fields) sections.push(encodeWords(parts.text), ints(parts.starts), ints(parts.offsets));
  for (const parts of fields) sections.push(ints(parts.ids));
  // Each entry field: an encoding byte, then the text; written into one buffer in two passes.
  const values: string[] = [];
  for (let id = 0; id < index.size; id++)
    values.push(index.name(id), index.version(id), index.description(id));
  const utf8 = values.map(isWellFormed);
  let total = 0;
  values.forEach((value, i) => (total += 1 + (utf8[i] ? Buffer.byteLength(value) : value.length * 2)));
  const blob = Buffer.alloc(total);
  const entryStarts = new Int32Array(values.length + 1);
  let at = 0;
  values.forEach((value, i) => {
    blob[at++] = utf8[i] ? 0 : 1;
    at += blob.write(value, at, utf8[i] ? 'utf8' : 'utf16le');
    entryStarts[i + 1] = at;
  });
  sections.push(ints(entryStarts), { bytes: blob, encoding: Encoding.Binary });

  const table = new Uint32Array(TABLE_WORDS);
  table.set([FORMAT, BYTE_ORDER, index.size, index.longestWord, SECTIONS]);
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), Buffer.from(table.buffer)];
  let offset = HEADER_BYTES;
  sections.forEach((section, i) => {
    const padding = align(offset) - offset;
    if (padding > 0) parts.push(Buffer.alloc(padding));
    offset += padding;
    table.set([offset, section.bytes.length, section.encoding], 5 + i * 3);
    parts.push(section.bytes);
    offset += section.bytes.length;
  });
  if (offset > 0xffffffff) throw invalid('a search index of more than 4 GiB cannot be written');
  return Buffer.concat(parts, offset);
}

/** Opens a serialised index: reads its vocabulary now, ids and entries when a query needs them. */
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
  const sections: Array<{ offset: number; length: number; encoding: Encoding }> = [];
  let previousEnd = HEADER_BYTES;
  for (let i = 0; i < SECTIONS; i++) {
    const section = {
      offset: word(5 + i * 3),
      length: word(6 + i * 3),
      encoding: word(7 + i * 3) as Encoding,
    };
    if (section.offset % 8 !== 0 || section.offset < previousEnd || section.encoding > Encoding.Utf16) {
      throw invalid(`its section ${i} is out of place`);
    }
    sections.push(section);
    previousEnd = section.offset + section.length;
  }
  // The vocabulary is contiguous, before the ids: one read.
  const eagerEnd = sections[IDS]!.offset;
  const eager = aligned(source.read(0, eagerEnd));
  if (eager.length !== eagerEnd) throw invalid('it is shorter than its sections say');
  const textAt = (i: number): string => decodeWords(eager, sections[i]!);
  const intsAt = (i: number): Int32Array => intView(eager, sections[i]!, i);
  const lazyInts = (i: number) => {
    const { offset, length } = sections[i]!;
    return (from: number, to: number): Int32Array => {
      if (from < 0 || to < from || to * 4 > length) throw invalid(`a read of section ${i} runs outside it`);
      const bytes = aligned(source.read(offset + from * 4, (to - from) * 4));
      if (bytes.length !== (to - from) * 4) throw invalid(`section ${i} is cut short`);
      return new Int32Array(bytes.buffer, bytes.byteOffset, to - from);
    };
  };
  const fields = Array.from({ length: FIELDS }, (_, f) => {
    const first = 1 + f * 3;
    const text = textAt(first);
    const starts = intsAt(first + 1);
    const offsets = intsAt(first + 2);
    const ids = sections[IDS + f]!;
    if (starts.length === 0 || offsets.length !== starts.length)
      throw invalid(`its field ${f} has no word table`);
    if (starts[0] !== 0 || starts[starts.length - 1] !== text.length)
      throw invalid(`its field ${f} words do not span their text`);
    if (offsets[0] !== 0 || offsets[offsets.length - 1]! * 4 !== ids.length)
      throw invalid(`its field ${f} ids do not span their section`);
    return new FieldIndex({ text, starts, offsets, ids: lazyInts(IDS + f) });
  });
  if (sections[ENTRY_STARTS]!.length !== (3 * size + 1) * 4)
    throw invalid('its entry offsets do not match its count');
  return new SearchIndex({
    size,
    entries: lazyEntries(source, lazyInts(ENTRY_STARTS), sections[ENTRIES]!),
    nameWords: fields[0]!,
    keywords: fields[1]!,
    descriptionWords: fields[2]!,
    alphabet: [...textAt(0)],
    longestWord,
  });
}

/** Names, versions and descriptions, one field read at a time. */
function lazyEntries(
  source: ByteSource,
  starts: (from: number, to: number) => Int32Array,
  blob: { offset: number; length: number },
): EntryTable {
  const field = (i: number): string => {
    const pair = starts(i, i + 2);
    const start = pair[0]!;
    const end = pair[1]!;
    if (start < 0 || end <= start || end > blob.length) throw invalid('an entry runs outside its section');
    const bytes = source.read(blob.offset + start, end - start);
    if (bytes.length !== end - start) throw invalid('its entries are cut short');
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.length - 1);
    if (bytes[0] === 0) return text.toString('utf8');
    if (bytes[0] === 1 && text.length % 2 === 0) return text.toString('utf16le');
    throw invalid('an entry has an unknown encoding');
  };
  return {
    name: (id) => field(3 * id),
    version: (id) => field(3 * id + 1),
    description: (id) => field(3 * id + 2),
  };
}

function ints(value: Int32Array): Section {
  return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength), encoding: Encoding.Binary };
}

function intView(
  bytes: Uint8Array,
  at: { offset: number; length: number; encoding: Encoding },
  i: number,
): Int32Array {
  if (at.encoding !== Encoding.Binary || at.length % 4 !== 0 || at.offset + at.length > bytes.length) {
    throw invalid(`its section ${i} is not integers`);
  }
  return new Int32Array(bytes.buffer, bytes.byteOffset + at.offset, at.length / 4);
}

// eslint-disable-next-line no-control-regex -- every code unit below 256
const NARROW = /^[\u0000-\u00ff]*$/;

function encodeWords(value: string): Section {
  return NARROW.test(value)
    ? { bytes: Buffer.from(value, 'latin1'), encoding: Encoding.Latin1 }
    : { bytes: Buffer.from(value, 'utf16le'), encoding: Encoding.Utf16 };
}

function decodeWords(bytes: Uint8Array, at: { offset: number; length: number; encoding: Encoding }): string {
  if (at.encoding === Encoding.Binary || (at.encoding === Encoding.Utf16 && at.length % 2 !== 0)) {
    throw invalid('a text section has the wrong encoding');
  }
  if (at.offset + at.length > bytes.length) throw invalid('a text section runs past the end');
  return Buffer.from(bytes.buffer, bytes.byteOffset + at.offset, at.length).toString(
    at.encoding === Encoding.Latin1 ? 'latin1' : 'utf16le',
  );
}

/** No lone surrogate (String.prototype.isWellFormed, which Node 20's types do not declare). */
function isWellFormed(value: string): boolean {
  // Nearly every text has no surrogate at all; only those that do need the exact check.
  return !SURROGATE.test(value) || !LONE_SURROGATE.test(value);
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

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
