import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The content-addressed blob store (DESIGN §2): `<dir>/sha256/<hex>` holds a tarball and
 * `<dir>/sha256/<hex>.asc` its detached signature. A blob is written to a temp file, fsynced, and
 * hard-linked to its name, so it appears complete or not at all and two writers of the same bytes
 * cannot clobber each other. The filesystem is the only backend today; these functions are the
 * seam an S3-compatible store would replace (DESIGN §8).
 */

const DIGEST = /^[0-9a-f]{64}$/;

export type BlobErrorCode = 'blob_digest_invalid' | 'blob_missing' | 'blob_corrupt';

export class BlobError extends Error {
  constructor(
    readonly code: BlobErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BlobError';
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `<dir>/sha256/<hex>`; refuses anything but 64 lowercase hex digits, so no digest becomes a path trick. */
export function blobPath(dir: string, sha256: string): string {
  if (!DIGEST.test(sha256)) {
    throw new BlobError('blob_digest_invalid', `"${sha256.slice(0, 80)}" is not a sha256 digest`);
  }
  return path.join(dir, 'sha256', sha256);
}

export function signaturePath(dir: string, sha256: string): string {
  return `${blobPath(dir, sha256)}.asc`;
}

/**
 * Stores bytes under their sha256 and returns it. Created only if absent; a blob already there is
 * kept when its digest is right, and replaced (atomically) only when it is not: a damaged blob is
 * as good as absent.
 */
export async function putBlob(dir: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256Hex(bytes);
  const target = blobPath(dir, digest);
  if (await exists(target)) {
    if ((await digestOfFile(target)) === digest) return digest;
    await writeDurably(target, bytes, 'replace');
    return digest;
  }
  await writeDurably(target, bytes, 'create');
  return digest;
}

export async function hasBlob(dir: string, sha256: string): Promise<boolean> {
  return exists(blobPath(dir, sha256));
}

/** The blob's bytes, after checking they still have the digest they are named by. */
export async function readBlob(dir: string, sha256: string): Promise<Buffer> {
  const file = blobPath(dir, sha256);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BlobError('blob_missing', `the blob ${sha256} is not in the store`);
    }
    throw error;
  }
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new BlobError('blob_corrupt', `the blob ${sha256} has the sha256 ${actual}: it was altered`);
  }
  return bytes;
}

/** The stored signature of a blob, or null when there is none. */
export async function readSignature(dir: string, sha256: string): Promise<Buffer | null> {
  try {
    return await readFile(signaturePath(dir, sha256));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** sha256 of an open file, read through the handle (so of the very inode that was opened). */
export async function digestOfHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (let position = 0; ;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

async function digestOfFile(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    return await digestOfHandle(handle);
  } finally {
    await handle.close();
  }
}

/**
 * Writes bytes to a temp file in the target's folder and fsyncs it; then either hard-links it to
 * the target (`create`: never overwrites; another writer's copy wins) or renames it over the target
 * (`replace`), and fsyncs the folder so the name survives a crash. Returns true when this call
 * placed the target.
 */
export async function writeDurably(
  target: string,
  bytes: Uint8Array,
  mode: 'create' | 'replace',
): Promise<boolean> {
  const folder = path.dirname(target);
  await mkdir(folder, { recursive: true });
  const placed = await place(await stage(folder, bytes), target, mode);
  await syncFolder(folder);
  return placed;
}

export interface StoredUpload {
  sha256: string;
  /** True when this call created the signature file (so it holds this upload's signature). */
  signaturePlaced: boolean;
}

/**
 * A publish's blob and signature written to temp files beside their names and fsynced, not yet
 * named: nothing is served or stored until placeUpload names them; discardUpload removes them.
 */
export interface StagedUpload {
  sha256: string;
  folder: string;
  blob: { temp: string; target: string };
  signature: { temp: string; target: string };
  /** True once placed or discarded: the temp names are gone. */
  settled: boolean;
}

/**
 * Writes and fsyncs the blob and the signature to temp files, side by side. A publish stages while
 * its checks run, and names the files only once it may commit: the slow part of storing (the
 * fsyncs) is then off its path, and a refusal leaves nothing behind. Whether a blob of these bytes
 * is stored already is asked only when placing (rare: a retry after a failure).
 */
export async function stageUpload(dir: string, bytes: Uint8Array, signature: string): Promise<StagedUpload> {
  const sha256 = sha256Hex(bytes);
  const target = blobPath(dir, sha256);
  const folder = path.dirname(target);
  const [blob, sig] = await Promise.allSettled([stage(folder, bytes), stage(folder, Buffer.from(signature))]);
  if (blob.status === 'rejected' || sig.status === 'rejected') {
    // stage removes its own temp when it fails; the other one, if written, goes too.
    for (const one of [blob, sig]) if (one.status === 'fulfilled') await rm(one.value, { force: true });
    throw blob.status === 'rejected' ? blob.reason : (sig as PromiseRejectedResult).reason;
  }
  return {
    sha256,
    folder,
    blob: { temp: blob.value, target },
    signature: { temp: sig.value, target: `${target}.asc` },
    settled: false,
  };
}

/**
 * Names what stageUpload wrote, then fsyncs their folder once, so the names survive a crash before
 * the version row commits. A blob already stored is kept when its digest is right and replaced when
 * it is not (a damaged blob is as good as absent); a signature already stored is kept.
 */
export async function placeUpload(staged: StagedUpload): Promise<StoredUpload> {
  const { blob, signature } = staged;
  try {
    const [, signaturePlaced] = await Promise.all([
      linkNew(blob.temp, blob.target).then(async (placed) => {
        if (!placed && (await digestOfFile(blob.target)) !== staged.sha256)
          await rename(blob.temp, blob.target);
      }),
      linkNew(signature.temp, signature.target),
    ]);
    await syncFolder(staged.folder);
    return { sha256: staged.sha256, signaturePlaced };
  } finally {
    await discardUpload(staged);
  }
}

/** Removes the temp names of a staged upload (placed or refused); the second call does nothing. */
export async function discardUpload(staged: StagedUpload): Promise<void> {
  if (staged.settled) return;
  staged.settled = true;
  await Promise.all([staged.blob.temp, staged.signature.temp].map((temp) => rm(temp, { force: true })));
}

/** stageUpload then placeUpload: a blob and its signature stored at once, as a publish leaves them. */
export async function putBlobAndSignature(
  dir: string,
  bytes: Uint8Array,
  signature: string,
): Promise<StoredUpload> {
  return placeUpload(await stageUpload(dir, bytes, signature));
}

/** A fresh temp file in `folder` (created when missing) holding `bytes`, fsynced. */
async function stage(folder: string, bytes: Uint8Array): Promise<string> {
  const temp = path.join(folder, `.tmp-${randomBytes(8).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await mkdir(folder, { recursive: true });
    return open(temp, 'wx', 0o644);
  });
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Hard-links `temp` to `target` unless the target exists (false then); the temp name stays. */
async function linkNew(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** Gives the staged file its name (see writeDurably's modes) and removes the temp name. */
async function place(temp: string, target: string, mode: 'create' | 'replace'): Promise<boolean> {
  try {
    if (mode === 'replace') await rename(temp, target);
    else await link(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    await rm(temp, { force: true });
  }
}

/** fsync of a directory: makes a new name durable. Some filesystems refuse it; the data is synced anyway. */
export async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EINVAL/EPERM on filesystems without directory fsync: nothing better to do.
  } finally {
    await handle?.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
