import { closeSync, openSync, readSync } from 'node:fs';
import {
  isEpoch,
  isSha256,
  parseIndexConfig,
  parseSnapshotLine,
  SkillsError,
  type IndexConfig,
} from '@skills/schema';
import { readSearchIndex, type ByteSource, type SearchIndex } from '@skills/schema/ranking';
import { Catalog, type CatalogEntry } from '@skills/schema/reader';

/**
 * The local catalog of one registry: `state/registries/<…>/catalog.bin`. One file, replaced by
 * rename, so the catalog, its epoch, feed position and chain hash change in ONE atomic step
 * (DESIGN §4 sync step 4).
 *
 * Layout: the 8-byte magic `SKLCAT01`, a uint32 (LE) header length, the header as JSON, then
 * sections at multiples of 8 that the header locates:
 * - `search`: the search index, serialised by `@skills/schema/ranking`. `skills search` reads
 *   the header and this section only, with positional reads, and the versions and descriptions
 *   of the results it prints — never a JSON line (parsing 100,000 lines alone took ~220 ms).
 * - `entries`: the catalog as snapshot lines sorted by name (`Catalog.toSnapshot`), each
 *   skill's `latest` in the exact bytes the feed had. Only sync parses it whole.
 * - `starts`: uint32 offsets of each entry line (count + 1), for binary search by name: `info`
 *   and install find one skill's `seq` and `file` in ~17 small reads.
 */
export interface CatalogHeader {
  format: 1;
  /** The registry location this catalog is of (a state folder is per location). */
  location: string;
  epoch: string;
  /** The head synced to: its seq, chain hash, segment and offset (the resume position). */
  seq: number;
  hash: string;
  segment: number;
  offset: number;
  /** The head's own `time`, and when this sync ended. */
  headTime: string;
  syncedAt: string;
  /** ETags of head.json and config.json as fetched, for conditional requests. */
  headEtag: string | null;
  configEtag: string | null;
  /** config.json as of this sync, verbatim. */
  config: string;
  /** Skills in the catalog (entries), and how many search can find. */
  skills: number;
  sections: Record<SectionName, [offset: number, length: number]>;
}

type SectionName = 'search' | 'entries' | 'starts';

const MAGIC = 'SKLCAT01';
const HEADER_MAX_BYTES = 1024 * 1024;
const PREFIX_BYTES = 12;
/** Entry lines start `{"name":"`; names are plain ASCII, so the name ends at the next quote. */
const NAME_AT = Buffer.byteLength('{"name":"');

export type CatalogState = Omit<CatalogHeader, 'format' | 'skills' | 'sections'>;

/** The bytes of a catalog file: the header, the search index and the entries. */
export function encodeCatalogFile(
  state: CatalogState,
  catalog: Catalog,
  searchIndex: Buffer,
): { bytes: Buffer[]; header: CatalogHeader } {
  const entries = catalog.toSnapshot();
  const starts = new Uint32Array(catalog.size + 1);
  let line = 0;
  for (let at = 0; line < catalog.size;) {
    const end = entries.indexOf(0x0a, at);
    starts[++line] = end + 1;
    at = end + 1;
  }
  const body: Array<[SectionName, Buffer]> = [
    ['search', searchIndex],
    ['starts', Buffer.from(starts.buffer, starts.byteOffset, starts.byteLength)],
    ['entries', entries],
  ];
  // The header holds its sections' offsets, which depend on its own length: lay it out with
  // room to spare, then fill in the real offsets (its length can only stay within the room).
  const draft: CatalogHeader = {
    format: 1,
    ...state,
    skills: catalog.size,
    sections: { search: [0, 0], entries: [0, 0], starts: [0, 0] },
  };
  const room = align(PREFIX_BYTES + Buffer.byteLength(JSON.stringify(draft)) + 256);
  let at = room;
  for (const [name, bytes] of body) {
    draft.sections[name] = [at, bytes.length];
    at = align(at + bytes.length);
  }
  const json = Buffer.from(JSON.stringify(draft));
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  const parts: Buffer[] = [prefix, json, Buffer.alloc(room - PREFIX_BYTES - json.length)];
  let written = room;
  for (const [, bytes] of body) {
    parts.push(bytes);
    written += bytes.length;
    const padding = align(written) - written;
    if (padding > 0) parts.push(Buffer.alloc(padding));
    written += padding;
  }
  return { bytes: parts, header: draft };
}

/**
 * A catalog file opened for reading. Everything is read through one descriptor, so a sync that
 * replaces the file meanwhile changes nothing for this reader: it keeps the old inode.
 */
export class CatalogFile {
  #fd: number | null;

  private constructor(
    readonly file: string,
    fd: number,
    readonly header: CatalogHeader,
  ) {
    this.#fd = fd;
  }

  /** Opens a catalog file; null when there is none. Throws STATE_INVALID for a damaged one. */
  static open(file: string): CatalogFile | null {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return new CatalogFile(file, fd, readHeader(file, fd));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** config.json as of the last sync. */
  config(): IndexConfig {
    try {
      return parseIndexConfig(this.header.config);
    } catch (error) {
      throw damaged(this.file, `its config.json does not parse (${(error as Error).message})`, error);
    }
  }

  /** The search index, reading the versions and descriptions of results only when shown. */
  searchIndex(): SearchIndex {
    const [offset, length] = this.header.sections.search;
    const source: ByteSource = {
      read: (position, size) => this.#read(offset + position, Math.max(0, Math.min(size, length - position))),
    };
    try {
      return readSearchIndex(source);
    } catch (error) {
      throw damaged(this.file, (error as Error).message, error);
    }
  }

  /** The whole catalog, for sync to apply feed lines to (parses every entry line). */
  catalog(): Catalog {
    const [offset, length] = this.header.sections.entries;
    const bytes = this.#read(offset, length);
    try {
      return Catalog.fromSnapshot(bytes, { seq: this.header.seq });
    } catch (error) {
      throw damaged(this.file, (error as Error).message, error);
    }
  }

  /** One skill's entry, found by binary search over the sorted entry lines; null if unknown. */
  entry(name: string): CatalogEntry | null {
    const count = this.header.skills;
    const [startsOffset] = this.header.sections.starts;
    const [entriesOffset, entriesLength] = this.header.sections.entries;
    const lineStart = (i: number): number => this.#read(startsOffset + i * 4, 4).readUInt32LE(0);
    const probe = Buffer.byteLength(name) + NAME_AT + 1;
    let low = 0;
    let high = count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const at = lineStart(mid);
      const head = this.#read(entriesOffset + at, Math.min(probe, entriesLength - at));
      const end = head.indexOf(0x22, NAME_AT);
      const found = head.toString('latin1', NAME_AT, end === -1 ? head.length : end);
      if (found === name && end !== -1) {
        const next = lineStart(mid + 1);
        return this.#parseEntry(this.#read(entriesOffset + at, next - at - 1));
      }
      if (found < name) low = mid + 1;
      else high = mid;
    }
    return null;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #parseEntry(line: Buffer): CatalogEntry {
    try {
      const { line: parsed, latestBytes } = parseSnapshotLine(line);
      return { ...parsed, latestBytes: parsed.latest === null ? null : latestBytes };
    } catch (error) {
      throw damaged(this.file, (error as Error).message, error);
    }
  }

  #read(position: number, length: number): Buffer {
    if (this.#fd === null) throw new SkillsError('INTERNAL', `${this.file} was read after it was closed`);
    // A buffer of its own (not from the shared pool), so Int32Array views of it are aligned.
    const bytes = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const read = readSync(this.#fd, bytes, done, length - done, position + done);
      if (read === 0) break;
      done += read;
    }
    if (done < length) throw damaged(this.file, 'it is shorter than its header says');
    return bytes;
  }
}

function readHeader(file: string, fd: number): CatalogHeader {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  const got = readSync(fd, prefix, 0, PREFIX_BYTES, 0);
  if (got < PREFIX_BYTES || prefix.toString('latin1', 0, 8) !== MAGIC) {
    throw damaged(file, 'it is not a skills catalog file');
  }
  const length = prefix.readUInt32LE(8);
  if (length > HEADER_MAX_BYTES) throw damaged(file, 'its header is too long');
  const json = Buffer.alloc(length);
  if (readSync(fd, json, 0, length, PREFIX_BYTES) < length) throw damaged(file, 'its header is cut short');
  let header: CatalogHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as CatalogHeader;
  } catch (error) {
    throw damaged(file, 'its header is not JSON', error);
  }
  const problem = headerProblem(header);
  if (problem !== null) throw damaged(file, problem);
  return header;
}

function headerProblem(header: CatalogHeader): string | null {
  if (typeof header !== 'object' || header === null || header.format !== 1) return 'it is of another format';
  if (!isEpoch(header.epoch) || !isSha256(header.hash)) return 'its feed position is not valid';
  for (const key of ['seq', 'segment', 'offset', 'skills'] as const) {
    if (!Number.isSafeInteger(header[key]) || header[key] < 0) return `its ${key} is not a count`;
  }
  if (typeof header.config !== 'string' || typeof header.location !== 'string') return 'it lacks its config';
  for (const name of ['search', 'entries', 'starts'] as const) {
    const section = header.sections?.[name];
    if (!Array.isArray(section) || !section.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return `its ${name} section is not located`;
    }
  }
  if (header.sections.starts[1] !== (header.skills + 1) * 4)
    return 'its entry offsets do not match its count';
  return null;
}

function damaged(file: string, problem: string, cause?: unknown): SkillsError {
  return new SkillsError('STATE_INVALID', `${file} is damaged: ${problem}`, {
    hint: 'run `skills sync --reset` to sync it again from scratch',
    cause,
  });
}

function align(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}
