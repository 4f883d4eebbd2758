import { createHash } from 'node:crypto';
import { gunzip } from './gzip.js';
import type { ArchiveLimits } from './limits.js';
import { PathTable } from './path-table.js';
import { checkPath, comparePathBytes, showPath } from './paths.js';
import { refusal } from './refusal.js';
import { TarReader } from './tar-reader.js';
import type { ArchiveContents, ArchiveFile } from './types.js';
import { BLOCK_SIZE, type RawHeader } from './ustar.js';

/** Where validated entries go; every call completes before the next byte is read. */
export interface EntrySink {
  directory(path: string): Promise<void> | void;
  fileStart(file: ArchiveFile): Promise<void> | void;
  fileData(chunk: Buffer): Promise<void> | void;
  fileEnd(): Promise<void> | void;
}

/** Small enough to keep in memory for the loader's and registry's reads of `.skill/`. */
const KEPT_FILE_BYTES = 1024 * 1024;
const SKILL_MD = 'SKILL.md';
const SKILL_YAML = 'skill.yaml';

/**
 * Streams an archive through every DESIGN §3 rule, handing each entry to `sink` only after its
 * header passed them all. Whatever the sink wrote must be discarded when this throws.
 */
export async function readArchive(
  bytes: Uint8Array,
  limits: ArchiveLimits,
  sink?: EntrySink,
  keep?: (file: ArchiveFile) => boolean,
): Promise<ArchiveContents> {
  // First, before any work is spent on an oversized upload.
  if (bytes.length > limits.compressedBytes) {
    throw refusal(
      'ARCHIVE_TOO_LARGE',
      `the archive is ${bytes.length} bytes; the limit is ${limits.compressedBytes}`,
    );
  }
  const reader = new TarReader();
  const table = new PathTable();
  const files: ArchiveFile[] = [];
  const kept = new Map<string, Buffer>();
  let entries = 0;
  let unpackedSize = 0;
  // Bytes the headers so far announce, so an oversized entry is refused before its contents.
  let announced = 0;
  let current: { file: ArchiveFile; chunks: Buffer[] | undefined } | undefined;

  for await (const chunk of gunzip(bytes, limits.unpackedBytes)) {
    unpackedSize += chunk.length;
    for (const event of reader.push(chunk)) {
      switch (event.kind) {
        case 'header': {
          entries += 1;
          if (entries > limits.entries) {
            throw refusal(
              'ARCHIVE_TOO_MANY_ENTRIES',
              `the archive holds more than ${limits.entries} entries`,
            );
          }
          const entry = checkEntry(event.header, limits, table);
          announced += BLOCK_SIZE + Math.ceil(event.header.size / BLOCK_SIZE) * BLOCK_SIZE;
          if (announced > limits.unpackedBytes) {
            throw refusal(
              'ARCHIVE_UNPACKED_TOO_LARGE',
              `${showPath(entry.path)} takes the archive past ${limits.unpackedBytes} unpacked bytes`,
            );
          }
          if (entry.directory) {
            await sink?.directory(entry.path);
            break;
          }
          const file = { path: entry.path, size: event.header.size, mode: entry.mode };
          files.push(file);
          current = { file, chunks: isKept(file) || keep?.(file) === true ? [] : undefined };
          await sink?.fileStart(file);
          break;
        }
        case 'data':
          current?.chunks?.push(event.chunk);
          await sink?.fileData(event.chunk);
          break;
        case 'entry-end':
          if (current === undefined) break;
          if (current.chunks !== undefined) kept.set(current.file.path, Buffer.concat(current.chunks));
          current = undefined;
          await sink?.fileEnd();
          break;
        case 'end':
          break;
      }
    }
  }
  reader.finish();

  const skillMd = kept.get(SKILL_MD);
  const skillYaml = kept.get(SKILL_YAML);
  if (skillMd === undefined || skillYaml === undefined) {
    const missing = [SKILL_MD, SKILL_YAML].filter((name) => !kept.has(name));
    throw refusal('ARCHIVE_MISSING_FILE', `the archive has no ${missing.join(' or ')} file at its root`);
  }
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    unpackedSize,
    files: files.sort((a, b) => comparePathBytes(a.path, b.path)),
    entries,
    skillMd: skillMd.toString('utf8'),
    skillYaml: skillYaml.toString('utf8'),
    readFile: (path) => {
      const content = kept.get(path);
      return content === undefined ? undefined : Buffer.from(content);
    },
  };
}

/** Applies the entry-type and path rules to one header. */
function checkEntry(
  header: RawHeader,
  limits: ArchiveLimits,
  table: PathTable,
): { path: string; directory: boolean; mode: number } {
  const directory = entryType(header);
  // A directory's one trailing slash is tar's marker, not an empty segment.
  const path = directory && header.path.endsWith('/') ? header.path.slice(0, -1) : header.path;
  if (directory && header.size !== 0) {
    throw refusal(
      'ARCHIVE_CORRUPT',
      `the directory ${showPath(path)} claims ${header.size} bytes of contents`,
    );
  }
  checkPath(path, limits);
  table.add(path, directory);
  return { path, directory, mode: directory || (header.mode & 0o111) !== 0 ? 0o755 : 0o644 };
}

/** True for a directory, false for a regular file; throws for every other type. */
function entryType(header: RawHeader): boolean {
  const shown = showPath(header.path);
  switch (header.typeflag) {
    case '0':
    case '\0':
      return false;
    case '5':
      return true;
    case '1':
      throw refusal('ARCHIVE_LINK', `${shown} is a hard link`);
    case '2':
      throw refusal('ARCHIVE_LINK', `${shown} is a symbolic link`);
    case 'x':
      throw refusal('ARCHIVE_PAX_HEADER', `the archive holds a PAX extended header (${shown})`);
    case 'g':
      throw refusal('ARCHIVE_PAX_HEADER', `the archive holds a PAX global header (${shown})`);
    case 'L':
    case 'K':
      throw refusal('ARCHIVE_PAX_HEADER', `the archive holds a GNU long-name header (${shown})`);
    case '3':
      throw refusal('ARCHIVE_ENTRY_TYPE', `${shown} is a character device`);
    case '4':
      throw refusal('ARCHIVE_ENTRY_TYPE', `${shown} is a block device`);
    case '6':
      throw refusal('ARCHIVE_ENTRY_TYPE', `${shown} is a fifo`);
    default:
      throw refusal('ARCHIVE_ENTRY_TYPE', `${shown} has the entry type ${showPath(header.typeflag)}`);
  }
}

function isKept(file: ArchiveFile): boolean {
  if (file.path === SKILL_MD || file.path === SKILL_YAML) return true;
  return file.path.startsWith('.skill/') && file.size <= KEPT_FILE_BYTES;
}
