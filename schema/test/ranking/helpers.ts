import type { SearchEntry } from '../../src/ranking/index.js';
import { buildSearchIndex, search, type SearchIndex } from '../../src/ranking/index.js';

/** A catalog entry; tests give what they are about. */
export function entry(name: string, overrides: Partial<SearchEntry> = {}): SearchEntry {
  return { name, version: '1.0.0', description: '', keywords: [], ...overrides };
}

export function indexOf(...entries: SearchEntry[]): SearchIndex {
  return buildSearchIndex(entries);
}

/** The names found, best first. */
export function found(index: SearchIndex, query: string, limit = 100): string[] {
  return search(index, query, { limit }).results.map((result) => result.name);
}
