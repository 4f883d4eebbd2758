import { createHash } from 'node:crypto';
import { IndexLineError } from '../errors.js';
import { isSha256 } from './patterns.js';

/** hash(0): the chain hash before the first feed line of an epoch. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * DESIGN §4 Lines: hash(N) = sha256_hex(hash(N-1) + "\n" + the exact bytes of line N without its
 * newline). Always over the bytes as read or written, never over re-serialised JSON.
 */
export function chainHash(prevHash: string, line: Uint8Array | string): string {
  if (!isSha256(prevHash)) throw new IndexLineError('a chain hash must be 64 lowercase hex digits');
  return createHash('sha256').update(`${prevHash}\n`).update(line).digest('hex');
}
