import { describe, expect, it } from 'vitest';
import { indexPath, shardPrefix } from '../../src/lines/index.js';

describe('index paths', () => {
  it.each([
    ['a', '1/a'],
    ['ab', '2/ab'],
    ['abc', '3/a/abc'],
    ['abcd', 'ab/cd/abcd'],
    ['code-review', 'co/de/code-review'],
    ['a-bc', 'a-/bc/a-bc'],
    ['x'.repeat(64), `xx/xx/${'x'.repeat(64)}`],
  ])('puts %s at %s', (name, path) => {
    expect(indexPath(name)).toBe(path);
    expect(shardPrefix(name)).toBe(path.slice(0, path.lastIndexOf('/')));
  });

  it.each(['', 'A', '../x', 'a/b', '.', 'a_b', 'x'.repeat(65), '-ab'])(
    'refuses the invalid name %j',
    (name) => {
      expect(() => indexPath(name)).toThrow(expect.objectContaining({ code: 'NAME_INVALID' }));
      expect(() => shardPrefix(name)).toThrow(expect.objectContaining({ code: 'NAME_INVALID' }));
    },
  );
});
