import { SkillsError } from '../errors.js';
import { chainHash, isSha256, parseFeedLine, segmentOf, type ParsedFeedLine } from '../lines/index.js';
import { splitLines } from './split.js';

/** A point in the feed: the last line applied and its chain hash (GENESIS_HASH at seq 0). */
export interface FeedPosition {
  seq: number;
  hash: string;
  /** Carried through unchanged; feed lines do not name their epoch. */
  epoch?: string;
}

/** One chain-checked feed line. */
export interface FeedEntry {
  seq: number;
  /** hash(seq), over the exact line bytes. */
  hash: string;
  /** `known: false` for an op this version does not know: chain-checked, callers skip it. */
  line: ParsedFeedLine;
  /** The exact line bytes, without the 0x0A (a view into the input). */
  bytes: Buffer;
}

export interface FeedRead {
  lines: FeedEntry[];
  /** The position after the last complete line (`from` when there is none). */
  end: FeedPosition;
  /** Bytes up to and including the last 0x0A: add it to the offset the bytes were read from. */
  consumed: number;
  /** Bytes of a trailing fragment without 0x0A: not a line, not an error (a write in progress). */
  rest: number;
}

export interface ReadFeedOptions {
  /** The segment the bytes come from: every line's seq must belong to it. */
  segment?: number;
}

const FEED_HINT = 'Run `skills sync` again; if it persists, the feed was altered: report it to the registry.';

/** FEED_CHAIN_BROKEN, naming the first line that does not follow its predecessor. */
export class FeedChainError extends SkillsError {
  constructor(
    /** The seq at which the chain breaks: the line expected there is missing, invalid or altered. */
    readonly seq: number,
    /** The last position that was still good; null when unknown (checkFeedEnd). */
    readonly after: FeedPosition | null,
    message: string,
    cause?: unknown,
  ) {
    super('FEED_CHAIN_BROKEN', message, { hint: FEED_HINT, cause });
  }
}

/**
 * Reads feed bytes that start right after `from` (DESIGN §4 Lines, Client sync 3–4): splits on
 * 0x0A, parses each complete line, and checks `seq` = previous + 1 and `prev` = previous hash,
 * computing each chain hash over the exact bytes. Unknown-op lines are chain-checked like the
 * others. Throws a FeedChainError at the first line that fails, naming its seq.
 *
 * An altered line that still parses is caught at the NEXT line, whose `prev` no longer matches
 * (or, for the last line read, by comparing `end` with head.json: see checkFeedEnd).
 */
export function readFeed(bytes: Uint8Array, from: FeedPosition, options: ReadFeedOptions = {}): FeedRead {
  if (!Number.isSafeInteger(from.seq) || from.seq < 0 || !isSha256(from.hash)) {
    throw new SkillsError('INTERNAL', 'a feed position needs a non-negative seq and a 64-hex hash');
  }
  const split = splitLines(bytes);
  const lines: FeedEntry[] = [];
  let at: FeedPosition = from;
  for (const line of split.lines) {
    const entry = nextEntry(line, at, options);
    lines.push(entry);
    at = { ...at, seq: entry.seq, hash: entry.hash };
  }
  return { lines, end: at, consumed: split.consumed, rest: split.rest };
}

function nextEntry(bytes: Buffer, at: FeedPosition, options: ReadFeedOptions): FeedEntry {
  const seq = at.seq + 1;
  const broken = (problem: string, cause?: unknown): FeedChainError =>
    new FeedChainError(seq, at, `feed line ${seq} ${problem}`, cause);
  let line: ParsedFeedLine;
  try {
    line = parseFeedLine(bytes);
  } catch (error) {
    throw broken(`is not valid: ${(error as Error).message}`, error);
  }
  const found = line.line.seq;
  if (found !== seq) {
    throw broken(
      found > seq
        ? `is missing: the next line read is ${found}`
        : `is missing: the line read in its place is ${found} (repeated or reordered)`,
    );
  }
  if (options.segment !== undefined && segmentOf(seq) !== options.segment) {
    throw broken(`belongs in segment ${segmentOf(seq)}, not in segment ${options.segment}`);
  }
  if (line.line.prev !== at.hash) {
    throw broken(
      seq === 1
        ? 'does not start the chain: its prev is not 64 zeros'
        : `does not follow line ${at.seq}: its prev is ${line.line.prev}, but line ${at.seq} hashes to ${at.hash} (line ${at.seq} or ${seq} was altered)`,
    );
  }
  return { seq, hash: chainHash(at.hash, bytes), line, bytes };
}

/**
 * Sync step 4: where reading ended against head.json. 'complete' when it reached head.seq with
 * head.hash; 'short' when it stopped before (a stale copy: retry, then "try later"); 'past' when
 * it read beyond head.seq (the caller did not cut at head.offset). Throws FeedChainError when it
 * reached head.seq with another hash: the last line read was altered.
 */
export function checkFeedEnd(
  end: Pick<FeedPosition, 'seq' | 'hash'>,
  head: Pick<FeedPosition, 'seq' | 'hash'>,
): 'complete' | 'short' | 'past' {
  if (end.seq < head.seq) return 'short';
  if (end.seq > head.seq) return 'past';
  if (end.hash === head.hash) return 'complete';
  throw new FeedChainError(
    head.seq,
    null,
    `feed line ${head.seq} hashes to ${end.hash}, but feed/head.json says ${head.hash}`,
  );
}
