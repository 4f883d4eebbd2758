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

/** The arrays a FieldIndex is made of: what serialize.ts writes and reads back. */
export interface FieldParts {
  /** The distinct words in code-unit order, concatenated. */
  text: string;
  /** Word w is text[starts[w] … starts[w + 1]); length = words + 1. */
  starts: Int32Array;
  /** The entry ids of word w are ids[offsets[w] … offsets[w + 1]); length = words + 1. */
  offsets: Int32Array;
  ids: Int32Array;
}

/**
 * The words of one field of every entry, as compressed postings: the distinct words sorted (in
 * code-unit order, the order `startsWith` agrees with) and packed into one string, and for each
 * word the ids of the entries holding it (ascending, once each) in one shared Int32Array. Words
 * are found by binary search, so a loaded index needs no hash map built first: a catalog of
 * 100,000 skills opens in a few milliseconds (DESIGN §6: `skills search` reads it per run).
 */
export class FieldIndex {
  readonly #text: string;
  readonly #starts: Int32Array;
  readonly #offsets: Int32Array;
  readonly #ids: Int32Array;

  /** Takes the arrays as they are; {@link build} makes them from entries. */
  constructor(parts: FieldParts) {
    this.#text = parts.text;
    this.#starts = parts.starts;
    this.#offsets = parts.offsets;
    this.#ids = parts.ids;
  }

  /**
   * `wordsOf(id)` gives the words of entry id, for ids 0 … count-1. Two passes over the words
   * (count, then fill) instead of a growing array per word: quicker to build and a fraction of
   * the memory at 100,000 skills.
   */
  static build(count: number, wordsOf: (id: number) => Iterable<string>): FieldIndex {
    const numbers = new Map<string, number>();
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
    // Words are renumbered in sorted order, so a word's number is its place in the sorted text.
    const sorted = [...numbers.keys()].sort();
    const rank = new Int32Array(sorted.length);
    const starts = new Int32Array(sorted.length + 1);
    const offsets = new Int32Array(sorted.length + 1);
    sorted.forEach((word, r) => {
      const w = numbers.get(word)!;
      rank[w] = r;
      starts[r + 1] = starts[r]! + word.length;
      offsets[r + 1] = offsets[r]! + counts[w]!;
    });
    const cursor = offsets.slice(0, sorted.length);
    const ids = new Int32Array(occurrences.length);
    let at = 0;
    for (let id = 0; id < count; id++) {
      for (; at < ends[id]!; at++) ids[cursor[rank[occurrences[at]!]!]!++] = id;
    }
    return new FieldIndex({ text: sorted.join(''), starts, offsets, ids });
  }

  /** How many distinct words. */
  get size(): number {
    return this.#starts.length - 1;
  }

  /** Word number w (0 … size-1), in sorted order. */
  word(w: number): string {
    return this.#text.slice(this.#starts[w]!, this.#starts[w + 1]!);
  }

  /** Every word, sorted. */
  *words(): Generator<string> {
    for (let w = 0; w < this.size; w++) yield this.word(w);
  }

  /** The ids of the entries holding `word`, ascending; empty when none does. */
  idsOf(word: string): Int32Array {
    const w = this.#lowerBound(word);
    if (w === this.size || this.word(w) !== word) return EMPTY;
    return this.#ids.subarray(this.#offsets[w]!, this.#offsets[w + 1]!);
  }

  /** Words that start with `prefix` and are longer than it. */
  *extending(prefix: string): Generator<string> {
    let w = this.#lowerBound(prefix);
    if (w < this.size && this.word(w) === prefix) w++;
    for (; w < this.size; w++) {
      const word = this.word(w);
      if (!word.startsWith(prefix)) return;
      yield word;
    }
  }

  /** The arrays, for serialisation. */
  parts(): FieldParts {
    return { text: this.#text, starts: this.#starts, offsets: this.#offsets, ids: this.#ids };
  }

  /** The first word number whose word is not below `value`. */
  #lowerBound(value: string): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.word(mid) < value) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

const EMPTY = new Int32Array(0);

/**
 * The version and description of entry id. An index built in memory holds them in arrays; one
 * loaded from a file may read them only for the results it returns (serialize.ts).
 */
export interface EntryDetails {
  version(id: number): string;
  description(id: number): string;
}

/** The arrays a SearchIndex is made of, besides its fields. */
export interface SearchIndexParts {
  /** Entry names in name order, concatenated; entry id is name[nameStarts[id] … nameStarts[id + 1]). */
  names: string;
  nameStarts: Int32Array;
  details: EntryDetails;
  nameWords: FieldIndex;
  keywords: FieldIndex;
  descriptionWords: FieldIndex;
  alphabet: readonly string[];
  longestWord: number;
}

/**
 * A compact, immutable search index over catalog entries. Entries are numbered in name order,
 * so "ties broken by name" is "ties broken by id". Build it once per catalog state with
 * {@link buildSearchIndex} (or load a serialised one) and query it with `search`.
 */
export class SearchIndex {
  readonly #names: string;
  readonly #nameStarts: Int32Array;
  readonly #details: EntryDetails;
  /** Names split on `-`. */
  readonly nameWords: FieldIndex;
  /** Keywords split like names (query terms never hold a `-`). */
  readonly keywords: FieldIndex;
  readonly descriptionWords: FieldIndex;
  /** The characters of every name word and keyword: the alphabet of typo variants. */
  readonly alphabet: readonly string[];
  /** The longest name word or keyword, in code points: longer terms cannot be a typo of one. */
  readonly longestWord: number;

  constructor(parts: SearchIndexParts) {
    this.#names = parts.names;
    this.#nameStarts = parts.nameStarts;
    this.#details = parts.details;
    this.nameWords = parts.nameWords;
    this.keywords = parts.keywords;
    this.descriptionWords = parts.descriptionWords;
    this.alphabet = parts.alphabet;
    this.longestWord = parts.longestWord;
  }

  /** How many entries can be found. */
  get size(): number {
    return this.#nameStarts.length - 1;
  }

  /** The name of entry id (ids are 0 … size-1, in name order). */
  name(id: number): string {
    return this.#names.slice(this.#nameStarts[id]!, this.#nameStarts[id + 1]!);
  }

  version(id: number): string {
    return this.#details.version(id);
  }

  description(id: number): string {
    return this.#details.description(id);
  }

  /** The names and their offsets, for serialisation. */
  nameParts(): { names: string; nameStarts: Int32Array } {
    return { names: this.#names, nameStarts: this.#nameStarts };
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
  let kept = [...entries].filter((entry) => entry.yanked !== true);
  // Catalogs hand their entries over in name order already: check before paying for a sort.
  if (kept.some((entry, i) => i > 0 && kept[i - 1]!.name >= entry.name)) {
    const sorted = kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    kept = sorted.filter((entry, i) => i === 0 || sorted[i - 1]!.name !== entry.name);
  }
  const names = kept.map((entry) => entry.name);
  const versions = kept.map((entry) => entry.version);
  const descriptions = kept.map((entry) => entry.description);
  const nameStarts = new Int32Array(names.length + 1);
  names.forEach((name, id) => (nameStarts[id + 1] = nameStarts[id]! + name.length));
  const nameWords = FieldIndex.build(kept.length, (id) => words(names[id]!));
  const keywords = FieldIndex.build(kept.length, (id) => keywordWords(kept[id]!.keywords));
  const descriptionWords = FieldIndex.build(kept.length, (id) => words(descriptions[id]!));
  const alphabet = new Set<string>();
  let longest = 0;
  for (const word of [...nameWords.words(), ...keywords.words()]) {
    const chars = [...word];
    for (const c of chars) alphabet.add(c);
    longest = Math.max(longest, chars.length);
  }
  return new SearchIndex({
    names: names.join(''),
    nameStarts,
    details: { version: (id) => versions[id]!, description: (id) => descriptions[id]! },
    nameWords,
    keywords,
    descriptionWords,
    alphabet: [...alphabet].sort(),
    longestWord: longest,
  });
}
