import type { Issue } from '../errors.js';
import { IndexLineError } from '../errors.js';
import { isValidName, printable } from '../name.js';
import {
  Fields,
  IssueSink,
  equalTo,
  isBoolean,
  isCount,
  isRange,
  isText,
  isTextList,
  isVersion,
  orNull,
} from './fields.js';
import { asciiBytes, jsonArray, jsonObject, jsonScalar, jsonString, type JsonText } from './json-bytes.js';
import { isPlainObject, readJsonObject } from './json-read.js';
import { isFingerprint, isSha256, isTimestamp } from './patterns.js';

/**
 * One published version, as a line of its skill's shard file (DESIGN §4 Lines). Field names are
 * the JSON keys, so the type reads like the bytes.
 */
export interface IndexLine {
  v: 1;
  name: string;
  version: string;
  /** Dependency name → range; written sorted by name. */
  deps: Readonly<Record<string, string>>;
  sha256: string;
  size: number;
  description: string;
  keywords: readonly string[];
  license: string | null;
  yanked: boolean;
  yank_reason: string | null;
  published: string;
  signer: string | null;
}

/** Readers skip longer lines; writers refuse to produce them. */
export const INDEX_LINE_MAX_BYTES = 16 * 1024;

export type IndexLineResult = { line: IndexLine; issue?: undefined } | { issue: Issue; line?: undefined };

/**
 * Checks a decoded value field by field, in key order, and returns a fresh IndexLine holding only
 * the known fields.
 *
 * Decision: unknown fields are dropped, not preserved. A reader that must pass a line on keeps its
 * exact bytes (feed lines expose them), and a writer only ever writes the fields it knows, so
 * nothing needs the unknown values — and carrying them would let unvalidated data through.
 *
 * Decision: only the shapes are checked, not the publish-time caps of DESIGN §3 (description
 * length, keyword count and pattern): the registry enforces those, and a reader refusing lines
 * over a cap a later registry relaxes would lose data. The 16 KiB line cap bounds everything.
 */
export function indexLineFields(f: Fields): IndexLine {
  return {
    v: f.check('v', equalTo(1), 'the number 1'),
    name: f.check('name', isValidName, 'a valid skill name'),
    version: f.check('version', isVersion, 'a strict SemVer version without build metadata'),
    deps: depsFields(f),
    sha256: f.check('sha256', isSha256, '64 lowercase hex digits'),
    size: f.check('size', isCount, 'a non-negative safe integer'),
    description: f.check('description', isText, 'a string'),
    keywords: f.check('keywords', isTextList, 'an array of strings'),
    license: f.check('license', orNull(isText), 'a string or null'),
    yanked: f.check('yanked', isBoolean, 'true or false'),
    yank_reason: f.check('yank_reason', orNull(isText), 'a string or null'),
    published: f.check('published', isTimestamp, 'a timestamp YYYY-MM-DDTHH:MM:SSZ'),
    signer: f.check('signer', orNull(isFingerprint), '40 uppercase hex digits or null'),
  };
}

/** A member of a feed or snapshot line holding an index line or null. */
export function embeddedIndexLine(f: Fields, key: string): IndexLine | null {
  const value = f.check(key, isLineOrNull, 'an index line or null');
  return isPlainObject(value) ? indexLineFields(new Fields(f.sink, value, `${key}.`)) : null;
}

function isLineOrNull(value: unknown): value is Record<string, unknown> | null {
  return value === null || isPlainObject(value);
}

function depsFields(f: Fields): Record<string, string> {
  const deps: Record<string, string> = {};
  const nested = f.nested('deps');
  if (nested === null) return deps;
  for (const name of Object.keys(nested.object)) {
    // The name is hostile data until checked: escaped in the issue path like in any message.
    if (!isValidName(name)) nested.sink.report(nested.path(printable(name)), 'names no valid skill');
    else deps[name] = nested.check(name, isRange, 'a valid version range');
  }
  return deps;
}

/** Validates a value (decoded JSON or a caller's object) as an index line. */
export function validateIndexLine(value: unknown, sink: IssueSink): IndexLine | null {
  if (!isPlainObject(value)) {
    sink.report('', 'must be an object');
    return null;
  }
  const line = indexLineFields(new Fields(sink, value));
  return sink.issue ? null : line;
}

/** Parses one line of a shard file (without its 0x0A), checking every field before returning. */
export function tryParseIndexLine(input: Uint8Array | string): IndexLineResult {
  const read = readJsonObject(input, {
    subject: 'index line',
    code: 'INDEX_LINE_INVALID',
    maxBytes: INDEX_LINE_MAX_BYTES,
    line: true,
  });
  if (read.issue) return { issue: read.issue };
  const sink = new IssueSink('index line', 'INDEX_LINE_INVALID');
  const line = validateIndexLine(read.value, sink);
  return line === null ? { issue: sink.issue! } : { line };
}

/** Like {@link tryParseIndexLine}, but throws IndexLineError naming the failing field. */
export function parseIndexLine(input: Uint8Array | string): IndexLine {
  const result = tryParseIndexLine(input);
  if (result.issue) throw lineError(result.issue);
  return result.line;
}

/** The exact bytes of an index line, without a trailing newline. Throws for an invalid line. */
export function serializeIndexLine(line: IndexLine): Buffer {
  return asciiBytes(indexLineJson(line));
}

/** The canonical JSON of a line, validated first so nothing invalid is ever written. */
export function indexLineJson(line: IndexLine): JsonText {
  const sink = new IssueSink('index line', 'INDEX_LINE_INVALID');
  const checked = validateIndexLine(line, sink);
  if (checked === null) throw lineError(sink.issue!);
  const json = jsonObject([
    ['v', jsonScalar(checked.v)],
    ['name', jsonScalar(checked.name)],
    ['version', jsonScalar(checked.version)],
    ['deps', jsonObject(sortedDeps(checked.deps))],
    ['sha256', jsonScalar(checked.sha256)],
    ['size', jsonScalar(checked.size)],
    ['description', jsonScalar(checked.description)],
    ['keywords', jsonArray(checked.keywords.map(jsonString))],
    ['license', jsonScalar(checked.license)],
    ['yanked', jsonScalar(checked.yanked)],
    ['yank_reason', jsonScalar(checked.yank_reason)],
    ['published', jsonScalar(checked.published)],
    ['signer', jsonScalar(checked.signer)],
  ]);
  if (json.length > INDEX_LINE_MAX_BYTES) {
    throw new IndexLineError(
      `the index line of ${checked.name}@${checked.version} would be ${json.length} bytes, more than the limit of ${INDEX_LINE_MAX_BYTES}`,
      { hint: 'Shorten the description, keywords or dependency list.' },
    );
  }
  return json;
}

/** Dependencies sorted by name (names are ASCII, so code-unit order is byte order). */
function sortedDeps(deps: Readonly<Record<string, string>>): [string, JsonText][] {
  return Object.keys(deps)
    .sort()
    .map((name) => [name, jsonString(deps[name]!)]);
}

export function lineError(issue: Issue): IndexLineError {
  return new IndexLineError(issue.message);
}
