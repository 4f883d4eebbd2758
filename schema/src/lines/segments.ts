import { SkillsError } from '../errors.js';
import { isEpoch } from './patterns.js';

/** Lines per feed segment: segment k holds seq 1000k+1 … 1000(k+1). */
export const SEGMENT_LINES = 1000;
/** `<8 digits>.ndjson` caps the segment number. */
const MAX_SEGMENT = 99_999_999;

/** The segment holding feed line `seq` (seq ≥ 1). */
export function segmentOf(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 1) throw internal(`there is no feed line ${seq}`);
  return Math.floor((seq - 1) / SEGMENT_LINES);
}

/** `head.segment` for a head at `seq`: ⌊(seq−1)/1000⌋, and 0 for an empty feed. */
export function headSegment(seq: number): number {
  return seq === 0 ? 0 : segmentOf(seq);
}

/** `00000042.ndjson` for segment 42. */
export function segmentFileName(segment: number): string {
  if (!Number.isSafeInteger(segment) || segment < 0 || segment > MAX_SEGMENT) {
    throw internal(`there is no feed segment ${segment}`);
  }
  return `${String(segment).padStart(8, '0')}.ndjson`;
}

/** `feed/<epoch>/<8 digits>.ndjson`, relative to the index root. */
export function segmentPath(epoch: string, segment: number): string {
  if (!isEpoch(epoch)) throw internal('an epoch must match [a-z0-9-]{1,32}');
  return `feed/${epoch}/${segmentFileName(segment)}`;
}

function internal(message: string): SkillsError {
  return new SkillsError('INTERNAL', message);
}
