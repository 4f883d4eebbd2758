import { ArchiveError, type ErrorCode } from '../errors.js';

export type ArchiveCode = Extract<ErrorCode, `ARCHIVE_${string}`>;

const REPACK = 'Repack the skill with `skills pack`';

/** One default hint per rule, so every refusal tells the user what to do. */
const HINTS: Record<ArchiveCode, string> = {
  ARCHIVE_TOO_LARGE: 'Leave large files out with .skillsignore or the `files` list in skill.yaml.',
  ARCHIVE_UNPACKED_TOO_LARGE: 'Leave large files out with .skillsignore or the `files` list in skill.yaml.',
  ARCHIVE_TOO_MANY_ENTRIES:
    'Ship fewer files and folders: leave the rest out with .skillsignore or the `files` list in skill.yaml.',
  ARCHIVE_PATH_TOO_LONG: 'Use shorter file and folder names.',
  ARCHIVE_PATH_TOO_DEEP: 'Move the file into a shallower folder.',
  ARCHIVE_PATH_ABSOLUTE: `${REPACK}, which stores paths relative to the package root.`,
  ARCHIVE_PATH_TRAVERSAL: `${REPACK}, which stores only plain relative paths.`,
  ARCHIVE_PATH_BACKSLASH: 'Rename the file without backslashes.',
  ARCHIVE_PATH_CHARACTERS: 'Rename the file using printable ASCII characters only.',
  ARCHIVE_PATH_RESERVED:
    'Rename it: Windows cannot create CON, PRN, AUX, NUL, COM0-9 or LPT0-9 (with any extension), names ending in a dot or space, or names containing : * ? " < > |.',
  ARCHIVE_PATH_DUPLICATE: 'Rename one of them: they collide on case-insensitive file systems.',
  ARCHIVE_PATH_CONFLICT: `${REPACK}; a file cannot also be a folder.`,
  ARCHIVE_LINK: 'Replace the link with a copy of the file it points to.',
  ARCHIVE_ENTRY_TYPE: 'Keep only regular files and folders in the package.',
  ARCHIVE_PAX_HEADER: `${REPACK}, which writes plain ustar headers.`,
  ARCHIVE_NOT_GZIP: 'Use a .tar.gz made by `skills pack`.',
  ARCHIVE_GZIP_TRUNCATED: 'Download or copy the archive again: it was cut short.',
  ARCHIVE_GZIP_CONCATENATED: `${REPACK}, which writes a single gzip member.`,
  ARCHIVE_TRAILING_GARBAGE: `${REPACK}: nothing may follow the end of the archive.`,
  ARCHIVE_CORRUPT: `Download the archive again or ${REPACK.toLowerCase()}: its tar data is damaged.`,
  ARCHIVE_MISSING_FILE: 'Add SKILL.md and skill.yaml at the package root (`skills init` creates both).',
  ARCHIVE_DESTINATION_EXISTS: 'Remove the folder first or extract somewhere else.',
};

export function refusal(code: ArchiveCode, message: string, hint: string = HINTS[code]): ArchiveError {
  return new ArchiveError(code, message, { hint });
}
