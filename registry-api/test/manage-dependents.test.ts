import { describe, expect, it } from 'vitest';
import { dependentsOf } from '../src/manage/dependents.js';

const dep = (name: string, range: string) => ({ name, version: '1.0.0', range });

describe('dependentsOf', () => {
  it('names the dependents whose range only the purged version satisfies', () => {
    const deps = [dep('a', '^2.0.0'), dep('b', '>=1.0.0'), dep('c', '~2.0.0'), dep('d', '^3.0.0')];
    expect(dependentsOf('2.0.0', ['1.0.0'], deps).map((d) => d.name)).toEqual(['a', 'c']);
    expect(dependentsOf('2.0.0', ['1.0.0', '2.0.1'], deps).map((d) => d.name)).toEqual([]);
    expect(dependentsOf('2.0.0', ['1.0.0', '2.1.0'], deps).map((d) => d.name)).toEqual(['c']);
  });

  it('does not count pre-releases an ordinary range leaves out', () => {
    expect(dependentsOf('2.0.0', ['2.1.0-beta.1'], [dep('a', '^2.0.0')])).toHaveLength(1);
    expect(dependentsOf('2.0.0-rc.1', [], [dep('a', '^2.0.0')])).toHaveLength(0);
  });
});
