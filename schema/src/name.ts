import type { Issue } from './errors.js';

/** DESIGN §3: lowercase ASCII words joined by single hyphens, 1–64 characters. */
export const NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const NAME_MAX_LENGTH = 64;

/**
 * Names nobody may publish: the index's own top-level paths and words, and the device names
 * Windows refuses as file names (an install folder is named after the skill).
 */
export const RESERVED_NAMES: readonly string[] = [
  'skills',
  'skill',
  'admin',
  'api',
  'index',
  'registry',
  'feed',
  'keys',
  'snapshots',
  'dl',
  'blobs',
  'well-known',
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
];

/**
 * The confusable skeleton, frozen: changing it would let names through that were refused before
 * (or refuse names already published). Two names with the same skeleton look alike to a reader.
 */
export function nameSkeleton(name: string): string {
  return name
    .toLowerCase()
    .replaceAll('-', '')
    .replaceAll('rn', 'm')
    .replaceAll('vv', 'w')
    .replace(/[015i]/g, (c) => SKELETON_CHARS[c] ?? c);
}

const SKELETON_CHARS: Record<string, string> = { '0': 'o', '1': 'l', i: 'l', '5': 's' };

const RESERVED_SKELETONS = new Set(RESERVED_NAMES.map(nameSkeleton));

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= NAME_MAX_LENGTH && NAME_PATTERN.test(name);
}

/** True for a reserved name and for any name that looks like one. */
export function isReservedName(name: string): boolean {
  return RESERVED_SKELETONS.has(nameSkeleton(name));
}

/** Checks a skill name; `path` says where it came from for the issue. */
export function validateName(name: unknown, path = 'name'): Issue[] {
  if (typeof name !== 'string') {
    return [{ path, code: 'NAME_INVALID', message: 'the name must be a string' }];
  }
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
    return [
      {
        path,
        code: 'NAME_INVALID',
        message: `the name must be 1 to ${NAME_MAX_LENGTH} characters long (it has ${name.length})`,
      },
    ];
  }
  if (!NAME_PATTERN.test(name)) {
    return [
      {
        path,
        code: 'NAME_INVALID',
        message: `"${printable(name)}" is not a valid name: use lowercase letters a-z, digits and single hyphens between them`,
      },
    ];
  }
  if (isReservedName(name)) {
    return [{ path, code: 'NAME_RESERVED', message: `"${name}" is reserved or looks like a reserved name` }];
  }
  return [];
}

/** Shows hostile input safely inside a message: control and non-ASCII characters escaped. */
export function printable(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).slice(1, -1);
}
