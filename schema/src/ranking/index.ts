/**
 * `@skills/schema/ranking`: the one search ranking, shared by the registry's search endpoint and
 * the CLI's offline `skills search` (DESIGN §1, §6). Pure and deterministic; imports only node
 * builtins, so the CLI bundle stays small.
 *
 * Decisions where DESIGN is silent:
 * - Order: exact name, then name prefix (the query's terms joined by `-`), then per term a name
 *   word, a keyword word, a description word (SCORES); equal scores in name order. `score` is
 *   that sum, an integer with no meaning beyond ordering one answer.
 * - Matching: every term must match (AND). Name and keyword words match exactly, by prefix, or
 *   within one typo (Damerau–Levenshtein ≤ 1) for terms of ≥ 4 characters; description words
 *   exactly, or by prefix for terms of ≥ 3 characters. Keywords are split on `-` like names.
 * - Normalisation: NFKC, lower case, split on anything but letters and digits; the first 256
 *   characters of a query and its first 8 distinct terms count. A query without terms finds
 *   nothing.
 * - A skill whose catalog line is yanked (every version is) is not found.
 * - Typos are looked up by generating the term's one-edit variants over the alphabet of the
 *   indexed name and keyword words (a few hundred lookups), never by scanning the names.
 * - Words are found by binary search over a sorted packed word list rather than a hash map, so
 *   an index read back from bytes (serialize.ts) needs no building: the CLI writes it once per
 *   sync and `skills search` reads it in milliseconds, ranking exactly like the index it came from.
 */
export { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, queryTerms, words } from './normalize.js';
export { withinOneEdit } from './typo.js';
export {
  FieldIndex,
  SearchIndex,
  buildSearchIndex,
  type EntryDetails,
  type FieldParts,
  type SearchEntry,
  type SearchIndexParts,
} from './search-index.js';
export {
  DESCRIPTION_PREFIX_MIN_LENGTH,
  SCORES,
  TYPO_MIN_LENGTH,
  search,
  type SearchOptions,
  type SearchResult,
  type SearchResults,
} from './search.js';
export { readSearchIndex, serializeSearchIndex, type ByteSource } from './serialize.js';
