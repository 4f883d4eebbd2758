import { describe, expect, it } from 'vitest';
import {
  dummyVerify,
  hashPassword,
  needsRehash,
  passwordProblem,
  SCRYPT_PARAMS,
  verifyPassword,
} from '../src/auth/passwords.js';

describe('password hashes', () => {
  it('are self-describing scrypt strings with a fresh 16-byte salt each time', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse');
  });

  it('verify the right password and refuse a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterx', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('treat composed and decomposed accents as the same password', async () => {
    const hash = await hashPassword('caf\u00e9-au-lait-1');
    expect(await verifyPassword('cafe\u0301-au-lait-1', hash)).toBe(true);
  });

  it('read the parameters back from the hash, so older parameters still verify', async () => {
    const cheap = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse battery', cheap)).toBe(true);
    expect(needsRehash(cheap)).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)))).toBe(false);
  });

  it('never match a damaged or hostile stored hash, and never let it allocate unbounded memory', async () => {
    const good = await hashPassword('correct horse battery');
    const parts = good.split('$');
    const variants = [
      '',
      'plain text',
      `bcrypt$${parts.slice(1).join('$')}`,
      ['scrypt', '1000', ...parts.slice(2)].join('$'), // N not a power of two
      ['scrypt', String(2 ** 30), ...parts.slice(2)].join('$'), // 128 GiB
      ['scrypt', parts[1], parts[2], '99', parts[4], parts[5]].join('$'),
      ['scrypt', parts[1], parts[2], parts[3], '', parts[5]].join('$'),
      ['scrypt', parts[1], parts[2], parts[3], parts[4], 'AAAA'].join('$'),
      ['scrypt', '0x10', ...parts.slice(2)].join('$'),
    ];
    for (const variant of variants) {
      expect(await verifyPassword('correct horse battery', variant), variant).toBe(false);
      expect(needsRehash(variant)).toBe(true);
    }
  });

  it('spend a real verification on unknown users and answer false', async () => {
    expect(await dummyVerify('correct horse battery')).toBe(false);
    expect(SCRYPT_PARAMS).toEqual({ N: 2 ** 15, r: 8, p: 1 });
  });
});

describe('the password rule', () => {
  it('takes 10 to 256 characters, counted as characters rather than UTF-16 units', () => {
    expect(passwordProblem('a'.repeat(9))).toMatch(/at least 10/);
    expect(passwordProblem('a'.repeat(10))).toBeNull();
    expect(passwordProblem('a'.repeat(256))).toBeNull();
    expect(passwordProblem('a'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('\u{1F511}'.repeat(10))).toBeNull();
    expect(passwordProblem('\u{1F511}'.repeat(9))).toMatch(/at least 10/);
  });
});
