import { describe, expect, it } from 'vitest';
import { SCORES, buildSearchIndex, search } from '../../src/ranking/index.js';
import { entry, found, indexOf } from './helpers.js';

describe('search ranking', () => {
  const index = indexOf(
    entry('pdf', { description: 'The shortest name' }),
    entry('pdf-tools', { description: 'Reads and writes documents' }),
    entry('tools-pdf', { description: 'Pdf helpers for teams' }),
    entry('reader', { keywords: ['pdf'] }),
    entry('viewer', { description: 'Shows PDF files' }),
    entry('unrelated', { description: 'Nothing to see' }),
  );

  it('puts the exact name first, then name prefixes, name words, keywords, descriptions', () => {
    expect(found(index, 'pdf')).toEqual(['pdf', 'pdf-tools', 'tools-pdf', 'reader', 'viewer']);
    const scores = search(index, 'pdf').results.map((result) => result.score);
    expect(scores).toEqual([
      SCORES.exactName + SCORES.nameWord,
      SCORES.namePrefix + SCORES.nameWord,
      SCORES.nameWord,
      SCORES.keyword,
      SCORES.descriptionWord,
    ]);
  });

  it('returns name, version, description and score of each result', () => {
    expect(search(index, 'viewer').results).toEqual([
      { name: 'viewer', version: '1.0.0', description: 'Shows PDF files', score: 1060 },
    ]);
  });

  it('reads the whole query as a name: "pdf tools" is exactly pdf-tools', () => {
    expect(found(index, 'PDF Tools')[0]).toBe('pdf-tools');
    expect(search(index, 'pdf tools').results[0]!.score).toBe(SCORES.exactName + 2 * SCORES.nameWord);
    expect(found(index, 'pdf-to')[0]).toBe('pdf-tools');
  });

  it('matches word prefixes below whole words', () => {
    const prefixes = indexOf(
      entry('review', { description: 'x' }),
      entry('code-reviewer'),
      entry('linter', { keywords: ['reviews'] }),
      entry('helper', { description: 'Reviewing made easy' }),
    );
    expect(found(prefixes, 'review')).toEqual(['review', 'code-reviewer', 'linter', 'helper']);
    // Description words match by prefix only from three characters on.
    expect(found(prefixes, 're')).toEqual(['review', 'code-reviewer', 'linter']);
  });

  it('forgives one typo in a name word or keyword of four characters or more', () => {
    const typos = indexOf(entry('pdf-tools'), entry('linter', { keywords: ['formatter'] }));
    expect(found(typos, 'tols')).toEqual(['pdf-tools']); // deletion
    expect(found(typos, 'toolz')).toEqual(['pdf-tools']); // substitution
    expect(found(typos, 'otols')).toEqual(['pdf-tools']); // transposition
    expect(found(typos, 'formater')).toEqual(['linter']);
    expect(search(typos, 'tols').results[0]!.score).toBe(SCORES.nameWordTypo);
    expect(search(typos, 'formater').results[0]!.score).toBe(SCORES.keywordTypo);
  });

  it('does not forgive two typos, nor one in a short term or in a description', () => {
    const typos = indexOf(entry('pdf-tools'), entry('other', { description: 'formatting helper' }));
    expect(found(typos, 'otlos')).toEqual([]); // two transpositions
    expect(found(typos, 'tuuls')).toEqual([]); // two substitutions
    expect(found(typos, 'tol')).toEqual([]); // too short to forgive
    expect(found(typos, 'pdx')).toEqual([]);
    expect(found(typos, 'helpr')).toEqual([]);
  });

  it('ranks an exact word above a typo of another word', () => {
    const close = indexOf(entry('tool'), entry('tools'), entry('tolls'), entry('stool'));
    expect(found(close, 'tools')).toEqual(['tools', 'tolls', 'tool']); // stool is two edits away
    expect(search(close, 'tools').results.map((r) => r.score)).toEqual([
      SCORES.exactName + SCORES.nameWord,
      SCORES.nameWordTypo,
      SCORES.nameWordTypo,
    ]);
  });

  it('finds only entries that match every term', () => {
    const and = indexOf(
      entry('pdf-reader', { description: 'Reads documents' }),
      entry('pdf-writer', { description: 'Writes documents' }),
      entry('doc-reader', { keywords: ['docs'] }),
    );
    expect(found(and, 'pdf')).toEqual(['pdf-reader', 'pdf-writer']);
    expect(found(and, 'reader')).toEqual(['doc-reader', 'pdf-reader']);
    expect(found(and, 'pdf reader')).toEqual(['pdf-reader']);
    expect(found(and, 'reader documents')).toEqual(['pdf-reader']);
    expect(found(and, 'pdf nothing')).toEqual([]);
  });

  it('breaks ties by name and gives the same order for the same entries in any order', () => {
    const names = ['delta-x', 'alpha-x', 'charlie-x', 'bravo-x'];
    const forward = buildSearchIndex(names.map((name) => entry(name)));
    const backward = buildSearchIndex(names.reverse().map((name) => entry(name)));
    expect(found(forward, 'x')).toEqual(['alpha-x', 'bravo-x', 'charlie-x', 'delta-x']);
    expect(search(backward, 'x')).toEqual(search(forward, 'x'));
  });

  it('pages with limit and offset and counts every match', () => {
    const many = buildSearchIndex(Array.from({ length: 30 }, (_, i) => entry(`skill-${i}`)));
    const first = search(many, 'skill', { limit: 10 });
    const second = search(many, 'skill', { limit: 10, offset: 10 });
    expect(first.total).toBe(30);
    expect(first.results).toHaveLength(10);
    expect(second.results[0]!.name).toBe(found(many, 'skill')[10]);
    expect(search(many, 'skill', { offset: 40 })).toEqual({ results: [], total: 30 });
    expect(search(many, 'skill').results).toHaveLength(20); // the default limit
    expect(() => search(many, 'skill', { limit: -1 })).toThrow(RangeError);
    expect(() => search(many, 'skill', { offset: 1.5 })).toThrow(RangeError);
  });

  it('leaves out yanked entries and repeated names', () => {
    const yanked = buildSearchIndex([
      entry('gone', { yanked: true }),
      entry('kept', { version: '1.0.0' }),
      entry('kept', { version: '2.0.0' }),
    ]);
    expect(yanked.size).toBe(1);
    expect(found(yanked, 'gone')).toEqual([]);
    expect(search(yanked, 'kept').results).toHaveLength(1);
  });

  it('finds nothing for an empty query or an empty index', () => {
    expect(search(index, '  -- ')).toEqual({ results: [], total: 0 });
    expect(search(buildSearchIndex([]), 'pdf')).toEqual({ results: [], total: 0 });
  });

  it('is case, width and punctuation insensitive', () => {
    expect(found(index, 'ＶＩＥＷＥＲ')).toEqual(['viewer']);
    expect(found(index, 'Viewer!!')).toEqual(['viewer']);
  });

  it('matches non-ASCII descriptions and keywords', () => {
    const intl = indexOf(
      entry('lecteur', { description: 'Lit des fichiers PDF très vite', keywords: ['Größe'] }),
    );
    expect(found(intl, 'TRÈS')).toEqual(['lecteur']);
    expect(found(intl, 'größe')).toEqual(['lecteur']);
    expect(found(intl, 'grösse')).toEqual([]); // two edits away
    expect(found(intl, 'gröse')).toEqual(['lecteur']);
  });

  it('does not try typos on terms longer than any indexed word', () => {
    expect(found(index, 'x'.repeat(200))).toEqual([]);
  });
});
