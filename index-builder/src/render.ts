import { createHash } from 'node:crypto';
import {
  applyFeedLine,
  chainHash,
  indexPath,
  parseFeedLine,
  renderShardFile,
  segmentOf,
  segmentPath,
  serializeIndexLine,
  SkillsError,
  type IndexLine,
} from '@skills/schema';

/** Where rendering starts: a feed position and how to read the files as they are there. */
export interface RenderBase {
  epoch: string;
  seq: number;
  hash: string;
  /** A skill's index lines at the base position, each with its exact bytes in the shard file. */
  shard(name: string): Promise<readonly ShardLine[]>;
  /** A feed segment's bytes at the base position. */
  segment(segment: number): Promise<Buffer>;
}

export interface ShardLine {
  line: IndexLine;
  /** The line as the shard file holds it, without its 0x0A. */
  bytes: Buffer;
}

export interface Rendered {
  seq: number;
  hash: string;
  /** Path → new bytes, or null to delete: shard files and feed segments. */
  files: Map<string, Buffer | null>;
  /** One line per feed line, for the commit message. */
  summary: string[];
}

/**
 * Renders feed lines onto a base: the only place the projection "feed → files" is computed, so
 * the writer, a rebuild and a replay cannot disagree. Each line must continue the chain, and each
 * shard file must hash to the line's `file`.
 */
export async function renderFeed(base: RenderBase, lines: readonly Uint8Array[]): Promise<Rendered> {
  const shards = new Map<string, IndexLine[]>();
  // The exact bytes of each line: as the base's shard file holds them, or serialized (and so
  // validated) here once, not once per later feed line of its skill. Base bytes are taken as they
  // are: a shard file that is not what the feed rendered fails the digest check below.
  const bytesOf = new Map<IndexLine, Buffer>();
  const serialize = (line: IndexLine): Buffer => {
    let bytes = bytesOf.get(line);
    if (bytes === undefined) bytesOf.set(line, (bytes = serializeIndexLine(line)));
    return bytes;
  };
  const shardAtBase = async (name: string): Promise<IndexLine[]> => {
    const lines = await base.shard(name);
    for (const { line, bytes } of lines) bytesOf.set(line, bytes);
    return lines.map(({ line }) => line);
  };
  const segments = new Map<number, Buffer[]>();
  const files = new Map<string, Buffer | null>();
  const summary: string[] = [];
  let { seq, hash } = base;
  for (const bytes of lines) {
    const parsed = parseFeedLine(bytes);
    const { line } = parsed;
    if (line.seq !== seq + 1 || line.prev !== hash) {
      throw writeConflict(`feed line ${line.seq} does not follow seq ${seq} (hash ${hash.slice(0, 12)}…)`);
    }
    seq = line.seq;
    hash = chainHash(hash, bytes);
    const segment = segmentOf(seq);
    let parts = segments.get(segment);
    if (parts === undefined) segments.set(segment, (parts = [await base.segment(segment)]));
    parts.push(Buffer.from(bytes), NEWLINE);
    if (!parsed.known) {
      summary.push(`${seq} ${line.op} (an op this writer does not know; kept in the feed)`);
      continue;
    }
    const { name, version, file } = parsed.line;
    const after = applyFeedLine(shards.get(name) ?? (await shardAtBase(name)), parsed.line);
    const rendered = after.length === 0 ? null : renderShardFile(after, serialize);
    const digest = rendered === null ? null : sha256(rendered);
    if (digest !== file) {
      throw writeConflict(
        `feed line ${seq} says ${name}'s shard file is ${file} but it renders to ${digest}`,
      );
    }
    shards.set(name, after);
    files.set(indexPath(name), rendered);
    summary.push(`${seq} ${line.op} ${name}@${version}`);
  }
  for (const [segment, parts] of segments) files.set(segmentPath(base.epoch, segment), Buffer.concat(parts));
  return { seq, hash, files, summary };
}

export function writeConflict(message: string): SkillsError {
  return new SkillsError('INDEX_WRITE_CONFLICT', message, {
    hint: 'The feed and the index disagree: rebuild the index from the feed table.',
  });
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Splits a shard file or segment into lines (every line ends with 0x0A; bytes, never re-encoded). */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

const NEWLINE = Buffer.from('\n');
