import { resolveLimits, type ArchiveLimits } from './limits.js';
import { readArchive } from './read.js';
import type { ArchiveContents } from './types.js';

/** Checks an archive entirely in memory, as the registry does on publish; never touches the disk. */
export function inspect(bytes: Uint8Array, limits?: Partial<ArchiveLimits>): Promise<ArchiveContents> {
  return readArchive(bytes, resolveLimits(limits));
}
