import { describe, expect, it } from 'vitest';
import { isReservedName, isValidName, nameSkeleton, RESERVED_NAMES, validateName } from '../src/name.js';

describe('names', () => {
  it.each(['a', 'a1', 'code-review', '0day', 'x'.repeat(64), 'a-b-c'])('accepts %j', (name) => {
    expect(isValidName(name)).toBe(true);
    expect(validateName(name)).toEqual([]);
  });

  it.each(['', 'A', 'a_b', '-a', 'a-', 'a--b', 'é', 'a b', 'x'.repeat(65), 'a.b', 'a/b'])(
    'refuses %j',
    (name) => {
      expect(isValidName(name)).toBe(false);
      expect(validateName(name, 'skill.yaml:name')).toEqual([
        { path: 'skill.yaml:name', code: 'NAME_INVALID', message: expect.any(String) },
      ]);
    },
  );

  it('refuses a name that is not a string', () => {
    expect(validateName(42)).toEqual([
      { path: 'name', code: 'NAME_INVALID', message: 'the name must be a string' },
    ]);
  });

  it('escapes control characters when it quotes a bad name', () => {
    const [issue] = validateName('a\u0007b');
    expect(issue?.message).toContain('a\\u0007b');
  });

  it.each(RESERVED_NAMES)('refuses the reserved name %s', (name) => {
    expect(validateName(name)).toEqual([
      { path: 'name', code: 'NAME_RESERVED', message: expect.any(String) },
    ]);
  });

  it('refuses names that look like reserved ones', () => {
    for (const name of ['ski1ls', 'skil-ls', 'adrnin', 'inde-x', 'b1obs', 'ke-ys'])
      expect(isReservedName(name)).toBe(true);
    expect(isReservedName('code-review')).toBe(false);
  });

  it('computes the frozen confusable skeleton', () => {
    expect(nameSkeleton('Rn-vv0-1i5')).toBe('mwolls');
    expect(nameSkeleton('modern')).toBe('modem');
    expect(nameSkeleton('wave')).toBe('wave');
    expect(nameSkeleton('vvave')).toBe('wave');
    // rn→m and vv→w apply before the character map, so "r" + "n" made from nothing else.
    expect(nameSkeleton('r-n')).toBe('m');
  });
});
