import type { ArchiveLimits } from './limits.js';
import { refusal } from './refusal.js';

/**
 * Device names Windows refuses as a file or folder name, with or without an extension. COM0 and
 * LPT0 are on Microsoft's current list too; refusing them costs nothing.
 */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const WINDOWS_FORBIDDEN = /[:*?"<>|]/;
const OUTSIDE_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/**
 * Applies the DESIGN §3 path rules to one archive path — a directory's without its trailing slash
 * — and throws the refusal for the first rule it breaks. Pack and read share it, so `pack` never
 * writes a path that `inspect` would refuse.
 */
export function checkPath(path: string, limits: Pick<ArchiveLimits, 'depth' | 'pathBytes'>): void {
  const shown = showPath(path);
  if (OUTSIDE_PRINTABLE_ASCII.test(path)) {
    throw refusal('ARCHIVE_PATH_CHARACTERS', `${shown} contains a character outside printable ASCII`);
  }
  if (path.includes('\\')) {
    throw refusal('ARCHIVE_PATH_BACKSLASH', `${shown} contains a backslash`);
  }
  // A drive letter makes a path absolute (or drive-relative) on Windows.
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw refusal('ARCHIVE_PATH_ABSOLUTE', `${shown} is an absolute path`);
  }
  // Printable ASCII only from here on, so the string length is the byte length.
  if (path.length > limits.pathBytes) {
    throw refusal(
      'ARCHIVE_PATH_TOO_LONG',
      `${shown} is ${path.length} bytes long; the limit is ${limits.pathBytes}`,
    );
  }
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw refusal('ARCHIVE_PATH_TRAVERSAL', `${shown} has an empty, "." or ".." segment`);
  }
  if (segments.length > limits.depth) {
    throw refusal(
      'ARCHIVE_PATH_TOO_DEEP',
      `${shown} has ${segments.length} segments; the limit is ${limits.depth}`,
    );
  }
  const reserved = segments.find(isReservedOnWindows);
  if (reserved !== undefined) {
    throw refusal('ARCHIVE_PATH_RESERVED', `${shown} uses "${reserved}", a name Windows cannot create`);
  }
}

/** Windows ignores everything from the first dot, and trailing spaces before it, when it matches devices. */
function isReservedOnWindows(segment: string): boolean {
  const base = segment.split('.')[0]?.replace(/ +$/, '') ?? '';
  return (
    WINDOWS_DEVICE.test(base) ||
    segment.endsWith('.') ||
    segment.endsWith(' ') ||
    WINDOWS_FORBIDDEN.test(segment)
  );
}

/** Two paths that fold to the same key are one file on a case-insensitive or normalising file system. */
export function foldPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** Orders paths by their UTF-8 bytes, as DESIGN §3 sorts archive entries. */
export function comparePathBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A path quoted for a message, with bytes outside printable ASCII shown as \xNN. */
export function showPath(path: string): string {
  const escaped = path.replace(/[^\x20-\x7e]|["\\]/g, (char) => {
    if (char === '"' || char === '\\') return `\\${char}`;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}
