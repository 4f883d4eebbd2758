import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTreeChanges } from '../src/git-tree.js';

let dir: string;
let gitdir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-tree-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  gitdir = path.join(dir, '.git');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => Buffer.from(text);
const lsTree = (tree: string) =>
  execFileSync('git', ['--git-dir', gitdir, 'ls-tree', '-r', '--full-tree', tree], { encoding: 'utf8' });

describe('writeTreeChanges', () => {
  it('writes nested paths and the same tree as git would', async () => {
    const tree = await writeTreeChanges(
      { gitdir },
      null,
      new Map([
        ['co/de/code-review', bytes('a\n')],
        ['1/a', bytes('b\n')],
        ['config.json', bytes('{}\n')],
        ['co/dex', bytes('c\n')],
      ]),
    );
    expect(
      lsTree(tree)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[1]),
    ).toEqual(['1/a', 'co/de/code-review', 'co/dex', 'config.json']);
    expect(() =>
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']),
    ).not.toThrow();
  });

  it('keeps untouched subtrees and removes emptied ones', async () => {
    const first = await writeTreeChanges(
      { gitdir },
      null,
      new Map([
        ['ab/cd/abcd', bytes('1\n')],
        ['xy/zz/xyzz', bytes('2\n')],
      ]),
    );
    const second = await writeTreeChanges({ gitdir }, first, new Map([['ab/cd/abcd', null]]));
    expect(lsTree(second)).toBe(
      lsTree(first)
        .split('\n')
        .filter((l) => l.includes('xyzz'))
        .join('\n') + '\n',
    );
    const before = await git.readTree({ fs, gitdir, oid: first, filepath: 'xy' });
    const after = await git.readTree({ fs, gitdir, oid: second, filepath: 'xy' });
    expect(after.oid).toBe(before.oid);
  });

  it('writes an empty tree when everything is deleted', async () => {
    const first = await writeTreeChanges({ gitdir }, null, new Map([['a', bytes('1')]]));
    const empty = await writeTreeChanges({ gitdir }, first, new Map([['a', null]]));
    expect(empty).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });
});
