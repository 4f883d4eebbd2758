import semver from 'semver';
import type { Issue } from './errors.js';
import { printable } from './name.js';

export const VERSION_MAX_LENGTH = 64;
export const RANGE_MAX_LENGTH = 128;

const RANGE_OPTIONS = { loose: false, includePrerelease: false } as const;

/**
 * Strict SemVer 2.0 without build metadata, byte-equal to its normalised form: `v1.2.3`, `1.2`,
 * `=1.2.3` and `1.0.0+build` are all refused, so a version string is also a stable path segment.
 */
export function isValidVersion(version: unknown): boolean {
  if (typeof version !== 'string' || version.length > VERSION_MAX_LENGTH || version.includes('+'))
    return false;
  const parsed = semver.parse(version, { loose: false });
  return parsed !== null && parsed.version === version;
}

export function validateVersion(version: unknown, path = 'version'): Issue[] {
  if (typeof version !== 'string') {
    return [{ path, code: 'VERSION_INVALID', message: notAStringMessage('version', version) }];
  }
  if (isValidVersion(version)) return [];
  const reason = version.includes('+')
    ? 'build metadata (+…) is not allowed'
    : version.length > VERSION_MAX_LENGTH
      ? `it is longer than ${VERSION_MAX_LENGTH} characters`
      : 'use MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.2.3 or 2.0.0-beta.1';
  return [
    { path, code: 'VERSION_INVALID', message: `"${printable(version)}" is not a valid version: ${reason}` },
  ];
}

/** node-semver range syntax, never loose, pre-releases only when the range names one. */
export function isValidRange(range: unknown): boolean {
  if (typeof range !== 'string' || range.length === 0 || range.length > RANGE_MAX_LENGTH) return false;
  return semver.validRange(range, RANGE_OPTIONS) !== null;
}

export function validateRange(range: unknown, path: string): Issue[] {
  if (typeof range !== 'string') {
    return [{ path, code: 'RANGE_INVALID', message: notAStringMessage('version range', range) }];
  }
  if (isValidRange(range)) return [];
  const reason =
    range.length > RANGE_MAX_LENGTH
      ? `it is longer than ${RANGE_MAX_LENGTH} characters`
      : 'use a node-semver range such as ^1.2.0, ~2.1, >=1.0.0 <2.0.0 or 1.x';
  return [{ path, code: 'RANGE_INVALID', message: `"${printable(range)}" is not a valid range: ${reason}` }];
}

/** Does `version` satisfy `range` under the project's fixed range options. */
export function satisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range, RANGE_OPTIONS);
}

/** SemVer precedence; build metadata never occurs (it is refused). */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/**
 * YAML turns unquoted `1.0` into a number and `2024-01-01` into a date (YAML 1.1, as many
 * parsers read it): say so, because the fix is to quote the value.
 */
function notAStringMessage(what: string, value: unknown): string {
  if (typeof value === 'number')
    return `the ${what} must be a string, but YAML read it as a number: quote it`;
  if (value instanceof Date) return `the ${what} must be a string, but YAML read it as a date: quote it`;
  return `the ${what} must be a string`;
}
