import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IndexLineError } from '../../src/errors.js';
import { GENESIS_HASH, chainHash } from '../../src/lines/index.js';

describe('feed chain', () => {
  it('starts from 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('hashes the previous hash, a line feed and the exact line bytes', () => {
    const line = '{"seq":1,"op":"purge"}';
    const expected = createHash('sha256')
      .update(`0000000000000000000000000000000000000000000000000000000000000000\n{"seq":1,"op":"purge"}`)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, line)).toBe(expected);
    expect(chainHash(GENESIS_HASH, Buffer.from(line))).toBe(expected);
  });

  it('chains: each hash feeds the next', () => {
    const first = chainHash(GENESIS_HASH, 'a');
    const expected = createHash('sha256').update(`${first}\nb`).digest('hex');
    expect(chainHash(first, 'b')).toBe(expected);
  });

  it('hashes bytes, not JSON values: whitespace changes the hash', () => {
    expect(chainHash(GENESIS_HASH, '{"a":1}')).not.toBe(chainHash(GENESIS_HASH, '{"a": 1}'));
  });

  it('refuses a previous hash that is not 64 lowercase hex digits', () => {
    expect(() => chainHash('A'.repeat(64), 'x')).toThrow(IndexLineError);
    expect(() => chainHash('', 'x')).toThrow(IndexLineError);
  });
});
