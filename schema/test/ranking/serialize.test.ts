import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSearchIndex,
  readSearchIndex,
  search,
  serializeSearchIndex,
  type ByteSource,
  type SearchEntry,
} from '../../src/ranking/index.js';
import { entry } from './helpers.js';

// Collide often (small alphabet), and reach past latin1 and the BMP so both text encodings and
// surrogate pairs (and lone surrogates, which UTF-8 could not carry) are exercised.
const letter = fc.constantFrom('a', 'b', 'c', 'é', 'ß', 'ж', '語', '𝒜', '\ud800');
const word = fc.array(letter, { minLength: 1, maxLength: 5 }).map((chars) => chars.join(''));
const name = fc
  .array(fc.stringMatching(/^[a-c]{1,4}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('-'));
const generated: fc.Arbitrary<SearchEntry> = fc.record({
  name,
  version: fc.constantFrom('1.0.0', '2.0.0-rc.1'),
  description: fc.array(word, { maxLength: 6 }).map((words) => words.join(' ')),
  keywords: fc.array(fc.oneof(word, name), { maxLength: 3 }),
  yanked: fc.nat({ max: 4 }).map((n) => n === 0),
});
const entries = fc.uniqueArray(generated, { selector: (e) => e.name, maxLength: 30 });
const query = fc.oneof(
  fc.array(word, { minLength: 1, maxLength: 3 }).map((terms) => terms.join(' ')),
  name.map((n) => n.slice(0, 3)),
);

/** Reads the bytes through positional reads, as the CLI does from its catalog file. */
function fileLike(bytes: Buffer): ByteSource & { reads: number } {
  const source = {
    reads: 0,
    read(position: number, length: number) {
      source.reads++;
      // A fresh, unaligned copy: the reader must not rely on where the bytes sit.
      const out = new Uint8Array(length + 1).subarray(1);
      out.set(bytes.subarray(position, position + length));
      return out;
    },
  };
  return source;
}

describe('a serialised search index', () => {
  it('ranks exactly like the index it was written from, for any catalog and query', () => {
    fc.assert(
      fc.property(entries, fc.array(query, { minLength: 1, maxLength: 4 }), (list, queries) => {
        const built = buildSearchIndex(list);
        const bytes = serializeSearchIndex(built);
        const fromBuffer = readSearchIndex(bytes);
        const fromFile = readSearchIndex(fileLike(bytes));
        for (const q of queries) {
          const expected = search(built, q, { limit: 1000 });
          expect(search(fromBuffer, q, { limit: 1000 })).toEqual(expected);
          expect(search(fromFile, q, { limit: 1000 })).toEqual(expected);
        }
        expect(serializeSearchIndex(fromBuffer).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads versions and descriptions only for the results it returns', () => {
    const list = Array.from({ length: 50 }, (_, i) =>
      entry(`skill-${String(i).padStart(2, '0')}`, { description: `Skill number ${i}` }),
    );
    const source = fileLike(serializeSearchIndex(buildSearchIndex(list)));
    const index = readSearchIndex(source);
    const opened = source.reads;
    expect(search(index, 'skill', { limit: 3 }).results.map((r) => r.description)).toEqual([
      'Skill number 0',
      'Skill number 1',
      'Skill number 2',
    ]);
    // One read for the offsets, then one for each version and each description shown.
    expect(source.reads - opened).toBe(1 + 3 * 2);
  });

  it('keeps an empty index empty', () => {
    const index = readSearchIndex(serializeSearchIndex(buildSearchIndex([])));
    expect(index.size).toBe(0);
    expect(search(index, 'anything')).toEqual({ results: [], total: 0 });
  });

  it('refuses bytes that are not a search index, or are damaged, with SEARCH_INDEX_INVALID', () => {
    const bytes = serializeSearchIndex(buildSearchIndex([entry('pdf-reader'), entry('pdf-writer')]));
    const damaged = (change: (copy: Buffer) => void): Buffer => {
      const copy = Buffer.from(bytes);
      change(copy);
      return copy;
    };
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty', Buffer.alloc(0), /does not start like/],
      ['another magic', damaged((b) => b.write('XXXXXXXX', 0, 'latin1')), /does not start like/],
      ['another format', damaged((b) => b.writeUInt32LE(2, 8)), /format 2/],
      ['another byte order', damaged((b) => b.writeUInt32BE(0x01020304, 12)), /byte order/],
      ['cut short', bytes.subarray(0, bytes.length - 40), /shorter|cut short|missing/],
      ['a section out of place', damaged((b) => b.writeUInt32LE(3, 28)), /out of place/],
      ['more entries than names', damaged((b) => b.writeUInt32LE(5, 16)), /holds|span/],
    ];
    for (const [what, input, message] of cases) {
      expect(() => {
        const index = readSearchIndex(input);
        search(index, 'pdf', { limit: 10 });
      }, what).toThrow(message);
      try {
        search(readSearchIndex(input), 'pdf');
      } catch (error) {
        expect((error as { code?: string }).code, what).toBe('SEARCH_INDEX_INVALID');
      }
    }
  });
});
