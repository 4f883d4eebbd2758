import { createHash } from 'node:crypto';
import fs, { constants } from 'node:fs';
import path from 'node:path';
import { gzip } from './gzip.js';
import { ioError } from './io-error.js';
import { resolveLimits, type ArchiveLimits } from './limits.js';
import { PathTable } from './path-table.js';
import { checkPath, comparePathBytes, showPath } from './paths.js';
import { refusal } from './refusal.js';
import { REQUIRED_FILES, selectFiles } from './select.js';
import type { ArchiveFile } from './types.js';
import { BLOCK_SIZE, encodeHeader } from './ustar.js';

export interface PackOptions {
  /** skill.yaml's `files` allowlist (gitignore-style globs). */
  files?: readonly string[];
  limits?: Partial<ArchiveLimits>;
}

export interface PackResult {
  /** The .tar.gz. */
  bytes: Buffer;
  /** Lowercase hex sha256 of `bytes`. */
  sha256: string;
  /** Compressed bytes. */
  size: number;
  /** Bytes of the tar stream before compression. */
  unpackedSize: number;
  /** Files only, sorted by path bytes. */
  files: ArchiveFile[];
  /** Tar entries, directories included. */
  entries: number;
}

/** Opened without following a link, and without blocking should a fifo have appeared meanwhile. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Packs a skill folder into the deterministic archive of DESIGN §3: the bytes depend only on the
 * selected paths, their contents and whether they are executable. Every rule `inspect` applies is
 * applied here first, so a packed archive is never refused for its shape.
 */
export async function pack(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const limits = resolveLimits(options.limits);
  const root = path.resolve(dir);
  const paths = await selectFiles(root, options.files);
  const missing = REQUIRED_FILES.filter((name) => !paths.includes(name));
  if (missing.length > 0) {
    throw refusal('ARCHIVE_MISSING_FILE', `${root} has no ${missing.join(' or ')} file`);
  }
  const entries = withFolders(paths);
  if (entries.length > limits.entries) {
    throw refusal(
      'ARCHIVE_TOO_MANY_ENTRIES',
      `the package has ${entries.length} files and folders; the limit is ${limits.entries}`,
    );
  }
  const table = new PathTable();
  for (const entry of entries) {
    checkPath(entry.path, limits);
    table.add(entry.path, entry.directory);
  }

  const blocks: Buffer[] = [];
  const files: ArchiveFile[] = [];
  let unpackedSize = 2 * BLOCK_SIZE;
  for (const entry of entries) {
    if (entry.directory) {
      blocks.push(encodeHeader({ path: entry.path, directory: true, size: 0, mode: 0o755 }));
      unpackedSize += BLOCK_SIZE;
      continue;
    }
    const tooLarge = () =>
      refusal(
        'ARCHIVE_UNPACKED_TOO_LARGE',
        `with ${showPath(entry.path)} the package unpacks to more than ${limits.unpackedBytes} bytes`,
      );
    const { content, mode } = readSource(
      root,
      entry.path,
      limits.unpackedBytes - unpackedSize - BLOCK_SIZE,
      tooLarge,
    );
    const padding = (BLOCK_SIZE - (content.length % BLOCK_SIZE)) % BLOCK_SIZE;
    unpackedSize += BLOCK_SIZE + content.length + padding;
    if (unpackedSize > limits.unpackedBytes) throw tooLarge();
    blocks.push(encodeHeader({ path: entry.path, directory: false, size: content.length, mode }));
    blocks.push(content, Buffer.alloc(padding));
    files.push({ path: entry.path, size: content.length, mode });
  }
  // Two zero blocks end the archive; no padding to a 10 KiB record, which only tapes needed.
  blocks.push(Buffer.alloc(2 * BLOCK_SIZE));

  const bytes = gzip(Buffer.concat(blocks));
  if (bytes.length > limits.compressedBytes) {
    throw refusal(
      'ARCHIVE_TOO_LARGE',
      `the archive is ${bytes.length} bytes; the limit is ${limits.compressedBytes}`,
    );
  }
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    unpackedSize,
    files,
    entries: entries.length,
  };
}

/** The files and every folder above them, in archive order: by path bytes, folders with their slash. */
function withFolders(files: readonly string[]): { path: string; directory: boolean }[] {
  const folders = new Set<string>();
  for (const file of files) {
    for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1)) {
      folders.add(file.slice(0, slash));
    }
  }
  const entries = [
    ...[...folders].map((folder) => ({ path: folder, directory: true, key: `${folder}/` })),
    ...files.map((file) => ({ path: file, directory: false, key: file })),
  ];
  return entries
    .sort((a, b) => comparePathBytes(a.key, b.key))
    .map(({ path: entryPath, directory }) => ({ path: entryPath, directory }));
}

/**
 * One file's bytes and archive mode, read through one descriptor so both describe the same file;
 * a file larger than `budget` is refused before it is read. Synchronous on purpose: async
 * FileHandle reads took ~300 ms for a 1,000-file skill, sync ~17 ms.
 */
function readSource(
  root: string,
  relative: string,
  budget: number,
  tooLarge: () => Error,
): { content: Buffer; mode: number } {
  const absolute = path.join(root, ...relative.split('/'));
  let fd: number | undefined;
  try {
    fd = fs.openSync(absolute, OPEN_FLAGS);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw refusal('ARCHIVE_ENTRY_TYPE', `${showPath(relative)} is not a regular file`);
    }
    if (stat.size > budget) throw tooLarge();
    return { content: fs.readFileSync(fd), mode: (stat.mode & 0o111) !== 0 ? 0o755 : 0o644 };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOOP') {
      throw refusal('ARCHIVE_LINK', `${showPath(relative)} is a symbolic link`);
    }
    throw ioError(error, `cannot read ${absolute}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
