import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withinOneEdit } from '../../src/ranking/index.js';
import { oneEditVariants } from '../../src/ranking/typo.js';

describe('one edit', () => {
  it.each([
    ['tools', 'tools', true],
    ['tols', 'tools', true], // deletion
    ['toolss', 'tools', true], // insertion
    ['tpols', 'tools', true], // substitution
    ['otols', 'tools', true], // adjacent transposition
    ['toosl', 'tools', true],
    ['tls', 'tools', false], // two deletions
    ['otlos', 'tools', false], // two transpositions
    ['xools', 'toolz', false],
    ['abc', 'bca', false],
    ['a', '', true],
    ['😀a', 'a', true], // an astral character is one character
  ])('%s → %s: %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
    expect(withinOneEdit(b, a)).toBe(expected);
  });

  it('variants are exactly the strings one edit away over the alphabet', () => {
    const alphabet = ['a', 'b', 'c'];
    const word = fc.stringMatching(/^[abc]{0,5}$/);
    fc.assert(
      fc.property(word, word, (term, other) => {
        const isVariant = oneEditVariants(term, alphabet).has(other);
        expect(isVariant).toBe(term !== other && withinOneEdit(term, other));
      }),
      { numRuns: 2000 },
    );
  });
});
