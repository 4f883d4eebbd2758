import {
  CONFIG_PATH,
  FEED_HEAD_PATH,
  formatTimestamp,
  headSegment,
  indexPath,
  isFingerprint,
  parseFeedHead,
  parseIndexConfig,
  parseIndexLine,
  segmentOf,
  segmentPath,
  serializeFeedHead,
  SEGMENT_LINES,
  type FeedHead,
  type IndexConfig,
} from '@skills/schema';
import { writeTreeChanges } from './git-tree.js';
import { renderFeed, splitLines, writeConflict, type RenderBase, type ShardLine } from './render.js';
import { commitTree, headCommit, indexRepo, readCommitted, treeOf, type IndexRepo } from './repo.js';
import { writeWorkTree } from './work-tree.js';

/** Signs head.json's exact bytes; returns an armored detached OpenPGP signature. */
export type HeadSigner = (headBytes: Buffer) => Promise<string>;

export interface CommitOptions {
  sign?: HeadSigner;
  /** The head's `time` and the commit time; now by default. */
  time?: Date;
}

export interface AppendOptions extends CommitOptions {
  /**
   * Feed lines, exact bytes without newline, in seq order. Lines the index already has are
   * checked byte for byte and skipped, so replaying the feed table after a crash is harmless.
   */
  lines: readonly Uint8Array[];
  /** Publishers' public keys to (re)write under keys/<FPR>.asc. */
  keys?: Readonly<Record<string, string>>;
}

export interface WriteResult {
  /** The new commit, or the old one when there was nothing to write. */
  commit: string;
  head: FeedHead;
  /** Paths the commit changed. */
  changed: string[];
}

/** The state of the index as of its last commit: what every write builds on. */
export interface CommittedIndex {
  repo: IndexRepo;
  commit: string;
  config: IndexConfig;
  head: FeedHead;
}

export async function openIndex(dir: string): Promise<CommittedIndex> {
  const repo = indexRepo(dir);
  const commit = await headCommit(repo);
  if (commit === null) {
    throw writeConflict(`${repo.dir} is not an index repository: it has no commit on main`);
  }
  const config = parseIndexConfig(await readRequired(repo, commit, CONFIG_PATH));
  const head = parseFeedHead(await readRequired(repo, commit, FEED_HEAD_PATH));
  return { repo, commit, config, head };
}

/**
 * Appends feed lines to the index in ONE commit: renders the touched shard files, appends to the
 * feed segments, writes keys and head.json (+ its signature), commits, then updates the work
 * tree. State is read from the last commit, never from the work tree, so a batch interrupted
 * before its commit leaves nothing that the retry does not overwrite with the same bytes.
 */
export async function appendFeed(dir: string, options: AppendOptions): Promise<WriteResult> {
  const index = await openIndex(dir);
  const { repo, commit, config, head } = index;
  const fresh = await skipCommittedLines(index, options.lines);
  const rendered = await renderFeed(committedBase(index), fresh);
  const changes = rendered.files;
  const summary = rendered.summary;
  for (const [fingerprint, armored] of Object.entries(options.keys ?? {})) {
    if (!isFingerprint(fingerprint)) throw writeConflict(`"${fingerprint}" is not a key fingerprint`);
    const path = `keys/${fingerprint}.asc`;
    const bytes = Buffer.from(armored);
    if (!(await readCommitted(repo, commit, path))?.equals(bytes)) {
      changes.set(path, bytes);
      summary.push(`key ${fingerprint}`);
    }
  }
  if (changes.size === 0) return { commit, head, changed: [] };

  const { seq, hash } = rendered;
  const segment = headSegment(seq);
  const offset = changes.get(segmentPath(config.epoch, segment))?.length ?? head.offset;
  const next = { ...head, seq, hash, segment, offset };
  const title =
    seq === head.seq ? 'Update keys' : seq === head.seq + 1 ? `Feed ${seq}` : `Feed ${head.seq + 1}-${seq}`;
  return commitChanges(index, changes, next, commitMessage(title, summary), options);
}

/**
 * Sets head.json (and its signature) among the changes, writes one commit on main, then brings
 * the work tree up to it. Shared by every writer so head.json is always written the same way.
 */
export async function commitChanges(
  index: CommittedIndex,
  changes: Map<string, Buffer | null>,
  head: Omit<FeedHead, 'time'>,
  message: string,
  options: CommitOptions,
  workTree: Map<string, Buffer | null> = changes,
): Promise<WriteResult> {
  const time = options.time ?? new Date();
  const headBytes = serializeFeedHead({ ...head, time: formatTimestamp(time) });
  changes.set(FEED_HEAD_PATH, headBytes);
  workTree.set(FEED_HEAD_PATH, headBytes);
  if (options.sign) {
    const signature = Buffer.from(await options.sign(headBytes));
    changes.set(`${FEED_HEAD_PATH}.asc`, signature);
    workTree.set(`${FEED_HEAD_PATH}.asc`, signature);
  }
  const { repo, commit } = index;
  const tree = await writeTreeChanges(repo, await treeOf(repo, commit), changes);
  const next = await commitTree(repo, tree, commit, message, time);
  writeWorkTree(repo.dir, workTree);
  return { commit: next, head: parseFeedHead(headBytes), changed: [...changes.keys()].sort() };
}

export function commitMessage(title: string, summary: readonly string[]): string {
  const shown = summary.slice(0, 100);
  const more = summary.length > shown.length ? [`… and ${summary.length - shown.length} more`] : [];
  return `${title}\n\n${[...shown, ...more].join('\n')}\n`;
}

/** Reading the base of a write from the last commit. */
function committedBase(index: CommittedIndex): RenderBase {
  const { repo, commit, config, head } = index;
  return {
    epoch: config.epoch,
    seq: head.seq,
    hash: head.hash,
    shard: async (name) => parseShard(await readCommitted(repo, commit, indexPath(name))),
    segment: async (segment) =>
      (await readCommitted(repo, commit, segmentPath(config.epoch, segment))) ?? Buffer.alloc(0),
  };
}

/** A shard file this writer wrote: each line is still parsed and checked, never trusted blindly. */
function parseShard(bytes: Buffer | null): ShardLine[] {
  return bytes === null ? [] : splitLines(bytes).map((line) => ({ line: parseIndexLine(line), bytes: line }));
}

/** Drops the lines the index already has, after checking they are byte for byte the committed ones. */
async function skipCommittedLines(
  index: CommittedIndex,
  lines: readonly Uint8Array[],
): Promise<readonly Uint8Array[]> {
  let first = 0;
  const segments = new Map<number, Buffer[]>();
  for (; first < lines.length; first += 1) {
    const seq = seqOf(lines[first]!);
    if (seq === null || seq > index.head.seq) break;
    const segment = segmentOf(seq);
    let committed = segments.get(segment);
    if (committed === undefined) {
      const bytes = await readCommitted(index.repo, index.commit, segmentPath(index.config.epoch, segment));
      segments.set(segment, (committed = bytes === null ? [] : splitLines(bytes)));
    }
    const line = committed[(seq - 1) % SEGMENT_LINES];
    if (line === undefined || !line.equals(lines[first]!)) {
      throw writeConflict(`feed line ${seq} differs from the one the index already has: the feed forked`);
    }
  }
  return lines.slice(first);
}

/** The seq of a feed line, read cheaply; the full parse happens when the line is rendered. */
function seqOf(bytes: Uint8Array): number | null {
  const match = /^\{"seq":(\d{1,15}),/.exec(Buffer.from(bytes.subarray(0, 24)).toString('latin1'));
  return match ? Number(match[1]) : null;
}

async function readRequired(repo: IndexRepo, commit: string, file: string): Promise<Buffer> {
  const bytes = await readCommitted(repo, commit, file);
  if (bytes === null) throw writeConflict(`the index commit ${commit.slice(0, 12)} has no ${file}`);
  return bytes;
}
