import { isValidName } from '../name.js';
import { Fields, IssueSink, isPositiveCount, isText, isVersion, orNull } from './fields.js';
import {
  INDEX_LINE_MAX_BYTES,
  embeddedIndexLine,
  indexLineJson,
  lineError,
  type IndexLine,
} from './index-line.js';
import { asciiBytes, jsonObject, jsonScalar, type JsonText } from './json-bytes.js';
import { readJsonObject, type JsonObjectBytes } from './json-read.js';
import { isSha256 } from './patterns.js';

export const FEED_OPS = ['publish', 'yank', 'unyank', 'purge'] as const;
export type FeedOp = (typeof FEED_OPS)[number];

/**
 * One line of the feed (DESIGN §4 Lines).
 *
 * Decision: `latest` is always resolved here. On the wire it is omitted when it equals `entry`
 * (byte for byte, so also when both are null); the parser fills it in from `entry` and the
 * serialiser leaves it out again, so no caller handles the omission.
 */
export interface FeedLine {
  seq: number;
  op: FeedOp;
  name: string;
  version: string;
  /** The index line of name@version after the change; null for a purge. */
  entry: IndexLine | null;
  /** The skill's latest line after the change; null when no version remains. */
  latest: IndexLine | null;
  /** sha256 of the skill's shard file after the change; null when no version remains. */
  file: string | null;
  /** The chain hash of line seq-1. */
  prev: string;
}

/** A feed line whose `op` this version does not know: chain-check it, then skip it. */
export interface UnknownFeedLine {
  seq: number;
  op: string;
  prev: string;
}

export type ParsedFeedLine =
  | {
      known: true;
      line: FeedLine;
      /** The exact bytes of `entry` inside the feed line ("null" for a purge). */
      entryBytes: Buffer;
      /** The exact bytes of `latest`, or of `entry` when `latest` was omitted. */
      latestBytes: Buffer;
    }
  | { known: false; line: UnknownFeedLine };

function isFeedOp(op: string): op is FeedOp {
  return (FEED_OPS as readonly string[]).includes(op);
}

/**
 * Parses one feed line (without its 0x0A). Every field is checked before the line is returned;
 * throws IndexLineError naming the first bad field. Feed lines have no size cap of their own:
 * their embedded index lines are capped, and a line of a future op may be larger.
 */
export function parseFeedLine(input: Uint8Array | string): ParsedFeedLine {
  const read = readJsonObject(input, {
    subject: 'feed line',
    code: 'INDEX_LINE_INVALID',
    maxBytes: Number.MAX_SAFE_INTEGER,
    line: true,
  });
  if (read.issue) throw lineError(read.issue);
  const sink = new IssueSink('feed line', 'INDEX_LINE_INVALID');
  const f = new Fields(sink, read.value);
  const seq = f.check('seq', isPositiveCount, 'a positive safe integer');
  const op = f.check('op', isText, 'a string');
  const prev = f.check('prev', isSha256, '64 lowercase hex digits');
  if (sink.issue) throw lineError(sink.issue);
  if (!isFeedOp(op)) return { known: false, line: { seq, op, prev } };

  const name = f.check('name', isValidName, 'a valid skill name');
  const version = f.check('version', isVersion, 'a strict SemVer version without build metadata');
  const entry = embeddedLine(read, f, 'entry');
  const latest = f.has('latest') ? embeddedLine(read, f, 'latest') : entry;
  const file = f.check('file', orNull(isSha256), '64 lowercase hex digits or null');
  const line: FeedLine = { seq, op, name, version, entry: entry.line, latest: latest.line, file, prev };
  checkFeedLine(line, sink);
  if (sink.issue) throw lineError(sink.issue);
  return { known: true, line, entryBytes: entry.bytes, latestBytes: latest.bytes };
}

/** A member holding an index line or null, checked against the line cap on its exact bytes. */
function embeddedLine(
  read: JsonObjectBytes,
  f: Fields,
  key: string,
): { line: IndexLine | null; bytes: Buffer } {
  const line = embeddedIndexLine(f, key);
  const span = read.spans.get(key);
  const bytes = span === undefined ? Buffer.from('null') : read.bytes.subarray(span[0], span[1]);
  if (bytes.length > INDEX_LINE_MAX_BYTES) {
    f.sink.report(
      key,
      `is ${bytes.length} bytes long, more than the index line limit of ${INDEX_LINE_MAX_BYTES}`,
    );
  }
  return { line, bytes };
}

/**
 * The rules that tie a feed line's fields together; the parser and the serialiser share them so a
 * line that one writes the other reads.
 */
function checkFeedLine(line: FeedLine, sink: IssueSink): void {
  if (sink.issue) return;
  const { op, entry, latest } = line;
  if (op === 'purge' ? entry !== null : entry === null) {
    sink.report('entry', op === 'purge' ? 'must be null for a purge' : `must be an index line for a ${op}`);
  } else if (entry !== null && (entry.name !== line.name || entry.version !== line.version)) {
    sink.report('entry', `must be the line of ${line.name}@${line.version}`);
  } else if (op === 'yank' && entry?.yanked !== true) {
    sink.report('entry.yanked', 'must be true for a yank');
  } else if (op === 'unyank' && entry?.yanked !== false) {
    sink.report('entry.yanked', 'must be false for an unyank');
  } else if (latest !== null && latest.name !== line.name) {
    sink.report('latest', `must be a line of ${line.name}`);
  } else if (entry !== null && latest === null) {
    sink.report('latest', 'must not be null while a version remains');
  } else if ((latest === null) !== (line.file === null)) {
    sink.report('file', 'must be null exactly when no version remains');
  }
}

/** The exact bytes of a feed line, without a trailing newline. Throws for an invalid line. */
export function serializeFeedLine(line: FeedLine): Buffer {
  const sink = new IssueSink('feed line', 'INDEX_LINE_INVALID');
  const f = new Fields(sink, line as unknown as Record<string, unknown>);
  f.check('seq', isPositiveCount, 'a positive safe integer');
  f.check('op', (op: unknown): op is FeedOp => typeof op === 'string' && isFeedOp(op), 'a known op');
  f.check('name', isValidName, 'a valid skill name');
  f.check('version', isVersion, 'a strict SemVer version without build metadata');
  embeddedIndexLine(f, 'entry');
  embeddedIndexLine(f, 'latest');
  f.check('file', orNull(isSha256), '64 lowercase hex digits or null');
  f.check('prev', isSha256, '64 lowercase hex digits');
  checkFeedLine(line, sink);
  if (sink.issue) throw lineError(sink.issue);
  const entry = embeddedJson(line.entry);
  const latest = embeddedJson(line.latest);
  return asciiBytes(
    jsonObject([
      ['seq', jsonScalar(line.seq)],
      ['op', jsonScalar(line.op)],
      ['name', jsonScalar(line.name)],
      ['version', jsonScalar(line.version)],
      ['entry', entry],
      ...(latest === entry ? [] : [['latest', latest] as const]),
      ['file', jsonScalar(line.file)],
      ['prev', jsonScalar(line.prev)],
    ]),
  );
}

function embeddedJson(line: IndexLine | null): JsonText {
  return line === null ? 'null' : indexLineJson(line);
}
