import { createHash } from 'node:crypto';
import { IndexLineError } from '../errors.js';
import { chainHash } from './chain.js';
import { serializeFeedLine, type FeedLine, type FeedOp } from './feed-line.js';
import { serializeIndexLine, type IndexLine } from './index-line.js';
import { latestOf } from './latest.js';

/**
 * A skill's shard file: each line's exact bytes and 0x0A, in the order given (feed order).
 * `serialize` is serializeIndexLine, or a memo of it over lines that do not change meanwhile.
 */
export function renderShardFile(
  lines: readonly IndexLine[],
  serialize: (line: IndexLine) => Buffer = serializeIndexLine,
): Buffer {
  return Buffer.concat(lines.flatMap((line) => [serialize(line), NEWLINE]));
}

const NEWLINE = Buffer.from('\n');

/** True when the two states render to the same shard file: no feed line is due. */
export function isNoopChange(before: readonly IndexLine[], after: readonly IndexLine[]): boolean {
  return renderShardFile(before).equals(renderShardFile(after));
}

/**
 * A skill's lines after one feed line: publish appends `entry`, yank and unyank replace the line of
 * `version` in place, purge removes it. Replaying the feed this way renders every shard file.
 * Throws IndexLineError when the line does not apply (publishing a version that exists, yanking
 * or purging one that does not).
 */
export function applyFeedLine(
  lines: readonly IndexLine[],
  change: Pick<FeedLine, 'op' | 'name' | 'version' | 'entry'>,
): IndexLine[] {
  const at = lines.findIndex((line) => line.name === change.name && line.version === change.version);
  const exists = at >= 0;
  if (change.op === 'publish' ? exists : !exists) {
    throw new IndexLineError(
      `cannot ${change.op} ${change.name}@${change.version}: the version ${exists ? 'is already' : 'is not'} in the index`,
    );
  }
  if (change.op === 'purge') return lines.filter((_, i) => i !== at);
  const { entry } = change;
  if (entry === null)
    throw new IndexLineError(`a ${change.op} needs the line of ${change.name}@${change.version}`);
  if (change.op === 'publish') return [...lines, entry];
  if (!sameExceptYank(lines[at]!, entry)) {
    throw new IndexLineError(`a ${change.op} may change only "yanked" and "yank_reason"`);
  }
  return lines.map((line, i) => (i === at ? entry : line));
}

function sameExceptYank(a: IndexLine, b: IndexLine): boolean {
  const unyanked = (line: IndexLine): Buffer =>
    serializeIndexLine({ ...line, yanked: false, yank_reason: null });
  return unyanked(a).equals(unyanked(b));
}

export interface FeedChange {
  seq: number;
  op: FeedOp;
  name: string;
  version: string;
  /** The skill's index lines in feed order before the change (its shard file as it is). */
  before: readonly IndexLine[];
  /** The skill's index lines in feed order after the change. */
  after: readonly IndexLine[];
  /** The chain hash of line seq-1. */
  prev: string;
}

export interface BuiltFeedLine {
  line: FeedLine;
  /** The feed line's exact bytes, without its newline. */
  bytes: Buffer;
  /** This line's chain hash, hash(seq). */
  hash: string;
  /** The shard file after the change; null when no version remains (delete the file). */
  shard: Buffer | null;
}

/**
 * serializeIndexLine, remembered per line object: before, after and expected states share most of
 * their line objects, and a caller that keeps a skill's lines between changes keeps their bytes
 * too, so each line is serialized (and validated) once. Only for lines nobody changes meanwhile
 * (every state change here makes new objects).
 */
export function lineSerializer(): (line: IndexLine) => Buffer {
  const serialized = new WeakMap<IndexLine, Buffer>(); // a line nobody holds any more goes
  return (line) => {
    let bytes = serialized.get(line);
    if (bytes === undefined) serialized.set(line, (bytes = serializeIndexLine(line)));
    return bytes;
  };
}

/**
 * The feed line for one change of one skill. Refuses (IndexLineError) a no-op change and an
 * `after` that is not exactly `before` with this one change applied: every shard file must stay
 * a projection of the feed, so a feed line may not leave any part of a change unsaid.
 * `serialize` may be a lineSerializer the caller keeps with the skill's lines.
 */
export function buildFeedLine(change: FeedChange, serialize = lineSerializer()): BuiltFeedLine {
  const { name, version, before, after } = change;
  const stranger = [...before, ...after].find((line) => line.name !== name);
  if (stranger) throw new IndexLineError(`the lines of ${name} include one of ${stranger.name}`);
  const shard = renderShardFile(after, serialize);
  if (renderShardFile(before, serialize).equals(shard)) {
    throw new IndexLineError(`${change.op} of ${name}@${version} changes nothing: no feed line is due`);
  }
  const entry = after.find((line) => line.version === version) ?? null;
  const expected = applyFeedLine(before, { op: change.op, name, version, entry });
  if (!renderShardFile(expected, serialize).equals(shard)) {
    throw new IndexLineError(
      `the new lines of ${name} differ from the old ones by more than this ${change.op}`,
    );
  }
  const line: FeedLine = {
    seq: change.seq,
    op: change.op,
    name,
    version,
    entry,
    latest: latestOf(after),
    file: after.length > 0 ? createHash('sha256').update(shard).digest('hex') : null,
    prev: change.prev,
  };
  const bytes = serializeFeedLine(line);
  return { line, bytes, hash: chainHash(change.prev, bytes), shard: after.length > 0 ? shard : null };
}
