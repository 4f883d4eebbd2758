import { isValidName } from '../name.js';
import { Fields, IssueSink, isPositiveCount, orNull } from './fields.js';
import {
  INDEX_LINE_MAX_BYTES,
  embeddedIndexLine,
  indexLineJson,
  lineError,
  type IndexLine,
} from './index-line.js';
import { asciiBytes, jsonObject, jsonScalar } from './json-bytes.js';
import { readJsonObject } from './json-read.js';
import { isSha256 } from './patterns.js';

/**
 * One line of a catalog snapshot (DESIGN §4 Lines): a skill ever published, with the `seq` and
 * `file` of the last feed line that changed it and its latest line (null once every version is
 * purged).
 */
export interface SnapshotLine {
  name: string;
  seq: number;
  file: string | null;
  latest: IndexLine | null;
}

export interface ParsedSnapshotLine {
  line: SnapshotLine;
  /** The exact bytes of `latest` inside the snapshot line ("null" when there is none). */
  latestBytes: Buffer;
}

/** Parses one snapshot line (without its 0x0A); throws IndexLineError naming the first bad field. */
export function parseSnapshotLine(input: Uint8Array | string): ParsedSnapshotLine {
  const read = readJsonObject(input, {
    subject: 'snapshot line',
    code: 'INDEX_LINE_INVALID',
    maxBytes: Number.MAX_SAFE_INTEGER,
    line: true,
  });
  if (read.issue) throw lineError(read.issue);
  const sink = new IssueSink('snapshot line', 'INDEX_LINE_INVALID');
  const line = snapshotFields(new Fields(sink, read.value));
  const span = read.spans.get('latest');
  const latestBytes = span === undefined ? Buffer.from('null') : read.bytes.subarray(span[0], span[1]);
  if (latestBytes.length > INDEX_LINE_MAX_BYTES) {
    sink.report(
      'latest',
      `is ${latestBytes.length} bytes long, more than the index line limit of ${INDEX_LINE_MAX_BYTES}`,
    );
  }
  if (sink.issue) throw lineError(sink.issue);
  return { line, latestBytes };
}

/** The exact bytes of a snapshot line, without a trailing newline. Throws for an invalid line. */
export function serializeSnapshotLine(line: SnapshotLine): Buffer {
  const sink = new IssueSink('snapshot line', 'INDEX_LINE_INVALID');
  const checked = snapshotFields(new Fields(sink, line as unknown as Record<string, unknown>));
  if (sink.issue) throw lineError(sink.issue);
  return asciiBytes(
    jsonObject([
      ['name', jsonScalar(checked.name)],
      ['seq', jsonScalar(checked.seq)],
      ['file', jsonScalar(checked.file)],
      ['latest', checked.latest === null ? 'null' : indexLineJson(checked.latest)],
    ]),
  );
}

function snapshotFields(f: Fields): SnapshotLine {
  const line: SnapshotLine = {
    name: f.check('name', isValidName, 'a valid skill name'),
    seq: f.check('seq', isPositiveCount, 'a positive safe integer'),
    file: f.check('file', orNull(isSha256), '64 lowercase hex digits or null'),
    latest: null,
  };
  line.latest = embeddedIndexLine(f, 'latest');
  if (f.sink.issue) return line;
  if (line.latest !== null && line.latest.name !== line.name)
    f.sink.report('latest', `must be a line of ${line.name}`);
  else if ((line.latest === null) !== (line.file === null))
    f.sink.report('file', 'must be null exactly when latest is');
  return line;
}
