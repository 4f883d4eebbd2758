import { createHash } from 'node:crypto';
import {
  applyFeedLine,
  chainHash,
  GENESIS_HASH,
  latestOf,
  parseFeedLine,
  renderShardFile,
  SEGMENT_LINES,
  segmentOf,
  segmentPath,
  serializeIndexLine,
  type FeedHead,
  type IndexLine,
  type ParsedFeedLine,
} from '@skills/schema';
import {
  Catalog,
  checkFeedEnd,
  FeedChainError,
  readFeed,
  type FeedEntry,
  type FeedPosition,
} from '@skills/schema/reader';
import type { Problems, WorkTree } from './verify-tree.js';

/** The feed position right after one line, with the catalog as it stood then. */
export interface FeedPoint {
  hash: string;
  segment: number;
  /** Byte length of `segment` through the line. */
  offset: number;
  /** `Catalog.toSnapshot()` after the line: what a snapshot taken there holds, uncompressed. */
  catalog: Buffer;
}

export interface FeedReplay {
  /** The last line read and its chain hash (GENESIS at seq 0). */
  end: { seq: number; hash: string };
  /** Per skill the last feed line that changed it: its shard file must have sha256 `file`. */
  skills: Map<string, { seq: number; file: string | null }>;
  /** The position and catalog after each line asked for in `points`. */
  points: Map<number, FeedPoint>;
  /** Lines of the feed table past head.seq: written by the registry, not yet rendered. */
  unrendered: number;
}

export interface FeedCheckOptions {
  tree: WorkTree;
  problems: Problems;
  /** The epoch whose segments are read: head.json's, or config.json's when the head is unreadable. */
  epoch: string;
  /** Null when head.json is unreadable: then every segment in the tree is read, end unchecked. */
  head: FeedHead | null;
  /** The registry's feed table: the committed feed must be a prefix of it. */
  feedLines?: readonly Uint8Array[];
  /** Seqs to record a FeedPoint at (the snapshots'). */
  points?: ReadonlySet<number>;
}

/** One line as it sits in a segment. */
interface SegmentLine {
  segment: number;
  /** The seq the line's place in the tree gives it: 1000·segment + its line number. */
  place: number;
  /** Without the 0x0A. */
  bytes: Buffer;
  /** With the 0x0A, for readFeed. */
  raw: Buffer;
  /** Byte length of the segment through this line. */
  end: number;
}

const SEGMENT_FILE = /^(\d{8})\.ndjson$/;

/**
 * Checks the feed of one epoch in the work tree (DESIGN §4 Lines): the segments from 0 to
 * head.segment, their line counts, the hash chain from GENESIS, head.json's end, the feed table
 * prefix; and replays every line, checking its `entry`, `latest` and `file` against what the
 * replay gives. Reports problems; returns what the shard and snapshot checks need.
 *
 * The chain names the FIRST bad seq. readFeed alone reports an altered line that still parses at
 * the next seq (whose `prev` no longer matches); here, when the next line's own hash is what the
 * line after it (or head.json) expects, the rest of the chain follows it, so the line before it
 * is the altered one and is named instead. After a break the check resumes from the line's own
 * `prev`, so a second, independent break is reported too.
 */
export async function checkFeed(options: FeedCheckOptions): Promise<FeedReplay> {
  const { tree, problems, epoch, head, feedLines } = options;
  const wanted = options.points ?? new Set<number>();
  const segmentFile = (seq: number): string => segmentPath(epoch, segmentOf(seq));

  const present = tree
    .files(`feed/${epoch}/`)
    .map((file) => SEGMENT_FILE.exec(file.slice(`feed/${epoch}/`.length))?.[1])
    .filter((k): k is string => k !== undefined)
    .map(Number);
  const last = head === null ? Math.max(-1, ...present) : head.seq === 0 ? -1 : head.segment;
  for (const k of present.filter((k) => k > last)) {
    problems.add(
      'FEED_HEAD_INVALID',
      segmentPath(epoch, k),
      head!.seq === 0
        ? 'exists, but feed/head.json says the feed is empty'
        : `lies beyond feed/head.json's segment ${last}: the head does not cover it`,
    );
  }

  const shards = new Map<string, IndexLine[]>();
  const skills = new Map<string, { seq: number; file: string | null }>();
  const points = new Map<number, FeedPoint>();
  const catalog = new Catalog();
  let tableReported = false;

  const compareWithTable = (line: SegmentLine): void => {
    if (feedLines === undefined || tableReported) return;
    const expected = feedLines[line.place - 1];
    const file = segmentPath(epoch, line.segment);
    if (expected === undefined) {
      tableReported = true;
      problems.add(
        'INDEX_WRITE_CONFLICT',
        file,
        `holds feed line ${line.place}, but the feed table ends at line ${feedLines.length}`,
        line.place,
      );
    } else if (!line.bytes.equals(expected)) {
      tableReported = true;
      problems.add(
        'INDEX_WRITE_CONFLICT',
        file,
        `feed line ${line.place} differs from the feed table's line ${line.place} (first at byte ${firstDifference(line.bytes, expected)})`,
        line.place,
      );
    }
  };

  const reportBreak = (
    error: FeedChainError,
    line: SegmentLine,
    next: SegmentLine | null,
    at: FeedPosition,
  ) => {
    let seq = error.seq;
    let message = error.message;
    const parsed = tryParse(line.bytes);
    if (parsed !== null && seq > 1 && parsed.line.seq === seq && parsed.line.prev !== at.hash) {
      // Line seq-1 was altered, or this line's prev was. If this line hashes to what the next
      // line (or head.json) expects, the rest of the chain follows it: line seq-1 is the one.
      const own = chainHash(parsed.line.prev, line.bytes);
      const expected =
        next === null ? (head?.seq === seq ? head.hash : null) : (tryParse(next.bytes)?.line.prev ?? null);
      if (expected === own) {
        seq -= 1;
        message = `feed line ${seq} was altered: it hashes to ${at.hash}, but line ${seq + 1}, which the rest of the chain follows, says ${parsed.line.prev}`;
      }
    }
    problems.add('FEED_CHAIN_BROKEN', segmentFile(seq), message, seq);
  };

  const replay = (entry: FeedEntry, line: SegmentLine): void => {
    if (entry.line.known) {
      try {
        catalog.apply(entry.line);
      } catch {
        // A seq not newer than the skill's last: the chain check has reported it already.
      }
      replayLine(entry.line, segmentPath(epoch, line.segment), shards, skills, problems);
    }
    if (wanted.has(entry.seq)) {
      points.set(entry.seq, {
        hash: entry.hash,
        segment: line.segment,
        offset: line.end,
        catalog: catalog.toSnapshot(),
      });
    }
  };

  const lines = segmentLines(options, last)[Symbol.asyncIterator]();
  const pull = async (): Promise<SegmentLine | null> => {
    const next = await lines.next();
    return next.done === true ? null : next.value;
  };
  let at: FeedPosition | null = { seq: 0, hash: GENESIS_HASH };
  let end = { seq: 0, hash: GENESIS_HASH };
  for (let line = await pull(); line !== null;) {
    const next = await pull();
    compareWithTable(line);
    let entry: FeedEntry | null = null;
    if (at !== null) {
      try {
        entry = readFeed(line.raw, at, { segment: line.segment }).lines[0]!;
      } catch (error) {
        if (!(error instanceof FeedChainError)) throw error;
        reportBreak(error, line, next, at);
      }
    }
    entry ??= adopt(line);
    at = entry === null ? null : { seq: entry.seq, hash: entry.hash };
    if (entry !== null) {
      end = { seq: entry.seq, hash: entry.hash };
      replay(entry, line);
    }
    line = next;
  }

  if (head !== null) checkEnd(head, end, epoch, problems);
  const upTo = head?.seq ?? end.seq;
  const unrendered = feedLines === undefined ? 0 : Math.max(0, feedLines.length - upTo);
  return { end, skills, points, unrendered };
}

/** The lines of segments 0 … last in order, reporting missing segments and bad line counts. */
async function* segmentLines(options: FeedCheckOptions, last: number): AsyncGenerator<SegmentLine> {
  const { tree, problems, epoch, head } = options;
  for (let k = 0; k <= last; k++) {
    const file = segmentPath(epoch, k);
    const first = k * SEGMENT_LINES + 1;
    const bytes = await tree.read(file);
    if (bytes === null) {
      const through = head === null ? '' : `–${Math.min(head.seq, first + SEGMENT_LINES - 1)}`;
      problems.add(
        'FEED_CHAIN_BROKEN',
        file,
        `is missing: feed lines ${first}${through} are not there`,
        first,
      );
      continue;
    }
    let start = 0;
    let count = 0;
    for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
      yield {
        segment: k,
        place: first + count,
        bytes: bytes.subarray(start, nl),
        raw: bytes.subarray(start, nl + 1),
        end: nl + 1,
      };
      start = nl + 1;
      count++;
    }
    if (start < bytes.length) {
      problems.add(
        'FEED_CHAIN_BROKEN',
        file,
        `ends with ${bytes.length - start} bytes without a line feed: a broken or unfinished line`,
        first + count,
      );
    }
    if (k < last && count !== SEGMENT_LINES) {
      problems.add('FEED_CHAIN_BROKEN', file, `holds ${count} lines, but a full segment holds exactly 1,000`);
    }
    if (head !== null && k === last && bytes.length !== head.offset) {
      problems.add(
        'FEED_HEAD_INVALID',
        'feed/head.json',
        `says offset ${head.offset}, but ${file} is ${bytes.length} bytes long`,
      );
    }
  }
}

/** head.json must name the end of the feed: its seq and hash. */
function checkEnd(
  head: FeedHead,
  end: { seq: number; hash: string },
  epoch: string,
  problems: Problems,
): void {
  let outcome: ReturnType<typeof checkFeedEnd>;
  try {
    outcome = checkFeedEnd(end, head);
  } catch (error) {
    const seq = head.seq;
    problems.add('FEED_CHAIN_BROKEN', segmentPath(epoch, segmentOf(seq)), (error as Error).message, seq);
    return;
  }
  if (outcome === 'short') {
    const seq = end.seq + 1;
    problems.add(
      'FEED_CHAIN_BROKEN',
      segmentPath(epoch, segmentOf(seq)),
      `the feed ends at line ${end.seq}, but feed/head.json says it goes to line ${head.seq}`,
      seq,
    );
  } else if (outcome === 'past') {
    problems.add(
      'FEED_HEAD_INVALID',
      'feed/head.json',
      `says the feed ends at line ${head.seq}, but it goes on to line ${end.seq}`,
      head.seq + 1,
    );
  }
}

/**
 * Applies one feed line to the replayed shard files and checks what the line says against the
 * replay: `entry` as the shard file will hold it, `file` = sha256 of the rendered shard file,
 * `latest` = latestOf the lines after the change, compared as serialised bytes.
 */
function replayLine(
  parsed: Extract<ParsedFeedLine, { known: true }>,
  file: string,
  shards: Map<string, IndexLine[]>,
  skills: Map<string, { seq: number; file: string | null }>,
  problems: Problems,
): void {
  const { line } = parsed;
  const { seq, name } = line;
  const bad = (message: string): void =>
    problems.add('INDEX_LINE_INVALID', file, `feed line ${seq} ${message}`, seq);
  skills.set(name, { seq, file: line.file });
  let after: IndexLine[];
  try {
    after = applyFeedLine(shards.get(name) ?? [], line);
  } catch (error) {
    bad(`does not apply to the lines of ${name} the feed gives before it: ${(error as Error).message}`);
    return;
  }
  shards.set(name, after);
  if (line.entry !== null && !canonical(line.entry).equals(parsed.entryBytes)) {
    bad(
      `holds the line of ${name}@${line.version} in another form than its shard file must (canonical bytes)`,
    );
  }
  const digest = after.length === 0 ? null : sha256(renderShardFile(after));
  if (digest !== line.file) {
    bad(`says the shard file of ${name} has sha256 ${line.file}, but replaying the feed renders ${digest}`);
  }
  const latest = latestOf(after);
  if (!(latest === null ? NULL : canonical(latest)).equals(parsed.latestBytes)) {
    const [given, replayed] = [describe(line.latest), describe(latest)];
    bad(
      given === replayed
        ? `holds the latest line of ${name} (${given}) in another form than the replay writes (canonical bytes)`
        : `gives ${given} as the latest of ${name}, but replaying the feed gives ${replayed}`,
    );
  }
}

const NULL = Buffer.from('null');

/** A line's canonical bytes; empty (so never equal to what was read) when it cannot be written. */
function canonical(line: IndexLine): Buffer {
  try {
    return serializeIndexLine(line);
  } catch {
    return Buffer.alloc(0);
  }
}

function describe(line: IndexLine | null): string {
  return line === null ? 'null' : `${line.version}${line.yanked ? ' (yanked)' : ''}`;
}

function tryParse(bytes: Buffer): ParsedFeedLine | null {
  try {
    return parseFeedLine(bytes);
  } catch {
    return null;
  }
}

/** After a break: take the line at its word (its seq, its prev), so later breaks are still found. */
function adopt(line: SegmentLine): FeedEntry | null {
  const parsed = tryParse(line.bytes);
  if (parsed === null) return null;
  return {
    seq: parsed.line.seq,
    hash: chainHash(parsed.line.prev, line.bytes),
    line: parsed,
    bytes: line.bytes,
  };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
