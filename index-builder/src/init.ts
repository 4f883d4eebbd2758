import { randomBytes } from 'node:crypto';
import { syncBackedFs as fs } from './sync-fs.js';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import {
  CONFIG_PATH,
  FEED_HEAD_PATH,
  formatTimestamp,
  GENESIS_HASH,
  serializeFeedHead,
  serializeIndexConfig,
  isFingerprint,
  type IndexConfig,
} from '@skills/schema';
import { writeTreeChanges } from './git-tree.js';
import { writeConflict } from './render.js';
import type { HeadSigner } from './writer.js';
import { commitTree, INDEX_BRANCH, indexRepo } from './repo.js';
import { writeWorkTree } from './work-tree.js';

/** `index-template/` of this repository: the first files of every index besides config.json. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../index-template/', import.meta.url));
const TEMPLATE_FILES = ['.gitattributes', 'README.md'];

export interface InitOptions {
  /** config.json without `format` and `epoch`, which init sets. */
  config: Omit<IndexConfig, 'format' | 'epoch'>;
  /** A fresh one by default; an operator restarting the feed passes a new one too. */
  epoch?: string;
  time?: Date;
  templateDir?: string;
  /** Signs the first head.json, as every later one is (see appendFeed). */
  sign?: HeadSigner;
  /** Public keys to write under keys/<FPR>.asc from the start: the registry's own at least. */
  keys?: Readonly<Record<string, string>>;
}

export interface InitResult {
  dir: string;
  epoch: string;
  commit: string;
}

/** A fresh epoch: the date for people, random bits so two resets on one day differ. */
export function newEpoch(time = new Date()): string {
  return `${formatTimestamp(time).slice(0, 10)}-${randomBytes(5).toString('hex')}`;
}

/**
 * Creates a new index repository in an empty (or missing) folder: the template files, config.json
 * and an empty feed head, in one commit on `main`.
 */
export async function initIndex(dir: string, options: InitOptions): Promise<InitResult> {
  const repo = indexRepo(dir);
  await mkdir(repo.dir, { recursive: true });
  if ((await readdir(repo.dir)).length > 0) {
    throw writeConflict(`${repo.dir} is not empty: create a new index in an empty folder`);
  }
  const time = options.time ?? new Date();
  const epoch = options.epoch ?? newEpoch(time);
  const changes = new Map<string, Buffer | null>();
  const templateDir = options.templateDir ?? TEMPLATE_DIR;
  for (const file of TEMPLATE_FILES) changes.set(file, await readFile(`${templateDir}/${file}`));
  changes.set(CONFIG_PATH, serializeIndexConfig({ format: 1, epoch, ...options.config }));
  const head = {
    format: 1,
    epoch,
    seq: 0,
    segment: 0,
    offset: 0,
    hash: GENESIS_HASH,
    snapshot: null,
    expires: null,
  } as const;
  for (const [fingerprint, armored] of Object.entries(options.keys ?? {})) {
    if (!isFingerprint(fingerprint)) throw writeConflict(`"${fingerprint}" is not a key fingerprint`);
    changes.set(`keys/${fingerprint}.asc`, Buffer.from(armored));
  }
  const headBytes = serializeFeedHead({ ...head, time: formatTimestamp(time) });
  changes.set(FEED_HEAD_PATH, headBytes);
  if (options.sign) changes.set(`${FEED_HEAD_PATH}.asc`, Buffer.from(await options.sign(headBytes)));

  await git.init({ fs, dir: repo.dir, defaultBranch: INDEX_BRANCH });
  const tree = await writeTreeChanges(repo, null, changes);
  const commit = await commitTree(repo, tree, null, `Create the index (epoch ${epoch})\n`, time);
  writeWorkTree(repo.dir, changes);
  return { dir: repo.dir, epoch, commit };
}
