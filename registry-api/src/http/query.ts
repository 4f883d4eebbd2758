import { MAX_QUERY_LENGTH } from '@skills/schema/ranking';
import { ApiError } from './problem.js';

/** DESIGN §5: one pagination style, `page` (from 1) and `per_page` (1…100, default 20). */
export interface Page {
  page: number;
  perPage: number;
  /** Items to skip: (page − 1) × perPage. */
  offset: number;
}

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
/** Pages past this are refused rather than computed: nobody pages a million deep. */
const MAX_PAGE = 1_000_000;

type QueryValue = unknown;

/** Reads `page` and `per_page`; anything but a plain whole number in range is 400 invalid_query. */
export function pageOf(query: Record<string, QueryValue>): Page {
  const page = wholeNumber(query.page, 'page', 1, MAX_PAGE) ?? 1;
  const perPage = wholeNumber(query.per_page, 'per_page', 1, MAX_PER_PAGE) ?? DEFAULT_PER_PAGE;
  return { page, perPage, offset: (page - 1) * perPage };
}

/** The search text `q`: required, not blank, at most MAX_QUERY_LENGTH characters. */
export function searchText(query: Record<string, QueryValue>): string {
  const q = query.q;
  if (q === undefined) throw invalidQuery('q is required: what to search for');
  if (typeof q !== 'string') throw invalidQuery('give q once, as plain text');
  if (q.trim() === '') throw invalidQuery('q must not be blank');
  if (q.length > MAX_QUERY_LENGTH) {
    throw invalidQuery(`q is ${q.length} characters long; the limit is ${MAX_QUERY_LENGTH}`);
  }
  return q;
}

function wholeNumber(value: QueryValue, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw invalidQuery(`${name} must be a whole number from ${min} to ${max}`);
  }
  return number;
}

export function invalidQuery(message: string): ApiError {
  return new ApiError(400, 'invalid_query', message);
}
