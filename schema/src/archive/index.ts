/**
 * `@skills/schema/archive`: the deterministic, defensively read skill archive of DESIGN §3. A
 * subpath of its own so that importing `@skills/schema` (as the loader does) never loads zlib
 * streams or archive code.
 *
 * Decisions where DESIGN is silent:
 * - Pack writes two zero blocks after the last entry and does not pad to GNU tar's 10 KiB record;
 *   readers accept any number of zero bytes after those blocks (they count as unpacked bytes).
 * - The gzip header is written by hand (XFL 2, OS 3, as node:zlib writes it on Unix) so Windows
 *   packs the same bytes. Any one gzip member is read, including optional header fields.
 * - Readers accept the ustar and the GNU magic (GNU's prefix field is then ignored), regular files
 *   of type '0' or NUL, folders of type '5' with size 0, folders only implied by deeper paths, and
 *   entries in any order. A lone zero block followed by a header is refused as corrupt.
 * - Windows reserved: CON, PRN, AUX, NUL, COM0-9, LPT0-9 before the first dot of any segment,
 *   segments ending in a dot or a space, and `: * ? " < > |`; a drive prefix (`C:`) is absolute.
 * - Path rules run in this order: characters, backslash, absolute, length, segments, depth,
 *   reserved names, then duplicates. Paths are printable ASCII before the duplicate check, so NFC
 *   never changes one: non-ASCII look-alikes are refused as characters first.
 * - The unpacked limit counts the whole decompressed tar stream, headers and padding included.
 * - Pack leaves empty folders out: folder entries are those above packed files.
 * - Default ignores: `.git`, `node_modules`, `.DS_Store`, `.skills`, `.skills-ok` at any depth and
 *   `*.tgz` at the package root (an earlier pack). SKILL.md and skill.yaml at the root are always
 *   packed; `.skillsignore` itself is packed unless it ignores itself.
 */
export { DEFAULT_LIMITS, type ArchiveLimits } from './limits.js';
export type { ArchiveContents, ArchiveFile } from './types.js';
export { pack, type PackOptions, type PackResult } from './pack.js';
export { inspect, type InspectOptions } from './inspect.js';
export { extract } from './extract.js';
export { DEFAULT_IGNORES, IGNORE_FILE } from './select.js';
