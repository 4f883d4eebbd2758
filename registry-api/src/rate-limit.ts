import type { Request, RequestHandler, Response } from 'express';
import type { RegistryContext } from './context.js';
import type { Queryable } from './db/database.js';
import { ApiError } from './http/problem.js';

/**
 * Token buckets kept in the database (DESIGN §5 Limits), so every server sharing the database
 * enforces one limit. A bucket holds up to `burst` tokens and regains `perSecond` of them each
 * second; an action costs tokens and is refused when the bucket holds too few.
 */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The defaults DESIGN §5 names. Keys are built by the caller, e.g. `new-name:user:42`. */
export const RATE_LIMITS = {
  /** Per user: first versions of new skill names. */
  newName: { burst: 10, perSecond: 1 / MINUTE },
  /** Per user: versions of existing skills. */
  newVersion: { burst: 100, perSecond: 10 / MINUTE },
  /** Per user: yank and unyank together. */
  yank: { burst: 30, perSecond: 1 / MINUTE },
  /** Per user: OpenPGP key registrations. */
  keyRegistration: { burst: 5, perSecond: 5 / DAY },
  /** Per username: failed logins, 10 per 15 minutes; then one more every 90 s. */
  failedLogin: { burst: 10, perSecond: 10 / (15 * MINUTE) },
  /** Per client address: logins and sign-ups. */
  authAttempt: { burst: 30, perSecond: 30 / MINUTE },
  /** Per client address: accounts created. */
  signup: { burst: 5, perSecond: 5 / HOUR },
} as const satisfies Record<string, RateLimit>;

export type RateLimitName = keyof typeof RATE_LIMITS;
export type RateLimits = Record<RateLimitName, RateLimit>;

export interface TakeResult {
  ok: boolean;
  /** 0 when ok; otherwise whole seconds until the bucket holds enough (at least 1). */
  retryAfterSeconds: number;
}

/**
 * Takes `cost` tokens from a bucket, in one statement: an absent bucket starts full; an existing
 * one is refilled from the time since its last change, and is changed only when it holds enough
 * (the UPSERT's WHERE). PostgreSQL runs the conflict path under the row lock, so concurrent takes
 * on one key never spend the same token twice. `now` is the registry's clock; a clock that went
 * backwards refills nothing.
 */
export async function take(
  q: Queryable,
  key: string,
  limit: RateLimit,
  now: Date,
  cost = 1,
): Promise<TakeResult> {
  if (cost > limit.burst) throw new RangeError(`a cost of ${cost} can never fit a burst of ${limit.burst}`);
  const { rowCount } = await q.query(
    takeStatement({ key: '$1', burst: '$2', perSecond: '$3', cost: '$4', now: '$5' }),
    [key, limit.burst, limit.perSecond, cost, now],
  );
  return rowCount > 0 ? { ok: true, retryAfterSeconds: 0 } : refusedTake(q, { key, limit, now }, cost);
}

/** Where a take's values sit in a statement: placeholders (`$3`) or SQL literals. */
export interface TakeParams {
  key: string;
  burst: string;
  perSecond: string;
  cost: string;
  now: string;
}

/**
 * The statement of {@link take}, for use alone or as a CTE: it inserts or changes one row exactly
 * when the tokens were taken. `from` makes the take conditional (`FROM target WHERE …`), so a
 * caller can take in the statement that reads what the take depends on.
 */
export function takeStatement(p: TakeParams, from = ''): string {
  return `INSERT INTO rate_buckets AS b (key, tokens, updated_at)
     SELECT ${p.key}::text, LEAST(${p.burst}::float8, ${p.burst}::float8 - ${p.cost}::float8), ${p.now}::timestamptz ${from}
     ON CONFLICT (key) DO UPDATE
        SET tokens = LEAST(${p.burst}::float8, ${refilled(p.burst, p.perSecond, p.now)} - ${p.cost}::float8),
            updated_at = GREATEST(b.updated_at, ${p.now}::timestamptz)
      WHERE ${refilled(p.burst, p.perSecond, p.now)} >= ${p.cost}::float8`;
}

/** A bucket and the moment of a take from it. */
export interface Bucket {
  key: string;
  limit: RateLimit;
  now: Date;
}

/** A take that found too few tokens: how long until the bucket holds enough. */
export async function refusedTake(q: Queryable, bucket: Bucket, cost = 1): Promise<TakeResult> {
  const { key, limit, now } = bucket;
  const tokens = await refilledTokens(q, key, limit, now);
  const missing = cost - tokens;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / limit.perSecond)) };
}

/** Gives tokens back (e.g. a login that succeeded after all), never above the burst. */
export async function refund(
  q: Queryable,
  key: string,
  limit: RateLimit,
  now: Date,
  amount = 1,
): Promise<void> {
  await take(q, key, limit, now, -amount);
}

/**
 * Forgets buckets untouched since `before`. A bucket idle longer than its refill time is full,
 * which is what an absent bucket means, so pruning with a horizon above the slowest refill (a day
 * for the defaults) changes no decision.
 */
export async function pruneRateBuckets(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM rate_buckets WHERE updated_at < $1`, [before]);
  return rowCount;
}

/** Takes from a bucket, or answers 429 `rate_limited` with Retry-After (thrown as an ApiError). */
export async function enforceRateLimit(
  q: Queryable,
  res: Response,
  key: string,
  limit: RateLimit,
  now: Date,
  cost = 1,
): Promise<void> {
  const result = await take(q, key, limit, now, cost);
  if (!result.ok) throw rateLimited(res, result.retryAfterSeconds);
}

/** The 429 answer: Retry-After in the header and, for clients that read bodies, in the problem. */
export function rateLimited(res: Response, retryAfterSeconds: number): ApiError {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  return new ApiError(429, 'rate_limited', `too many requests: try again in ${retryAfterSeconds} s`, {
    retry_after: retryAfterSeconds,
  });
}

/**
 * Middleware taking one token per request from the bucket `keyOf` names (e.g. by client address);
 * `keyOf` answering null skips the limit.
 */
export function rateLimit(
  ctx: RegistryContext,
  limit: RateLimit,
  keyOf: (req: Request) => string | null,
): RequestHandler {
  return async (req, res, next) => {
    const key = keyOf(req);
    if (key !== null) await enforceRateLimit(ctx.db, res, key, limit, ctx.now());
    next();
  };
}

/** SQL for the tokens of bucket `b` at `now`: its stored tokens plus the refill since updated_at. */
function refilled(burst: string, perSecond: string, now: string): string {
  const elapsed = `GREATEST(0, EXTRACT(EPOCH FROM (${now}::timestamptz - b.updated_at))::float8)`;
  return `LEAST(${burst}::float8, b.tokens + ${elapsed} * ${perSecond}::float8)`;
}

async function refilledTokens(q: Queryable, key: string, limit: RateLimit, now: Date): Promise<number> {
  const { rows } = await q.query<{ tokens: number }>(
    `SELECT ${refilled('$2', '$3', '$4')} AS tokens FROM rate_buckets b WHERE key = $1`,
    [key, limit.burst, limit.perSecond, now],
  );
  // Gone between the two statements (pruned): a full bucket.
  return rows[0]?.tokens ?? limit.burst;
}
