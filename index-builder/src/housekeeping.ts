import { execFile } from 'node:child_process';
import { syncBackedFs as fs } from './sync-fs.js';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import { formatTimestamp, SkillsError } from '@skills/schema';
import { commitTree, forgetObjectCache, headCommit, indexRepo, treeOf } from './repo.js';

const run = promisify(execFile);

/** Where squashed history is kept: outside refs/heads, so clients never fetch it. */
export const ARCHIVE_REF_PREFIX = 'refs/archive/';

/** True when the system `git` can be run. */
export async function hasSystemGit(): Promise<boolean> {
  try {
    await run('git', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * isomorphic-git writes only loose objects: one file per blob and tree, forever. `git gc --auto`
 * packs them once there are enough (git's own threshold). Without system git the loose objects
 * stay; docs/INDEX_FORMAT.md says what that costs.
 */
export async function gcAuto(dir: string): Promise<{ ran: boolean }> {
  if (!(await hasSystemGit())) return { ran: false };
  // Not detached: the caller (the worker, between batches) decides when this may take time.
  await run('git', ['-C', indexRepo(dir).dir, '-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet']);
  forgetObjectCache(dir);
  return { ran: true };
}

export interface SquashResult {
  /** The new parentless commit on the branch. */
  commit: string;
  /** The ref that keeps the old history. */
  archived: string;
}

/**
 * Replaces the branch's history with one parentless commit of the same tree. History is not part
 * of the index format (clients fetch at depth 1 and trust the feed chain), so nothing a client
 * sees changes; the old history stays reachable under refs/archive/ for operators.
 */
export async function squashHistory(dir: string, time = new Date()): Promise<SquashResult> {
  const repo = indexRepo(dir);
  const tip = await headCommit(repo);
  if (tip === null) throw new SkillsError('INDEX_WRITE_CONFLICT', `${repo.dir} has no history to squash`);
  const archived = `${ARCHIVE_REF_PREFIX}${formatTimestamp(time).replace(/[-:]/g, '')}-${tip.slice(0, 12)}`;
  await git.writeRef({ fs, gitdir: repo.gitdir, ref: archived, value: tip, force: true });
  const message = `Squash the index history\n\nThe previous history is kept at ${archived}.\n`;
  const commit = await commitTree(repo, await treeOf(repo, tip), null, message, time);
  return { commit, archived };
}
