import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isValidRange,
  isValidVersion,
  satisfies,
  validateRange,
  validateVersion,
} from '../src/version.js';

describe('versions', () => {
  it.each(['0.0.0', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-0.3.7', '1.0.0-x-y.z'])(
    'accepts %s',
    (version) => {
      expect(isValidVersion(version)).toBe(true);
      expect(validateVersion(version)).toEqual([]);
    },
  );

  it.each([
    'v1.2.3',
    '1.2',
    '1',
    '=1.2.3',
    ' 1.2.3',
    '1.2.3 ',
    '01.2.3',
    '1.2.3-01',
    '1.0.0+build',
    '1.0.0-',
    '',
  ])('refuses %j', (version) => {
    expect(isValidVersion(version)).toBe(false);
    expect(validateVersion(version)).toEqual([
      { path: 'version', code: 'VERSION_INVALID', message: expect.any(String) },
    ]);
  });

  it('refuses build metadata with a reason', () => {
    expect(validateVersion('1.0.0+x')[0]?.message).toContain('build metadata');
  });

  it('refuses versions longer than 64 characters', () => {
    const long = `1.0.0-${'a'.repeat(59)}`;
    expect(long.length).toBe(65);
    expect(validateVersion(long)[0]?.message).toContain('longer than 64');
  });

  it('tells the author to quote a version YAML read as a number or a date', () => {
    expect(validateVersion(1)[0]?.message).toMatch(/number: quote it/);
    expect(validateVersion(new Date(0))[0]?.message).toMatch(/date: quote it/);
    expect(validateVersion(null)[0]?.message).toBe('the version must be a string');
  });
});

describe('ranges', () => {
  it.each(['^1.2.0', '~2.1', '>=1.0.0 <2.0.0', '1.x', '*', '1.2.3', '^1.0.0 || ^2.0.0', '1.0.0 - 2.0.0'])(
    'accepts %j',
    (range) => {
      expect(isValidRange(range)).toBe(true);
      expect(validateRange(range, 'r')).toEqual([]);
    },
  );

  it.each(['', 'latest', '^1.2.3.4', '>=abc', '^1.0.0 ||| 2', 'x'.repeat(129)])('refuses %j', (range) => {
    expect(isValidRange(range)).toBe(false);
    expect(validateRange(range, 'deps.a')).toEqual([
      { path: 'deps.a', code: 'RANGE_INVALID', message: expect.any(String) },
    ]);
  });

  it('refuses a range that is not a string', () => {
    expect(validateRange(1.5, 'd')[0]?.message).toMatch(/number: quote it/);
  });

  it('matches pre-releases only when the range names one', () => {
    expect(satisfies('1.3.0-beta.1', '^1.2.0')).toBe(false);
    expect(satisfies('1.2.0-beta.2', '^1.2.0-beta.1')).toBe(true);
    expect(satisfies('1.4.0', '^1.2.0')).toBe(true);
  });

  it('orders versions by SemVer precedence', () => {
    expect(compareVersions('1.0.0-alpha', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
  });
});
