import { createHash } from 'node:crypto';
import { IndexLineError, SkillsError, type Issue } from '../errors.js';
import { indexPath, isSha256, tryParseIndexLine, type IndexLine } from '../lines/index.js';
import { splitLines } from './split.js';

export interface ShardRead {
  /** The valid lines, in file (feed) order. */
  lines: IndexLine[];
  /** One issue per skipped line. */
  diagnostics: Issue[];
}

const INDEX_INCONSISTENT_HINT = 'Run `skills sync` again; if it persists, report it to the registry.';

/**
 * Reads a skill's shard file (DESIGN §4 Lines, Client sync).
 *
 * The sha256 of the bytes is checked FIRST against `expectedFile`, the `file` of the last synced
 * feed line for the skill; a mismatch throws INDEX_INCONSISTENT before any byte is parsed.
 * `expectedFile` null means the feed says no version remains: only an empty (or absent) file
 * matches then.
 *
 * Lenient per line, strict per file: a line that fails validation (16 KiB cap included), names
 * another skill than `name`, or repeats a version already read is skipped with a diagnostic (the
 * first of two equal versions is kept). A final fragment without 0x0A is refused: the digest
 * matched, so the registry wrote it that way and the file cannot be trusted as a whole.
 */
export function readShardFile(bytes: Uint8Array, expectedFile: string | null, name?: string): ShardRead {
  const where = name === undefined ? 'shard file' : indexPath(name);
  checkDigest(bytes, expectedFile, where);
  const split = splitLines(bytes);
  if (split.rest > 0) {
    throw new IndexLineError(
      `${where} ends with ${split.rest} bytes without a line feed: the registry wrote a broken file`,
      { hint: 'Report it to the registry.' },
    );
  }
  const lines: IndexLine[] = [];
  const diagnostics: Issue[] = [];
  const seen = new Set<string>();
  split.lines.forEach((bytes, i) => {
    const skip = (message: string): void => {
      diagnostics.push({ path: `${where}:${i + 1}`, code: 'INDEX_LINE_INVALID', message });
    };
    const result = tryParseIndexLine(bytes);
    if (result.issue) return skip(`skipped: ${result.issue.message}`);
    const line = result.line;
    if (name !== undefined && line.name !== name) {
      return skip(`skipped: the line is of ${line.name}, not of ${name}`);
    }
    const key = `${line.name}@${line.version}`;
    if (seen.has(key)) return skip(`skipped: version ${line.version} appears earlier in the file`);
    seen.add(key);
    lines.push(line);
  });
  return { lines, diagnostics };
}

function checkDigest(bytes: Uint8Array, expectedFile: string | null, where: string): void {
  if (expectedFile === null) {
    if (bytes.length === 0) return;
    throw new SkillsError(
      'INDEX_INCONSISTENT',
      `${where} holds ${bytes.length} bytes, but the synced feed says no version of it remains`,
      { hint: INDEX_INCONSISTENT_HINT },
    );
  }
  if (!isSha256(expectedFile)) {
    throw new SkillsError('INTERNAL', 'the expected digest of a shard file must be 64 lowercase hex digits');
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expectedFile) {
    throw new SkillsError(
      'INDEX_INCONSISTENT',
      `${where} has sha256 ${actual}, but the synced feed says ${expectedFile}`,
      { hint: INDEX_INCONSISTENT_HINT },
    );
  }
}
