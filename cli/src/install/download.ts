import { createHash } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printable, SkillsError, type IndexLine } from '@skills/schema';
import { DEFAULT_LIMITS } from '@skills/schema/archive';
import { writeFileAtomic } from '../fs/atomic.js';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { Session } from '../session.js';
import { httpStatusError } from '../transport/http.js';

/** A detached armored signature is a few hundred bytes; anything near this is not one. */
const SIGNATURE_MAX_BYTES = 64 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `.cache/tarballs/<sha256>.tgz`: content-addressed, so concurrent writers of one file agree. */
export function cachedTarballPath(session: Session, sha256: string): string {
  return path.join(session.home.cache, 'tarballs', `${sha256}.tgz`);
}

function cachedSignaturePath(session: Session, sha256: string): string {
  return path.join(session.home.cache, 'tarballs', `${sha256}.asc`);
}

/**
 * The tarball of an index line: from the cache when a copy there still has the line's digest,
 * else downloaded with the line's `size` as the cap (never more than the archive limit) and
 * checked against `size` and `sha256` before it enters the cache. Nothing unchecked is kept.
 */
export async function fetchTarball(session: Session, index: RegistryIndex, line: IndexLine): Promise<Buffer> {
  const cached = cachedTarballPath(session, line.sha256);
  const copy = await readFile(cached).catch(() => null);
  if (copy !== null && copy.length === line.size && sha256Hex(copy) === line.sha256) return copy;
  if (copy !== null) await rm(cached, { force: true });

  const label = `${line.name}@${line.version}`;
  if (line.size > DEFAULT_LIMITS.compressedBytes) {
    throw new SkillsError(
      'ARCHIVE_TOO_LARGE',
      `the index says ${label} is ${line.size} bytes; skills installs at most ${DEFAULT_LIMITS.compressedBytes}`,
      { hint: 'the index line is wrong or the package breaks the archive limit: tell the registry operator' },
    );
  }
  const url = index.tarballUrl(line);
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(session, index, url, line.size);
  } catch (error) {
    if (error instanceof SkillsError && error.code === 'RESPONSE_TOO_LARGE') {
      throw checksumError(label, url, `it is larger than the ${line.size} bytes its index line gives`);
    }
    throw error;
  }
  if (bytes.length !== line.size) {
    throw checksumError(label, url, `it is ${bytes.length} bytes, but its index line gives ${line.size}`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== line.sha256) {
    throw checksumError(label, url, `its sha256 is ${actual}, but its index line gives ${line.sha256}`);
  }
  await writeFileAtomic(cached, bytes, { sync: false });
  return bytes;
}

/** The armored detached signature of a line's tarball (a cached copy first, when asked). */
export async function fetchSignature(
  session: Session,
  index: RegistryIndex,
  line: IndexLine,
  useCache: boolean,
): Promise<{ text: string; cached: boolean }> {
  const cached = cachedSignaturePath(session, line.sha256);
  if (useCache) {
    const copy = await readFile(cached, 'utf8').catch(() => null);
    if (copy !== null) return { text: copy, cached: true };
  }
  const bytes = await fetchBytes(session, index, index.signatureUrl(line), SIGNATURE_MAX_BYTES);
  return { text: bytes.toString('utf8'), cached: false };
}

/** Keeps a signature that verified, so a warm install needs no network for it. */
export async function cacheSignature(session: Session, sha256: string, text: string): Promise<void> {
  await writeFileAtomic(cachedSignaturePath(session, sha256), text, { sync: false });
}

export async function forgetSignature(session: Session, sha256: string): Promise<void> {
  await rm(cachedSignaturePath(session, sha256), { force: true });
}

/**
 * GET a download URL: http(s) through the session's client (the registry's `--allow-http` and the
 * origin's token for a 401), a `file:` URL or absolute path (a registry on disk) read directly;
 * either way capped at `maxBytes`.
 */
async function fetchBytes(
  session: Session,
  index: RegistryIndex,
  url: string,
  maxBytes: number,
): Promise<Buffer> {
  if (/^https?:\/\//i.test(url)) {
    const response = await session.http.request(url, {
      maxBytes,
      allowHttp: index.registry.record.allowHttp,
      tokenFor: await session.tokenLookup(),
    });
    if (response.status !== 200) throw httpStatusError(url, response.status);
    return response.body;
  }
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  if (!path.isAbsolute(file)) {
    throw new SkillsError(
      'INTERNAL',
      `the download location "${printable(url)}" is neither a URL nor a path`,
    );
  }
  const handle = await open(file, 'r').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw httpStatusError(url, 404);
    throw error;
  });
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new SkillsError('RESPONSE_TOO_LARGE', `${file} is larger than ${maxBytes} bytes`, {
        hint: 'the index holds a file larger than skills accepts: tell its operator',
      });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function checksumError(label: string, url: string, problem: string): SkillsError {
  return new SkillsError(
    'CHECKSUM_MISMATCH',
    `the tarball of ${label} from ${printable(url, 200)} is not the one the index lists: ${problem}`,
    {
      hint: 'nothing was installed; the file was altered or damaged on the way: try again, and tell the registry operator if it persists',
    },
  );
}
