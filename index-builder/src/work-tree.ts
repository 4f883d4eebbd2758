import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FEED_HEAD_PATH } from '@skills/schema';
import type { TreeChanges } from './git-tree.js';

const HEAD_SIGNATURE_PATH = `${FEED_HEAD_PATH}.asc`;

/**
 * Brings the served work tree in line with a commit's changes. Every file goes through a temp
 * name and a rename, so a reader sees the old or the new bytes, never a mix; head.json goes
 * last (after its signature), so a reader that sees the new head finds every file it names.
 * Synchronous for the reason given in sync-fs.ts: many tiny writes, each a thread-pool round trip.
 */
export function writeWorkTree(dir: string, changes: TreeChanges): void {
  const last = [HEAD_SIGNATURE_PATH, FEED_HEAD_PATH];
  const ordered = [...changes.keys()].filter((p) => !last.includes(p)).sort();
  const made = new Set<string>();
  for (const file of [...ordered, ...last.filter((p) => changes.has(p))]) {
    const bytes = changes.get(file) ?? null;
    const target = path.join(dir, ...file.split('/'));
    if (bytes === null) {
      rmSync(target, { force: true });
      removeEmptyParents(dir, path.dirname(target));
      continue;
    }
    const parent = path.dirname(target);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    writeFileSync(temp, bytes);
    renameSync(temp, target);
  }
}

/** A purged skill leaves no empty shard folders behind (git does not track them either). */
function removeEmptyParents(root: string, folder: string): void {
  for (let at = folder; at.startsWith(`${root}${path.sep}`); at = path.dirname(at)) {
    try {
      rmdirSync(at);
    } catch {
      return; // not empty (or already gone): nothing above it is empty either
    }
  }
}
