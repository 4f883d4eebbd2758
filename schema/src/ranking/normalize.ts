/** Longer queries are cut here (in UTF-16 code units, before normalisation). */
export const MAX_QUERY_LENGTH = 256;
/** Terms past this many are dropped: each one narrows the results, so more would find nothing. */
export const MAX_QUERY_TERMS = 8;

const SEPARATORS = /[^\p{L}\p{N}]+/u;
// eslint-disable-next-line no-control-regex -- the ASCII range, control characters included
const ASCII = /^[\u0000-\u007f]*$/;

/**
 * The words of a text as search sees them: NFKC (so full-width and ligature forms match their
 * plain letters), lower case, split on every character that is not a letter or a digit.
 */
export function words(text: string): string[] {
  if (ASCII.test(text)) return asciiWords(text);
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(SEPARATORS)
    .filter((word) => word.length > 0);
}

/**
 * The same for ASCII text (nearly every description), without a regex split: building the index
 * of 100,000 skills spends most of its time here. NFKC leaves ASCII as it is.
 */
function asciiWords(text: string): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    const inWord = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (inWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      found.push(lower.slice(start, i));
      start = -1;
    }
  }
  return found;
}

/** A query's terms: its first MAX_QUERY_LENGTH characters as words, repeats removed, capped. */
export function queryTerms(query: string): string[] {
  return [...new Set(words(query.slice(0, MAX_QUERY_LENGTH)))].slice(0, MAX_QUERY_TERMS);
}
