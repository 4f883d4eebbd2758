import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { parseFeedLine, shardPrefix } from '@skills/schema';
import { blobPath, digestOfHandle, signaturePath, syncFolder } from '../blobs.js';
import type { RegistryPaths } from '../context.js';

/**
 * The public download tree served at /dl/ (and by any static host): `<prefix>/<name>/<name>-<version>.tgz`
 * and its `.asc`, the shape of config.json's `dl` template. Each file is a hard link to its blob
 * (a copy where the filesystem cannot link), placed only after the linked file was hashed again.
 */

export interface DownloadProblem {
  name: string;
  version: string;
  sha256: string;
  problem: 'blob_missing' | 'blob_corrupt' | 'signature_missing';
  message: string;
}

/** `<prefix>/<name>/<name>-<version>.tgz`, relative to the dl root. The name is checked by shardPrefix. */
export function downloadFile(name: string, version: string): string {
  return `${shardPrefix(name)}/${name}/${name}-${version}.tgz`;
}

/**
 * Publishes the download files of the feed lines' changes, in order: a publish links the tarball
 * and its signature, a purge removes them. Yanked versions stay downloadable (a lock may pin them).
 * Problems are returned, not thrown: the feed line is already the truth, and a missing or altered
 * blob must not hold up every later line; the tarball is simply not published. Each folder that
 * got a new name is fsynced once, after all the lines (a batch of 100 publishes of one skill is
 * one fsync, not 100) and before this returns, so still before the head that names them.
 */
export async function applyDownloads(
  paths: RegistryPaths,
  lines: readonly Uint8Array[],
): Promise<DownloadProblem[]> {
  const problems: DownloadProblem[] = [];
  const touched = new Set<string>();
  for (const bytes of lines) {
    const parsed = parseFeedLine(bytes);
    if (!parsed.known) continue;
    const { op, name, version, entry } = parsed.line;
    if (op === 'publish' && entry !== null) {
      const placed = await linkDownload(paths, name, version, entry.sha256, entry.signer !== null);
      problems.push(...placed.problems);
      if (placed.folder !== null) touched.add(placed.folder);
    } else if (op === 'purge') {
      await removeDownload(paths, name, version);
    }
  }
  await Promise.all([...touched].map((folder) => syncFolder(folder)));
  return problems;
}

/** Links (or copies) the blob and its signature to the version's download path after re-checking it. */
export async function placeDownload(
  paths: RegistryPaths,
  name: string,
  version: string,
  sha256: string,
  signed: boolean,
): Promise<DownloadProblem[]> {
  const placed = await linkDownload(paths, name, version, sha256, signed);
  if (placed.folder !== null) await syncFolder(placed.folder);
  return placed.problems;
}

/**
 * placeDownload without the fsync of the folder: returns the folder to sync (null when nothing
 * was placed) with the problems.
 */
async function linkDownload(
  paths: RegistryPaths,
  name: string,
  version: string,
  sha256: string,
  signed: boolean,
): Promise<{ folder: string | null; problems: DownloadProblem[] }> {
  const target = path.join(paths.dl, ...downloadFile(name, version).split('/'));
  const folder = path.dirname(target);
  await mkdir(folder, { recursive: true });
  const problem = (kind: DownloadProblem['problem'], message: string) => ({
    folder: null,
    problems: [{ name, version, sha256, problem: kind, message }],
  });

  const tarball = await stage(blobPath(paths.blobs, sha256), folder);
  if (tarball === null) return problem('blob_missing', `the blob ${sha256} of ${name}@${version} is missing`);
  const handle = await open(tarball, 'r');
  const actual = await digestOfHandle(handle).finally(() => handle.close());
  if (actual !== sha256) {
    await rm(tarball, { force: true });
    return problem(
      'blob_corrupt',
      `the blob of ${name}@${version} should have the sha256 ${sha256} but has ${actual}: not published`,
    );
  }
  const signature = await stage(signaturePath(paths.blobs, sha256), folder);
  // The signature first: whoever sees the tarball finds its signature.
  if (signature !== null) await rename(signature, `${target}.asc`);
  await rename(tarball, target);
  if (signature === null && signed) {
    return {
      folder,
      problems: [
        {
          name,
          version,
          sha256,
          problem: 'signature_missing',
          message: `the signature of ${name}@${version} (blob ${sha256}) is missing`,
        },
      ],
    };
  }
  return { folder, problems: [] };
}

export async function removeDownload(paths: RegistryPaths, name: string, version: string): Promise<void> {
  const target = path.join(paths.dl, ...downloadFile(name, version).split('/'));
  await rm(target, { force: true });
  await rm(`${target}.asc`, { force: true });
  // Empty folders of a purged skill go too (as in the index tree).
  for (let folder = path.dirname(target); folder.startsWith(`${paths.dl}${path.sep}`);) {
    try {
      await rmdir(folder);
    } catch {
      break;
    }
    folder = path.dirname(folder);
  }
}

/** A temp name in `folder` for `source`: a hard link, or a copy across filesystems; null when absent. */
async function stage(source: string, folder: string): Promise<string | null> {
  const temp = path.join(folder, `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    await link(source, temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw error;
    await copyFile(source, temp);
  }
  return temp;
}
