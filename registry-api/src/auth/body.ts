import { printable } from '@skills/schema';
import { ApiError } from '../http/problem.js';

/**
 * Strict reading of JSON request bodies: an object with exactly the documented members, each of
 * the documented type. Anything else is 400 `invalid_body` naming the member, so a client typo
 * (`expires` for `expires_in`) fails loudly instead of being ignored.
 */
export function invalidBody(path: string, message: string): ApiError {
  return new ApiError(400, 'invalid_body', `${path}: ${message}`, { issues: [{ path, message }] });
}

/** The body as an object holding every required member and no unknown one. */
export function objectBody<K extends string>(
  body: unknown,
  required: readonly K[],
  optional: readonly K[] = [],
): Partial<Record<K, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_body', 'send a JSON object with content-type application/json');
  }
  const known = new Set<string>([...required, ...optional]);
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw invalidBody(printable(key, 64), 'is not a known member');
  }
  const record = body as Record<string, unknown>;
  for (const key of required) {
    if (record[key] === undefined) throw invalidBody(key, 'is required');
  }
  return record as Partial<Record<K, unknown>>;
}

export function stringMember(value: unknown, path: string, max: number, min = 1): string {
  if (typeof value !== 'string') throw invalidBody(path, 'must be a string');
  if (value.length < min || value.length > max) {
    throw invalidBody(path, `must be ${min} to ${max} characters long`);
  }
  return value;
}

export function stringArrayMember(value: unknown, path: string, maxItems: number): string[] {
  if (!Array.isArray(value)) throw invalidBody(path, 'must be an array of strings');
  if (value.length === 0 || value.length > maxItems) {
    throw invalidBody(path, `must hold 1 to ${maxItems} items`);
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string') throw invalidBody(`${path}[${i}]`, 'must be a string');
  });
  const items = value as string[];
  const repeated = items.find((item, i) => items.indexOf(item) !== i);
  if (repeated !== undefined) throw invalidBody(path, `lists "${printable(repeated)}" twice`);
  return items;
}

export function integerMember(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidBody(path, 'must be a whole number');
  if (value < min || value > max) throw invalidBody(path, `must be between ${min} and ${max}`);
  return value;
}
