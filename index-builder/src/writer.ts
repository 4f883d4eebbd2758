import { createHash } from 'node:crypto';
import {
  applyFeedLine,
  chainHash,
  CONFIG_PATH,
  FEED_HEAD_PATH,
  formatTimestamp,
  headSegment,
  indexPath,
  isFingerprint,
  parseFeedHead,
  parseFeedLine,
  parseIndexConfig,
  parseIndexLine,
  renderShardFile,
  segmentOf,
  segmentPath,
  serializeFeedHead,
  SkillsError,
  type FeedHead,
  type IndexConfig,
  type IndexLine,
} from '@skills/schema';
import { writeTreeChanges } from './git-tree.js';
import { commitTree, headCommit, indexRepo, readCommitted, treeOf, type IndexRepo } from './repo.js';
import { writeWorkTree } from './work-tree.js';

/** Signs head.json's exact bytes; returns an armored detached OpenPGP signature. */
export type HeadSigner = (headBytes: Buffer) => Promise<string>;

export interface AppendOptions {
  /** New feed lines, exact bytes without newline, in seq order, continuing the committed head. */
  lines: readonly Uint8Array[];
  /** Publishers' public keys to (re)write under keys/<FPR>.asc. */
  keys?: Readonly<Record<string, string>>;
  sign?: HeadSigner;
  /** The head's `time` and the commit time; now by default. */
  time?: Date;
}

export interface AppendResult {
  /** The new commit, or the old one when there was nothing to write. */
  commit: string;
  head: FeedHead;
  /** Paths the batch changed. */
  changed: string[];
}

/** The state of the index as of its last commit: what every batch builds on. */
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
    throw new SkillsError('INDEX_WRITE_CONFLICT', `${repo.dir} is not an index repository (no commit)`, {
      hint: 'Create one with init first.',
    });
  }
  const config = parseIndexConfig(await required(repo, commit, CONFIG_PATH));
  const head = parseFeedHead(await required(repo, commit, FEED_HEAD_PATH));
  return { repo, commit, config, head };
}

/**
 * Appends feed lines to the index in ONE commit: renders the touched shard files, appends to the
 * feed segments, writes keys and head.json (+ its signature), commits, then updates the work
 * tree. State is read from the last commit, never from the work tree, so a batch interrupted
 * before its commit leaves nothing that the retry does not overwrite with the same bytes.
 */
export async function appendFeed(dir: string, options: AppendOptions): Promise<AppendResult> {
  const index = await openIndex(dir);
  const { repo, commit, config } = index;
  const changes = new Map<string, Buffer | null>();
  const shards = new Map<string, IndexLine[]>();
  const segments = new Map<number, Buffer>();
  const summary: string[] = [];
  let { seq, hash } = index.head;

  for (const bytes of options.lines) {
    const parsed = parseFeedLine(bytes);
    const { line } = parsed;
    if (line.seq !== seq + 1 || line.prev !== hash) {
      throw conflict(
        `feed line ${line.seq} does not follow the index head (seq ${seq}, hash ${hash.slice(0, 12)}…)`,
      );
    }
    seq = line.seq;
    hash = chainHash(hash, bytes);
    const segment = segmentOf(seq);
    const before =
      segments.get(segment) ?? (await committedOr(repo, commit, segmentPath(config.epoch, segment)));
    segments.set(segment, Buffer.concat([before, bytes, NEWLINE]));
    if (!parsed.known) {
      summary.push(`${seq} ${line.op} (unknown op, kept)`);
      continue;
    }
    const { name } = parsed.line;
    const after = applyFeedLine(shards.get(name) ?? (await committedShard(repo, commit, name)), parsed.line);
    const rendered = after.length === 0 ? null : renderShardFile(after);
    const digest = rendered === null ? null : sha256(rendered);
    if (digest !== parsed.line.file) {
      throw conflict(
        `feed line ${seq} says ${name}'s shard file is ${parsed.line.file} but it renders to ${digest}`,
      );
    }
    shards.set(name, after);
    changes.set(indexPath(name), rendered);
    summary.push(`${seq} ${line.op} ${name}@${parsed.line.version}`);
  }

  for (const [segment, bytes] of segments) changes.set(segmentPath(config.epoch, segment), bytes);
  for (const [fingerprint, armored] of Object.entries(options.keys ?? {})) {
    if (!isFingerprint(fingerprint)) throw conflict(`"${fingerprint}" is not a key fingerprint`);
    const path = `keys/${fingerprint}.asc`;
    const bytes = Buffer.from(armored);
    const existing = await readCommitted(repo, commit, path);
    if (existing === null || !existing.equals(bytes)) {
      changes.set(path, bytes);
      summary.push(`key ${fingerprint}`);
    }
  }
  if (changes.size === 0) return { commit, head: index.head, changed: [] };

  const time = options.time ?? new Date();
  const lastSegment = headSegment(seq);
  const offset = segments.get(lastSegment)?.length ?? index.head.offset;
  const head: FeedHead = {
    ...index.head,
    seq,
    hash,
    segment: lastSegment,
    offset,
    time: formatTimestamp(time),
  };
  const headBytes = serializeFeedHead(head);
  changes.set(FEED_HEAD_PATH, headBytes);
  if (options.sign) changes.set(`${FEED_HEAD_PATH}.asc`, Buffer.from(await options.sign(headBytes)));

  const tree = await writeTreeChanges(repo, await treeOf(repo, commit), changes);
  const message = commitMessage(index.head.seq, seq, summary);
  const next = await commitTree(repo, tree, commit, message, time);
  writeWorkTree(repo.dir, changes);
  return { commit: next, head, changed: [...changes.keys()].sort() };
}

const NEWLINE = Buffer.from('\n');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function conflict(message: string): SkillsError {
  return new SkillsError('INDEX_WRITE_CONFLICT', message, {
    hint: 'The feed and the index disagree: rebuild the index from the feed table.',
  });
}

async function required(repo: IndexRepo, commit: string, file: string): Promise<Buffer> {
  const bytes = await readCommitted(repo, commit, file);
  if (bytes === null) throw conflict(`the index commit ${commit.slice(0, 12)} has no ${file}`);
  return bytes;
}

async function committedOr(repo: IndexRepo, commit: string, file: string): Promise<Buffer> {
  return (await readCommitted(repo, commit, file)) ?? Buffer.alloc(0);
}

/** A skill's lines as committed: written by this writer, so each line is checked, not trusted blindly. */
async function committedShard(repo: IndexRepo, commit: string, name: string): Promise<IndexLine[]> {
  const bytes = await readCommitted(repo, commit, indexPath(name));
  if (bytes === null || bytes.length === 0) return [];
  return bytes
    .toString('latin1')
    .split('\n')
    .slice(0, -1)
    .map((line) => parseIndexLine(Buffer.from(line, 'latin1')));
}

function commitMessage(from: number, to: number, summary: readonly string[]): string {
  const title = to === from ? 'Update keys' : to === from + 1 ? `Feed ${to}` : `Feed ${from + 1}-${to}`;
  const shown = summary.slice(0, 100);
  const more = summary.length > shown.length ? [`… and ${summary.length - shown.length} more`] : [];
  return `${title}\n\n${[...shown, ...more].join('\n')}\n`;
}
