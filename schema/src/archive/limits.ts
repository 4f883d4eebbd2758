import { UsageError } from '../errors.js';

/** DESIGN §3 archive limits; a registry may configure its own. */
export interface ArchiveLimits {
  /** Bytes of the .tar.gz itself. */
  compressedBytes: number;
  /** Bytes of the decompressed tar stream: headers, contents, padding and end blocks. */
  unpackedBytes: number;
  /** Tar entries; directories count. */
  entries: number;
  /** Segments of one path. */
  depth: number;
  /** Bytes of one path (a directory's without its trailing slash). */
  pathBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_LIMITS: ArchiveLimits = Object.freeze({
  compressedBytes: 10 * MIB,
  unpackedBytes: 50 * MIB,
  entries: 1000,
  depth: 16,
  pathBytes: 255,
});

/** The defaults overridden by every limit the caller set. */
export function resolveLimits(limits: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const resolved = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ArchiveLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UsageError(`the archive limit ${key} must be a positive integer (got ${String(value)})`, {
        hint: 'Check the archive limits in the registry configuration.',
      });
    }
    resolved[key] = value;
  }
  return resolved;
}
