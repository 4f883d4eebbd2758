import { SkillsError } from '../errors.js';

/** DESIGN §4 Bytes: digests and chain hashes are lowercase hex. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** DESIGN §4 Bytes: OpenPGP v4 fingerprints, 40 uppercase hex digits. */
export const FINGERPRINT_PATTERN = /^[0-9A-F]{40}$/;
/** DESIGN §4 Paths: an epoch names a directory under `feed/` and `snapshots/`. */
export const EPOCH_PATTERN = /^[a-z0-9-]{1,32}$/;
/** DESIGN §4 Bytes: whole seconds, UTC. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_PATTERN.test(value);
}

export function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT_PATTERN.test(value);
}

export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && EPOCH_PATTERN.test(value);
}

/** `YYYY-MM-DDTHH:MM:SSZ` naming a real instant: `2024-02-30T00:00:00Z` has the shape but no day. */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !TIMESTAMP_PATTERN.test(value)) return false;
  const [year, month, day, hour, minute, second] = value.match(/\d+/g)!.map(Number) as [number, ...number[]];
  // Day 0 of the next month is the last day of this one (Date.UTC takes months from 0).
  const daysInMonth = new Date(Date.UTC(year, month!, 0)).getUTCDate();
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59
  );
}

/** Formats a Date as `YYYY-MM-DDTHH:MM:SSZ`, dropping (not rounding) the milliseconds. */
export function formatTimestamp(date: Date): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new SkillsError('INTERNAL', `cannot write ${String(date)} as a YYYY-MM-DDTHH:MM:SSZ timestamp`);
  }
  return `${date.toISOString().slice(0, 19)}Z`;
}
