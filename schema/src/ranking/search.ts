import { queryTerms } from './normalize.js';
import type { FieldIndex, SearchIndex } from './search-index.js';
import { oneEditVariants } from './typo.js';

/**
 * What each kind of match is worth. A term scores its best match; a result scores the sum over
 * the query's terms, plus a bonus when the whole query (its terms joined by `-`) is the skill's
 * name or starts it. The bands never overlap: a term scores at most 60 and a query has at most 8
 * terms (480 < 500, and 500 + 480 < 1000). So exact name > name prefix > the rest, and for each
 * term name words > keywords > description words.
 */
export const SCORES = {
  exactName: 1000,
  namePrefix: 500,
  nameWord: 60,
  nameWordPrefix: 50,
  nameWordTypo: 40,
  keyword: 30,
  keywordPrefix: 25,
  keywordTypo: 20,
  descriptionWord: 10,
  descriptionPrefix: 5,
} as const;

/** Typos are forgiven only in terms this long (in characters): shorter ones match too much. */
export const TYPO_MIN_LENGTH = 4;
/** Description words match by prefix only from this length on. */
export const DESCRIPTION_PREFIX_MIN_LENGTH = 3;

export interface SearchOptions {
  /** Results to return (default 20). */
  limit?: number;
  /** Results to skip, for paging (default 0). */
  offset?: number;
}

export interface SearchResult {
  name: string;
  version: string;
  description: string;
  score: number;
}

export interface SearchResults {
  /** The page asked for, best first; equal scores in name order. */
  results: SearchResult[];
  /** How many entries match in all. */
  total: number;
}

/**
 * Finds the entries matching every term of `query` (AND), best first. A term matches a name word
 * (the name split on `-`), a keyword word or a description word exactly; a name or keyword word
 * it starts; a description word it starts when ≥ 3 characters; or, when ≥ 4 characters, a name or
 * keyword word one edit away (Damerau–Levenshtein ≤ 1). Case, width and punctuation do not
 * matter (see queryTerms). Deterministic: the same index and query give the same answer.
 */
export function search(index: SearchIndex, query: string, options: SearchOptions = {}): SearchResults {
  const limit = count(options.limit ?? 20, 'limit');
  const offset = count(options.offset ?? 0, 'offset');
  const terms = queryTerms(query);
  if (terms.length === 0 || index.size === 0) return { results: [], total: 0 };

  const perTerm = terms
    .map((term) => termScores(index, term))
    .sort((a, b) => a.found.length - b.found.length);
  const [narrowest, ...others] = perTerm as [TermScores, ...TermScores[]];
  const whole = terms.join('-');
  // One sortable number per match: best score first, then lowest id (name order). Scores stay
  // below 2^11 and ids below 2^32, so the key is an exact float64.
  const keys = new Float64Array(narrowest.found.length);
  let total = 0;
  for (const id of narrowest.found) {
    let score = narrowest.scores[id]!;
    for (const other of others) {
      const more = other.scores[id]!;
      if (more === 0) {
        score = -1;
        break;
      }
      score += more;
    }
    if (score < 0) continue;
    const name = index.name(id);
    if (name === whole) score += SCORES.exactName;
    else if (name.startsWith(whole)) score += SCORES.namePrefix;
    keys[total++] = (SCORE_CEILING - score) * ID_SPAN + id;
  }

  const page = keys
    .subarray(0, total)
    .sort()
    .subarray(offset, offset + limit);
  const results = Array.from(page, (key) => {
    const id = key % ID_SPAN;
    return {
      name: index.name(id),
      version: index.version(id),
      description: index.description(id),
      score: SCORE_CEILING - Math.floor(key / ID_SPAN),
    };
  });
  return { results, total };
}

const ID_SPAN = 2 ** 32;
const SCORE_CEILING = 2 ** 11;

/** One term's matches: the best score per entry id (0: no match), and the ids it matched. */
interface TermScores {
  scores: Uint8Array;
  found: number[];
}

function termScores(index: SearchIndex, term: string): TermScores {
  const scores = new Uint8Array(index.size);
  const found: number[] = [];
  const creditOne = (id: number, score: number): void => {
    const held = scores[id]!;
    if (held === 0) found.push(id);
    if (held < score) scores[id] = score;
  };
  const credit = (ids: Int32Array, score: number): void => {
    for (const id of ids) creditOne(id, score);
  };
  const length = [...term].length;
  if (length >= DESCRIPTION_PREFIX_MIN_LENGTH) {
    for (const word of index.descriptionWords.extending(term)) {
      credit(index.descriptionWords.idsOf(word), SCORES.descriptionPrefix);
    }
  }
  credit(index.descriptionWords.idsOf(term), SCORES.descriptionWord);
  field(index, index.keywords, term, length, credit, [
    SCORES.keywordTypo,
    SCORES.keywordPrefix,
    SCORES.keyword,
  ]);
  field(index, index.nameWords, term, length, credit, [
    SCORES.nameWordTypo,
    SCORES.nameWordPrefix,
    SCORES.nameWord,
  ]);
  return { scores, found };
}

/** Credits a name-like field: words one typo away, words the term starts, the word itself. */
function field(
  index: SearchIndex,
  words: FieldIndex,
  term: string,
  length: number,
  credit: (ids: Int32Array, score: number) => void,
  [typo, prefix, exact]: readonly [number, number, number],
): void {
  if (length >= TYPO_MIN_LENGTH && length <= index.longestWord + 1) {
    for (const variant of oneEditVariants(term, index.alphabet)) credit(words.idsOf(variant), typo);
  }
  for (const word of words.extending(term)) credit(words.idsOf(word), prefix);
  credit(words.idsOf(term), exact);
}

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`search ${what} must be a non-negative whole number, not ${value}`);
  }
  return value;
}
