import { resolveLimits, type ArchiveLimits } from './limits.js';
import { readArchive } from './read.js';
import type { ArchiveContents, ArchiveFile } from './types.js';

export interface InspectOptions {
  /**
   * Files to keep in memory for `readFile` besides SKILL.md, skill.yaml and small `.skill/` files
   * (the registry serves the files of a skill's latest version this way, without extracting it).
   */
  keep?: (file: ArchiveFile) => boolean;
}

/** Checks an archive entirely in memory, as the registry does on publish; never touches the disk. */
export function inspect(
  bytes: Uint8Array,
  limits?: Partial<ArchiveLimits>,
  options: InspectOptions = {},
): Promise<ArchiveContents> {
  return readArchive(bytes, resolveLimits(limits), undefined, options.keep);
}
