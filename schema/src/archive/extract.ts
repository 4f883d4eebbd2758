import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ioError } from './io-error.js';
import { resolveLimits, type ArchiveLimits } from './limits.js';
import { FolderWriter } from './folder-writer.js';
import { readArchive } from './read.js';
import { refusal } from './refusal.js';
import type { ArchiveContents } from './types.js';

/**
 * Extracts a valid archive to `dest`, which must not exist. Entries are written, as they pass the
 * same checks `inspect` makes, into a fresh `.tmp-<name>-<12 hex>` sibling that is renamed to
 * `dest` at the end and removed on any failure, so `dest` appears complete or not at all. Temp
 * folders left by a crashed run for the same `dest` are removed first; callers extracting to one
 * `dest` from several processes must hold a lock (the CLI does).
 */
export async function extract(
  bytes: Uint8Array,
  dest: string,
  limits?: Partial<ArchiveLimits>,
): Promise<ArchiveContents> {
  const resolvedLimits = resolveLimits(limits);
  const target = path.resolve(dest);
  const parent = path.dirname(target);
  const name = path.basename(target);
  await refuseExisting(target);
  const temp = path.join(parent, `.tmp-${name}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.mkdir(parent, { recursive: true });
    await removeStaleTemps(parent, name);
    await fs.mkdir(temp, { mode: 0o755 });
    await fs.chmod(temp, 0o755);
  } catch (error) {
    throw ioError(error, `cannot prepare ${temp}`);
  }
  const writer = new FolderWriter(temp);
  try {
    const contents = await readArchive(bytes, resolvedLimits, writer);
    // rename(2) would silently replace an empty folder created meanwhile.
    await refuseExisting(target);
    await fs.rename(temp, target);
    return contents;
  } catch (error) {
    writer.close();
    // A temp folder that cannot be removed now is removed as stale by the next run.
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw ioError(error, `cannot extract to ${target}`);
  }
}

async function refuseExisting(target: string): Promise<void> {
  const existing = await fs.lstat(target).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw ioError(error, `cannot check ${target}`);
  });
  if (existing !== undefined) {
    throw refusal('ARCHIVE_DESTINATION_EXISTS', `${target} already exists`);
  }
}

/** Only names this function could have made for `name`, so `foo` never touches `foo-bar`'s temp. */
async function removeStaleTemps(parent: string, name: string): Promise<void> {
  const stale = new RegExp(`^\\.tmp-${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{12}$`);
  for (const entry of await fs.readdir(parent)) {
    if (stale.test(entry)) await fs.rm(path.join(parent, entry), { recursive: true, force: true });
  }
}
