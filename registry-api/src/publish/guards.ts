import { printable } from '@skills/schema';
import type { ErrorRequestHandler } from 'express';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import { allows, type Principal, type TokenScope } from '../http/principal.js';
import { refusedTake, take, type Bucket, type RateLimit } from '../rate-limit.js';

/** Checks shared by publish and the manage endpoints, each with its stable problem code. */

export function requireScope(principal: Principal, scope: TokenScope, name: string): void {
  if (!allows(principal, scope, name)) {
    throw new ApiError(403, 'insufficient_scope', `this API token may not ${scope} "${name}"`, {
      hint: `Create a token with the "${scope}" scope for this skill, or use a session.`,
    });
  }
}

export function notOwner(name: string): ApiError {
  return new ApiError(403, 'not_owner', `you are not an owner of "${name}"`, {
    hint: 'Ask an owner to add you with `skills owner add`.',
  });
}

export function skillNotFound(name: string): ApiError {
  return new ApiError(404, 'skill_not_found', `there is no skill "${printable(name)}"`);
}

/**
 * Takes one token from a per-user bucket or throws 429 `rate_limited`; the routers'
 * {@link retryAfterHeader} turns its `retry_after` into the Retry-After header.
 */
export async function limitRate(
  q: Queryable,
  ctx: RegistryContext,
  key: string,
  limit: RateLimit,
  what: string,
): Promise<void> {
  const result = await take(q, key, limit, ctx.now());
  if (!result.ok) throw rateLimitError(result.retryAfterSeconds, what);
}

/** The 429 of a take that found `bucket` short (taken in a statement of the caller's). */
export async function rateLimitedError(q: Queryable, bucket: Bucket, what: string): Promise<ApiError> {
  const result = await refusedTake(q, bucket);
  return rateLimitError(result.retryAfterSeconds, what);
}

function rateLimitError(retryAfterSeconds: number, what: string): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    `too many ${what} in a short time: try again in ${retryAfterSeconds} s`,
    {
      retry_after: retryAfterSeconds,
    },
  );
}

export const retryAfterHeader: ErrorRequestHandler = (error, _req, res, next) => {
  if (error instanceof ApiError && error.status === 429 && !res.headersSent) {
    res.setHeader('Retry-After', String(error.extra.retry_after ?? 60));
  }
  next(error);
};
