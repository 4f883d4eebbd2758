import type { ErrorCode, Issue } from '../errors.js';
import { printable } from '../name.js';
import { isValidRange, isValidVersion } from '../version.js';
import { isWellFormedText } from './json-bytes.js';
import { isPlainObject } from './json-read.js';

/**
 * Keeps the first problem found. Checkers record instead of throwing, so one validator serves
 * both the throwing parsers and the `try…` variants that hand back an issue.
 */
export class IssueSink {
  issue: Issue | undefined;

  constructor(
    readonly subject: string,
    readonly code: ErrorCode,
  ) {}

  report(path: string, problem: string): void {
    const where = path === '' ? this.subject : `${this.subject} field "${path}"`;
    this.issue ??= { path, code: this.code, message: `${where} ${problem}` };
  }
}

/**
 * Typed reads of one JSON object's fields. Each read returns the value as the type asked for even
 * when it failed (the sink has the issue then): callers must look at the sink before using them.
 */
export class Fields {
  constructor(
    readonly sink: IssueSink,
    readonly object: Readonly<Record<string, unknown>>,
    readonly prefix = '',
  ) {}

  path(key: string): string {
    return `${this.prefix}${key}`;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.object, key);
  }

  check<T>(key: string, test: (value: unknown) => value is T, expected: string): T {
    const value = this.object[key];
    if (!this.has(key)) this.sink.report(this.path(key), 'is missing');
    else if (!test(value)) this.sink.report(this.path(key), `must be ${expected} (it is ${describe(value)})`);
    return value as T;
  }

  /** A nested object's fields, or null (with an issue) when the value is not an object. */
  nested(key: string): Fields | null {
    const value = this.check(key, isPlainObject, 'an object');
    return isPlainObject(value) ? new Fields(this.sink, value, `${this.path(key)}.`) : null;
  }
}

export function isText(value: unknown): value is string {
  return typeof value === 'string' && isWellFormedText(value);
}

export function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isText);
}

export function isVersion(value: unknown): value is string {
  return isValidVersion(value);
}

/**
 * Parsing a range builds semver objects each time, and an index repeats the same few ranges over
 * thousands of lines: remember recent answers (bounded, so hostile input cannot grow it).
 */
const rangeValidity = new Map<string, boolean>();
const RANGE_MEMORY = 4096;

export function isRange(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let valid = rangeValidity.get(value);
  if (valid === undefined) {
    valid = isValidRange(value);
    if (rangeValidity.size >= RANGE_MEMORY) rangeValidity.clear();
    rangeValidity.set(value, valid);
  }
  return valid;
}

export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

export function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function isPositiveCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

export function orNull<T>(test: (value: unknown) => value is T): (value: unknown) => value is T | null {
  return (value: unknown): value is T | null => value === null || test(value);
}

export function equalTo<T extends string | number | boolean>(expected: T): (value: unknown) => value is T {
  return (value: unknown): value is T => value === expected;
}

/** Shows a bad value in a message without echoing hostile text. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `"${printable(value, 40)}"`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
