import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import { hasSystemGit } from './housekeeping.js';
import { headCommit, INDEX_BRANCH, indexRepo, type IndexRepo } from './repo.js';
import { syncBackedFs as fs } from './sync-fs.js';
import type { Problems, WorkTree } from './verify-tree.js';

const run = promisify(execFile);
const GITATTRIBUTES = '* -text\n';

/**
 * DESIGN §4 Git: the HEAD commit of `main` has exactly the work tree's files with the same bytes
 * (the writer keeps no staging index, so the commit is compared with the files directly), holds
 * no symbolic link, submodule or `.gitmodules`, keeps `.gitattributes` at `* -text`, and
 * `git fsck --strict --no-dangling` passes.
 *
 * Files are compared by blob id (the SHA-1 of git's object header and the exact bytes), which is
 * what the commit names; fsck then proves every object matches its id. Without system git there
 * is no fsck, so each blob is also read back through isomorphic-git and compared byte for byte.
 */
export async function checkGit(
  dir: string,
  tree: WorkTree,
  problems: Problems,
  skipped: string[],
): Promise<void> {
  const repo = indexRepo(dir);
  const bad = (file: string, message: string): void => problems.add('INDEX_TREE_INVALID', file, message);
  const commit = await headCommit(repo);
  if (commit === null) {
    bad('.git', `has no commit on branch ${INDEX_BRANCH}: the index is not a git repository of the writer`);
    return;
  }
  const committed = new Map<string, { oid: string; mode: string }>();
  try {
    await walkTree(repo, commit, '', committed, bad);
  } catch (error) {
    bad('.git', `cannot read the tree of commit ${commit}: ${(error as Error).message}`);
    return;
  }
  const fsck = await hasSystemGit();
  for (const [file, { oid, mode }] of committed) {
    if (mode === '120000') continue;
    const bytes = await tree.read(file);
    if (bytes === null) {
      if (!tree.entries.has(file)) bad(file, `is in commit ${short(commit)} but missing from the work tree`);
      continue;
    }
    if (blobId(bytes) !== oid) {
      bad(file, `differs in the work tree from commit ${short(commit)}`);
    } else if (!fsck) {
      await compareBlob(repo, oid, bytes, file, bad);
    }
  }
  for (const file of tree.entries.keys()) {
    if (!committed.has(file)) bad(file, `is in the work tree but not in commit ${short(commit)}`);
  }
  if (committed.has('.gitattributes')) {
    const bytes = await tree.read('.gitattributes');
    if (bytes !== null && bytes.toString('latin1') !== GITATTRIBUTES) {
      bad('.gitattributes', 'must be exactly "* -text" and a newline, so git never converts line endings');
    }
  } else {
    bad('.gitattributes', `is missing from commit ${short(commit)}: git could convert line endings`);
  }
  if (!fsck) {
    skipped.push('git fsck: no system git (blobs were read back and compared instead)');
    return;
  }
  try {
    await run('git', ['-C', dir, 'fsck', '--strict', '--no-dangling'], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    const output = `${stderr ?? ''}${stdout ?? ''}`.trim() || message;
    bad('.git', `git fsck --strict fails: ${output.split('\n').slice(0, 5).join('; ')}`);
  }
}

async function walkTree(
  repo: IndexRepo,
  oid: string,
  prefix: string,
  into: Map<string, { oid: string; mode: string }>,
  bad: (file: string, message: string) => void,
): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
  for (const entry of tree) {
    const file = prefix + entry.path;
    if (entry.path === '.gitmodules') bad(file, 'is a .gitmodules file, which git clients reject');
    if (entry.type === 'tree') await walkTree(repo, entry.oid, `${file}/`, into, bad);
    else if (entry.type === 'commit') bad(file, 'is a submodule, which git clients reject');
    else {
      if (entry.mode === '120000') bad(file, 'is a symbolic link in the commit, which git clients reject');
      into.set(file, entry);
    }
  }
}

async function compareBlob(
  repo: IndexRepo,
  oid: string,
  bytes: Buffer,
  file: string,
  bad: (file: string, message: string) => void,
): Promise<void> {
  try {
    const { blob } = await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    if (!bytes.equals(blob)) bad(file, `its git object ${oid} does not hold the bytes it is named by`);
  } catch (error) {
    bad(file, `its git object ${oid} cannot be read: ${(error as Error).message}`);
  }
}

/** The id git gives a blob of these bytes. */
function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function short(commit: string): string {
  return commit.slice(0, 12);
}
