import { SkillsError } from '../errors.js';
import {
  jsonString,
  parseSnapshotLine,
  type IndexLine,
  type ParsedFeedLine,
  type ParsedSnapshotLine,
} from '../lines/index.js';
import { splitLines } from './split.js';

/** What the catalog knows of one skill: a snapshot line, with the exact bytes of `latest`. */
export interface CatalogEntry {
  readonly name: string;
  /** The seq of the last feed line that changed the skill. */
  readonly seq: number;
  /** sha256 of the skill's shard file after that line; null when no version remains. */
  readonly file: string | null;
  /** The catalog line of the skill: its latest (or entry) line; null when no version remains. */
  readonly latest: IndexLine | null;
  /** The exact bytes of `latest` as read, never re-serialised; null with `latest`. */
  readonly latestBytes: Buffer | null;
}

const SNAPSHOT_HINT = 'Run `skills sync` again; if it persists, report it to the registry.';

/**
 * Every skill ever published, by name (DESIGN §4 Lines, snapshot lines). Starts empty (`new
 * Catalog()`, seq 0) or from a snapshot, then takes feed lines in order; written back as snapshot
 * lines sorted by name. Entries are immutable, so a clone is cheap.
 */
export class Catalog {
  // Filled only from parsed feed or snapshot lines, so every entry's bytes were checked.
  #entries = new Map<string, CatalogEntry>();

  get size(): number {
    return this.#entries.size;
  }

  get(name: string): CatalogEntry | undefined {
    return this.#entries.get(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Names in byte order (names are ASCII, so code-unit order is byte order). */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Entries sorted by name. */
  entries(): CatalogEntry[] {
    return this.names().map((name) => this.#entries.get(name)!);
  }

  [Symbol.iterator](): Iterator<CatalogEntry> {
    return this.entries()[Symbol.iterator]();
  }

  /** An independent copy, to apply lines to and keep only if the whole sync succeeds. */
  clone(): Catalog {
    const copy = new Catalog();
    copy.#entries = new Map(this.#entries);
    return copy;
  }

  /**
   * Applies one feed line: the skill's entry becomes the line's seq, file and latest. Returns
   * false (and changes nothing) for an unknown op. Throws INDEX_INCONSISTENT for a line not newer
   * than what the catalog holds for the skill (a replay, or a snapshot ahead of the feed).
   */
  apply(parsed: ParsedFeedLine): boolean {
    if (!parsed.known) return false;
    const { line } = parsed;
    const held = this.#entries.get(line.name);
    if (held !== undefined && held.seq >= line.seq) {
      throw new SkillsError(
        'INDEX_INCONSISTENT',
        `feed line ${line.seq} changes ${line.name}, but the catalog already holds line ${held.seq} for it`,
        { hint: SNAPSHOT_HINT },
      );
    }
    this.#entries.set(line.name, {
      name: line.name,
      seq: line.seq,
      file: line.file,
      latest: line.latest,
      // A copy: the parsed bytes are a view into a whole feed segment, which must not stay alive.
      latestBytes: line.latest === null ? null : Buffer.from(parsed.latestBytes),
    });
    return true;
  }

  /**
   * The snapshot file before compression: one line per skill, sorted by name, each ending in 0x0A.
   * `latest` goes in as the exact bytes it was read with.
   */
  toSnapshot(): Buffer {
    const parts: Buffer[] = [];
    for (const entry of this.entries()) {
      const head = `{"name":${jsonString(entry.name)},"seq":${entry.seq},"file":${
        entry.file === null ? 'null' : `"${entry.file}"`
      },"latest":`;
      parts.push(Buffer.from(head, 'latin1'), entry.latestBytes ?? NULL, CLOSE);
    }
    return Buffer.concat(parts);
  }

  /**
   * Reads an uncompressed snapshot (see readSnapshot for the .gz with its checks). Strict: every
   * line must be valid and end in 0x0A, names strictly increasing, and each `seq` at most
   * `options.seq` (the snapshot's own position) when given. Throws SNAPSHOT_INVALID.
   */
  static fromSnapshot(bytes: Uint8Array, options: { seq?: number } = {}): Catalog {
    const split = splitLines(bytes);
    if (split.rest > 0) throw snapshotError(`the snapshot ends with ${split.rest} bytes without a line feed`);
    const catalog = new Catalog();
    let previous: string | null = null;
    split.lines.forEach((bytes, i) => {
      const where = `snapshot line ${i + 1}`;
      let parsed: ParsedSnapshotLine;
      try {
        parsed = parseSnapshotLine(bytes);
      } catch (error) {
        throw snapshotError(`${where} is not valid: ${(error as Error).message}`, error);
      }
      const { line, latestBytes } = parsed;
      if (previous !== null && line.name <= previous) {
        throw snapshotError(
          line.name === previous
            ? `${where} repeats the name ${line.name}`
            : `${where} (${line.name}) is not sorted after ${previous}`,
        );
      }
      if (options.seq !== undefined && line.seq > options.seq) {
        throw snapshotError(
          `${where} (${line.name}) has seq ${line.seq}, past the snapshot's ${options.seq}`,
        );
      }
      previous = line.name;
      catalog.#entries.set(line.name, {
        name: line.name,
        seq: line.seq,
        file: line.file,
        latest: line.latest,
        latestBytes: line.latest === null ? null : latestBytes,
      });
    });
    return catalog;
  }
}

const NULL = Buffer.from('null');
const CLOSE = Buffer.from('}\n');

/** Applies feed entries in order, skipping unknown ops; returns how many were applied. */
export function applyFeed(catalog: Catalog, lines: Iterable<{ line: ParsedFeedLine }>): number {
  let applied = 0;
  for (const { line } of lines) if (catalog.apply(line)) applied++;
  return applied;
}

export function snapshotError(message: string, cause?: unknown): SkillsError {
  return new SkillsError('SNAPSHOT_INVALID', message, { hint: SNAPSHOT_HINT, cause });
}
