import { words } from './normalize.js';

/** What search needs of a skill: its catalog line (an IndexLine fits). */
export interface SearchEntry {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly keywords: readonly string[];
  /** A yanked catalog line means every version is yanked: such skills are not found. */
  readonly yanked?: boolean;
}

/**
 * The words of one field of every entry, as compressed postings: for each distinct word, the ids
 * of the entries holding it (ascending, once each) in one shared Int32Array. Two passes over the
 * words (count, then fill) instead of a growing array per word: quicker to build and a fraction
 * of the memory at 100,000 skills.
 */
export class FieldIndex {
  /** Word → its number. */
  readonly #numbers = new Map<string, number>();
  /** The words in code-unit order (the order `startsWith` agrees with). */
  readonly sorted: readonly string[];
  /** Entry ids of word w: ids[offsets[w] … offsets[w + 1]). */
  readonly #offsets: Int32Array;
  readonly #ids: Int32Array;

  /** `wordsOf(id)` gives the words of entry id, for ids 0 … count-1. */
  constructor(count: number, wordsOf: (id: number) => Iterable<string>) {
    const numbers = this.#numbers;
    const occurrences: number[] = [];
    const ends = new Int32Array(count);
    const lastSeen: number[] = [];
    const counts: number[] = [];
    for (let id = 0; id < count; id++) {
      for (const word of wordsOf(id)) {
        let w = numbers.get(word);
        if (w === undefined) {
          w = numbers.size;
          numbers.set(word, w);
          counts.push(0);
          lastSeen.push(-1);
        }
        if (lastSeen[w] === id) continue;
        lastSeen[w] = id;
        counts[w]!++;
        occurrences.push(w);
      }
      ends[id] = occurrences.length;
    }
    const offsets = new Int32Array(numbers.size + 1);
    for (let w = 0; w < numbers.size; w++) offsets[w + 1] = offsets[w]! + counts[w]!;
    const cursor = offsets.slice(0, numbers.size);
    const ids = new Int32Array(occurrences.length);
    let at = 0;
    for (let id = 0; id < count; id++) {
      for (; at < ends[id]!; at++) ids[cursor[occurrences[at]!]!++] = id;
    }
    this.#offsets = offsets;
    this.#ids = ids;
    this.sorted = [...numbers.keys()].sort();
  }

  /** How many distinct words. */
  get size(): number {
    return this.#numbers.size;
  }

  /** The ids of the entries holding `word`, ascending; empty when none does. */
  idsOf(word: string): Int32Array {
    const w = this.#numbers.get(word);
    return w === undefined ? EMPTY : this.#ids.subarray(this.#offsets[w]!, this.#offsets[w + 1]!);
  }

  /** Words that start with `prefix` and are longer than it. */
  *extending(prefix: string): Generator<string> {
    const sorted = this.sorted;
    let at = lowerBound(sorted, prefix);
    if (sorted[at] === prefix) at++;
    for (; at < sorted.length && sorted[at]!.startsWith(prefix); at++) yield sorted[at]!;
  }
}

const EMPTY = new Int32Array(0);

/** The first index whose value is not below `value`. */
export function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A compact, immutable search index over catalog entries. Entries are numbered in name order,
 * so "ties broken by name" is "ties broken by id". Build it once per catalog state with
 * {@link buildSearchIndex} and query it with `search`.
 */
export class SearchIndex {
  /** Entries by id, sorted by name; yanked ones left out. */
  readonly names: readonly string[];
  readonly versions: readonly string[];
  readonly descriptions: readonly string[];
  /** Names split on `-`. */
  readonly nameWords: FieldIndex;
  /** Keywords split like names (query terms never hold a `-`). */
  readonly keywords: FieldIndex;
  readonly descriptionWords: FieldIndex;
  /** The characters of every name word and keyword: the alphabet of typo variants. */
  readonly alphabet: readonly string[];
  /** The longest name word or keyword, in code points: longer terms cannot be a typo of one. */
  readonly longestWord: number;

  constructor(entries: Iterable<SearchEntry>) {
    let kept = [...entries].filter((entry) => entry.yanked !== true);
    // Catalogs hand their entries over in name order already: check before paying for a sort.
    if (kept.some((entry, i) => i > 0 && kept[i - 1]!.name >= entry.name)) {
      const sorted = kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      kept = sorted.filter((entry, i) => i === 0 || sorted[i - 1]!.name !== entry.name);
    }
    this.names = kept.map((entry) => entry.name);
    this.versions = kept.map((entry) => entry.version);
    this.descriptions = kept.map((entry) => entry.description);
    this.nameWords = new FieldIndex(kept.length, (id) => words(this.names[id]!));
    this.keywords = new FieldIndex(kept.length, (id) => keywordWords(kept[id]!.keywords));
    this.descriptionWords = new FieldIndex(kept.length, (id) => words(this.descriptions[id]!));
    const alphabet = new Set<string>();
    let longest = 0;
    for (const word of [...this.nameWords.sorted, ...this.keywords.sorted]) {
      const chars = [...word];
      for (const c of chars) alphabet.add(c);
      longest = Math.max(longest, chars.length);
    }
    this.alphabet = [...alphabet].sort();
    this.longestWord = longest;
  }

  /** How many entries can be found. */
  get size(): number {
    return this.names.length;
  }
}

const PLAIN_WORD = /^[a-z0-9]+$/;

/** The words of a list of keywords; most keywords are one plain word already. */
function keywordWords(keywords: readonly string[]): string[] {
  const found: string[] = [];
  for (const keyword of keywords) {
    if (PLAIN_WORD.test(keyword)) found.push(keyword);
    else found.push(...words(keyword));
  }
  return found;
}

/** Builds the index of `entries` (catalog lines); yanked lines and repeated names are left out. */
export function buildSearchIndex(entries: Iterable<SearchEntry>): SearchIndex {
  return new SearchIndex(entries);
}
