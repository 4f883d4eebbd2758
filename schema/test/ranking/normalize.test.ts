import { describe, expect, it } from 'vitest';
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, queryTerms, words } from '../../src/ranking/index.js';

describe('query terms', () => {
  it('lower-case the query and split it on anything but letters and digits', () => {
    expect(queryTerms('PDF-Tools, review_code!')).toEqual(['pdf', 'tools', 'review', 'code']);
    expect(queryTerms('  ')).toEqual([]);
    expect(queryTerms('--//')).toEqual([]);
  });

  it('apply NFKC, so full-width letters and ligatures match plain ones', () => {
    expect(queryTerms('ＰＤＦ ﬁle')).toEqual(['pdf', 'file']);
  });

  it('keep letters and digits of any script', () => {
    expect(queryTerms('Café Größe 日本語 ٣')).toEqual(['café', 'größe', '日本語', '٣']);
  });

  it('drop repeated terms and keep at most MAX_QUERY_TERMS', () => {
    expect(queryTerms('pdf PDF pdf')).toEqual(['pdf']);
    const many = Array.from({ length: 20 }, (_, i) => `t${i}`).join(' ');
    expect(queryTerms(many)).toHaveLength(MAX_QUERY_TERMS);
  });

  it('read only the first MAX_QUERY_LENGTH characters', () => {
    const long = `${'a'.repeat(MAX_QUERY_LENGTH - 1)} bcd`;
    expect(queryTerms(long)).toEqual(['a'.repeat(MAX_QUERY_LENGTH - 1)]);
  });
});

describe('words', () => {
  it('read ASCII and other text alike', () => {
    expect(words('Reads PDFs; writes 2 files.')).toEqual(['reads', 'pdfs', 'writes', '2', 'files']);
    expect(words('Liest PDFs – schreibt Dateien')).toEqual(['liest', 'pdfs', 'schreibt', 'dateien']);
    expect(words('')).toEqual([]);
  });
});
