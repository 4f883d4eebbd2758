import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FEED_HEAD_PATH } from '@skills/schema';
import type { TreeChanges } from './git-tree.js';

const HEAD_SIGNATURE_PATH = `${FEED_HEAD_PATH}.asc`;

/**
 * Brings the served work tree in line with a commit's changes. Every file goes through a temp
 * name and a rename, so a reader sees the old or the new bytes, never a mix; head.json goes
 * last (after its signature), so a reader that sees the new head finds every file it names.
 */
export async function writeWorkTree(dir: string, changes: TreeChanges): Promise<void> {
  const last = [HEAD_SIGNATURE_PATH, FEED_HEAD_PATH];
  const ordered = [...changes.keys()].filter((p) => !last.includes(p)).sort();
  for (const file of [...ordered, ...last.filter((p) => changes.has(p))]) {
    const bytes = changes.get(file) ?? null;
    const target = path.join(dir, ...file.split('/'));
    if (bytes === null) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(temp, bytes);
    await rename(temp, target);
  }
}
