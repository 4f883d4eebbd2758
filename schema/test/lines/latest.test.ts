import { describe, expect, it } from 'vitest';
import { latestOf } from '../../src/lines/index.js';
import { sampleLine } from './helpers.js';

function lines(...specs: string[]) {
  return specs.map((spec) => sampleLine({ version: spec.replace('!', ''), yanked: spec.endsWith('!') }));
}

function latestVersion(...specs: string[]): string | null {
  return latestOf(lines(...specs))?.version ?? null;
}

describe('latest', () => {
  it('is the highest version by SemVer precedence, not by feed order or string order', () => {
    expect(latestVersion('1.10.0', '1.9.0', '1.2.0')).toBe('1.10.0');
    expect(latestVersion('1.2.0', '1.10.0', '1.9.0')).toBe('1.10.0');
  });

  it('skips yanked versions', () => {
    expect(latestVersion('1.0.0', '2.0.0!')).toBe('1.0.0');
  });

  it('prefers any release over a higher pre-release', () => {
    expect(latestVersion('1.0.0', '2.0.0-beta.1')).toBe('1.0.0');
  });

  it('is the highest pre-release when there is no release', () => {
    expect(latestVersion('2.0.0-alpha', '2.0.0-beta.2', '2.0.0-beta.10')).toBe('2.0.0-beta.10');
  });

  it('is a pre-release when every release is yanked', () => {
    expect(latestVersion('1.0.0!', '2.0.0-rc.1')).toBe('2.0.0-rc.1');
  });

  it('is the highest yanked version when every version is yanked, releases first', () => {
    expect(latestVersion('1.0.0!', '1.5.0!', '2.0.0-rc.1!')).toBe('1.5.0');
    expect(latestOf(lines('1.0.0!'))?.yanked).toBe(true);
  });

  it('is null when no version remains', () => {
    expect(latestOf([])).toBeNull();
  });
});
