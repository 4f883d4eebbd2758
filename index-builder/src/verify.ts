import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  CONFIG_PATH,
  FEED_HEAD_PATH,
  indexPath,
  isSkillsError,
  parseFeedHead,
  parseIndexConfig,
  SkillsError,
  type FeedHead,
  type IndexConfig,
} from '@skills/schema';
import { readShardFile } from '@skills/schema/reader';
import { checkFeed, type FeedReplay } from './verify-feed.js';
import { checkGit } from './verify-git.js';
import { checkHeadSignature, checkKeys } from './verify-pgp.js';
import { checkSnapshots, snapshotFiles } from './verify-snapshots.js';
import { Problems, WorkTree, type VerifyProblem } from './verify-tree.js';

export type { VerifyProblem } from './verify-tree.js';

export interface VerifyOptions {
  /**
   * The registry's feed table, each line's exact bytes without its newline, in seq order. The
   * feed in the tree must be a prefix of it, byte for byte.
   */
  feedLines?: readonly Uint8Array[];
  /** The registry's armored public key: feed/head.json.asc must verify with it. */
  publicKey?: string;
  /** Compare the work tree with the HEAD commit of `main` and run git fsck. Default true. */
  git?: boolean;
}

export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  /** head.json's seq (0 when it cannot be read). */
  seq: number;
  /** head.json's epoch, else config.json's, else ''. */
  epoch: string;
  problems: VerifyProblem[];
  /** Checks that did not run, each with the reason: not problems. */
  skipped: string[];
  /**
   * Lines of `feedLines` past head.seq: in the feed table, not yet rendered into the tree. Not a
   * problem: the registry commits a line to its table before the worker renders it, so a live
   * index is normally a little behind; the caller decides how much lag it tolerates.
   */
  unrendered: number;
}

/**
 * Checks that an index tree is sound (DESIGN §4, docs/INDEX_FORMAT.md): the served work tree —
 * the files a static host serves — is exactly the projection of its feed, the feed chain is
 * intact from GENESIS to head.json, and the tree equals the HEAD commit of branch `main`.
 *
 * 1. config.json and feed/head.json parse; their epochs agree; the head has not expired.
 * 2. Segments 0 … head.segment exist, full ones hold 1,000 lines, none lies beyond; the chain
 *    holds from GENESIS with no seq gap (the first bad seq is named); head.json's seq, hash and
 *    offset are the feed's end.
 * 3. With `feedLines`: the tree's feed is a prefix of them (the first differing seq is named);
 *    lines past the head count as `unrendered`, not as problems.
 * 4. Replaying the feed: each line's `entry`, `file` and `latest` are what the replay gives; each
 *    skill's shard file has the sha256 of its last line's `file` (none when that is null); no
 *    other file lies in the shard directories (`1/`, `2/`, `3/<c>/`, `<2>/<2>/`).
 * 5. feed/head.json.asc verifies (see checkHeadSignature for which key).
 * 6. head.snapshot and the other kept snapshot hold the replayed catalog at their seq; at most two.
 * 7. keys/ holds only public keys named by their primary fingerprint.
 * 8. Unless `git: false`: the HEAD tree of `main` equals the work tree, holds no link or
 *    .gitmodules, and `git fsck --strict --no-dangling` passes (skipped without system git).
 *
 * Never throws for what it finds: every finding is a problem. Throws (IO) only when `dir` is not
 * a readable directory.
 */
export async function verify(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const root = path.resolve(dir);
  await requireDirectory(root);
  const problems = new Problems();
  const skipped: string[] = [];
  const tree = await WorkTree.open(root, problems);

  const config = await readConfig(tree, problems);
  const headBytes = await tree.read(FEED_HEAD_PATH);
  const head = readHead(headBytes, problems);
  if (config !== null && head !== null && config.epoch !== head.epoch) {
    problems.add(
      'FEED_HEAD_INVALID',
      FEED_HEAD_PATH,
      `names epoch ${head.epoch}, but config.json names ${config.epoch}`,
    );
  }
  if (head?.expires != null && Date.parse(head.expires) < Date.now()) {
    problems.add('FEED_HEAD_INVALID', FEED_HEAD_PATH, `expired at ${head.expires}: clients refuse it`);
  }

  const epoch = head?.epoch ?? config?.epoch ?? null;
  let replay: FeedReplay | null = null;
  if (epoch !== null) {
    const points = new Set(snapshotFiles(tree, epoch).map(({ seq }) => seq));
    if (head?.snapshot) points.add(head.snapshot.seq);
    replay = await checkFeed({ tree, problems, epoch, head, feedLines: options.feedLines, points });
    await checkShards(tree, problems, replay);
    if (head !== null) await checkSnapshots(tree, problems, head, replay.points);
  }
  await checkHeadSignature({ tree, problems, skipped, config, headBytes, publicKey: options.publicKey });
  await checkKeys(tree, problems, config);
  if (options.git === false) skipped.push('git: not asked for');
  else await checkGit(root, tree, problems, skipped);

  return {
    ok: problems.list.length === 0,
    seq: head?.seq ?? 0,
    epoch: epoch ?? '',
    problems: problems.list,
    skipped,
    unrendered: replay?.unrendered ?? 0,
  };
}

async function requireDirectory(root: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    throw new SkillsError('IO', `cannot read the index at ${root}: ${(error as Error).message}`, {
      hint: 'Give the folder of the index repository.',
      cause: error,
    });
  }
  if (!isDirectory) {
    throw new SkillsError('IO', `${root} is not a folder`, {
      hint: 'Give the folder of the index repository.',
    });
  }
}

async function readConfig(tree: WorkTree, problems: Problems): Promise<IndexConfig | null> {
  const bytes = await tree.read(CONFIG_PATH);
  if (bytes === null) {
    problems.add('INDEX_CONFIG_INVALID', CONFIG_PATH, 'is missing');
    return null;
  }
  try {
    return parseIndexConfig(bytes);
  } catch (error) {
    problems.add('INDEX_CONFIG_INVALID', CONFIG_PATH, (error as Error).message);
    return null;
  }
}

function readHead(bytes: Buffer | null, problems: Problems): FeedHead | null {
  if (bytes === null) {
    problems.add('FEED_HEAD_INVALID', FEED_HEAD_PATH, 'is missing');
    return null;
  }
  try {
    return parseFeedHead(bytes);
  } catch (error) {
    problems.add('FEED_HEAD_INVALID', FEED_HEAD_PATH, (error as Error).message);
    return null;
  }
}

/**
 * Each skill's shard file against the `file` of the last feed line that changed it; then every
 * file in the shard directories (top-level names of at most two characters, which the shards own)
 * must be the shard file of a skill whose last line left versions.
 */
async function checkShards(tree: WorkTree, problems: Problems, replay: FeedReplay): Promise<void> {
  const bad = (file: string, message: string): void => problems.add('INDEX_INCONSISTENT', file, message);
  for (const [name, last] of replay.skills) {
    const file = indexPath(name);
    if (last.file === null) {
      if (tree.entries.has(file))
        bad(file, `exists, but feed line ${last.seq} removed the last version of ${name}`);
      continue;
    }
    const bytes = await tree.read(file);
    if (bytes === null) {
      if (!tree.entries.has(file))
        bad(file, `is missing, but feed line ${last.seq} gives its sha256 ${last.file}`);
      continue;
    }
    try {
      const read = readShardFile(bytes, last.file, name);
      for (const issue of read.diagnostics) problems.add(issue.code, issue.path, issue.message);
    } catch (error) {
      problems.add(
        isSkillsError(error) ? error.code : 'INDEX_INCONSISTENT',
        file,
        `${(error as Error).message} (feed line ${last.seq})`,
      );
    }
  }
  for (const file of tree.entries.keys()) {
    if (file.split('/')[0]!.length > 2) continue;
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (shardPathOf(name) !== file) {
      bad(file, 'lies in a shard directory but is not the shard file <shard>/<name> of a skill name');
    } else if (!replay.skills.has(name)) {
      bad(file, `is a shard file of ${name}, which no feed line mentions`);
    }
  }
}

function shardPathOf(name: string): string | null {
  try {
    return indexPath(name);
  } catch {
    return null;
  }
}
