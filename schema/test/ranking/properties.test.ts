import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DESCRIPTION_PREFIX_MIN_LENGTH,
  TYPO_MIN_LENGTH,
  buildSearchIndex,
  queryTerms,
  search,
  withinOneEdit,
  words,
  type SearchEntry,
} from '../../src/ranking/index.js';

// A small alphabet, so that generated names, keywords, descriptions and queries collide often.
const word = fc.stringMatching(/^[a-e]{1,5}$/);
const name = fc.array(word, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('-'));
const text = fc
  .array(fc.tuple(word, fc.constantFrom(' ', ', ', '. ', ' - ')), { maxLength: 8 })
  .map((parts) => parts.map(([w, separator]) => (w.length % 2 ? w.toUpperCase() : w) + separator).join(''));
const entry: fc.Arbitrary<SearchEntry> = fc.record({
  name,
  version: fc.constant('1.0.0'),
  description: text,
  keywords: fc.array(fc.oneof(word, name), { maxLength: 3 }),
  yanked: fc.nat({ max: 4 }).map((n) => n === 0),
});
const entries = fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 25 });
const query = fc.array(word, { minLength: 1, maxLength: 3 }).map((terms) => terms.join(' '));

/** Does `term` match entry, by the rules as documented (written out plainly, without an index). */
function matches(e: SearchEntry, term: string): boolean {
  const length = [...term].length;
  const nameLike = [...words(e.name), ...e.keywords.flatMap(words)];
  if (nameLike.some((w) => w.startsWith(term) || (length >= TYPO_MIN_LENGTH && withinOneEdit(term, w)))) {
    return true;
  }
  return words(e.description).some(
    (w) => w === term || (length >= DESCRIPTION_PREFIX_MIN_LENGTH && w.startsWith(term)),
  );
}

describe('search, for any catalog and query', () => {
  it('finds exactly the entries matching every term, each holding every term or a one-typo variant', () => {
    fc.assert(
      fc.property(entries, query, (list, q) => {
        const index = buildSearchIndex(list);
        const { results, total } = search(index, q, { limit: 1000 });
        const terms = queryTerms(q);
        const expected = list
          .filter((e) => e.yanked !== true && terms.every((term) => matches(e, term)))
          .map((e) => e.name)
          .sort();
        expect([...results.map((r) => r.name)].sort()).toEqual(expected);
        expect(total).toBe(expected.length);
        for (const result of results) {
          const e = list.find((candidate) => candidate.name === result.name)!;
          const held = [...words(e.name), ...e.keywords.flatMap(words), ...words(e.description)];
          for (const term of terms) {
            expect(held.some((w) => w.includes(term) || withinOneEdit(term, w))).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('orders by score, then name, the same way every time and for any order of the entries', () => {
    fc.assert(
      fc.property(entries, query, (list, q) => {
        const { results } = search(buildSearchIndex(list), q, { limit: 1000 });
        for (let i = 1; i < results.length; i++) {
          const [a, b] = [results[i - 1]!, results[i]!];
          expect(a.score > b.score || (a.score === b.score && a.name < b.name)).toBe(true);
        }
        expect(search(buildSearchIndex([...list].reverse()), q, { limit: 1000 }).results).toEqual(results);
      }),
      { numRuns: 300 },
    );
  });

  it('pages through the same order', () => {
    fc.assert(
      fc.property(entries, query, fc.integer({ min: 1, max: 5 }), (list, q, limit) => {
        const index = buildSearchIndex(list);
        const all = search(index, q, { limit: 1000 }).results;
        const paged = [];
        for (let offset = 0; offset < all.length; offset += limit) {
          paged.push(...search(index, q, { limit, offset }).results);
        }
        expect(paged).toEqual(all);
      }),
      { numRuns: 100 },
    );
  });
});
