import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { RegistryContext } from '../context.js';
import { ApiError } from '../http/problem.js';
import { pageOf } from '../http/query.js';
import { principalOf, type Principal } from '../http/principal.js';
import { readPublisherKey } from './key-policy.js';
import {
  listKeys,
  REVOCATION_REASONS,
  registerKey,
  revokeKey,
  type Actor,
  type RevocationReason,
  type RevocationRequest,
} from './keys.js';
import { createChallenge } from './proof.js';

const FINGERPRINT = /^[0-9A-Fa-f]{40}$/;

/**
 * The caller's OpenPGP keys (DESIGN §5), all behind a session JWT (`requireSession`, handed in so
 * this module does not depend on how sessions are checked):
 * - `GET /api/v1/keys/challenge` → `{nonce}`, valid 10 minutes, single use.
 * - `POST /api/v1/keys` `{armored, proof, nonce?}` → 201 `{fingerprint}` (200 when the key is
 *   already the caller's). `proof` signs `skills-key:<username>:<nonce>`; without `nonce` (DESIGN's
 *   body) the registry finds which of the caller's open challenges the proof signs.
 * - `GET /api/v1/keys?page&per_page` → `{items, total}`.
 * - `DELETE /api/v1/keys/:fingerprint` `{reason?, revocation?}` → 200 `{fingerprint, revoked_at,
 *   revocation_reason, revocation_published, changed, warnings}`; the key is marked revoked, never
 *   deleted, and with `revocation` (the key's own OpenPGP revocation) installers are told too.
 */
export function keyRoutes(
  ctx: RegistryContext,
  { requireSession }: { requireSession: RequestHandler },
): Router {
  const router = Router();

  router.get('/api/v1/keys/challenge', requireSession, async (req, res) => {
    const principal = principalOf(req);
    const nonce = await ctx.db.tx((q) => createChallenge(q, principal.userId, ctx.now()));
    res.set('Cache-Control', 'no-store').json({ nonce });
  });

  router.post('/api/v1/keys', requireSession, async (req, res) => {
    const principal = principalOf(req);
    const body = objectBody(req.body, ['armored', 'proof', 'nonce']);
    const armored = stringField(body, 'armored', true);
    const proof = stringField(body, 'proof', true);
    const nonce = stringField(body, 'nonce', false);
    const now = ctx.now();
    const key = await readPublisherKey(armored, now);
    const result = await withRetryAfter(res, () =>
      ctx.db.tx((q) => registerKey(q, actorOf(req, principal), { key, proof, nonce }, now)),
    );
    res.status(result.created ? 201 : 200).json({ fingerprint: result.fingerprint });
  });

  router.get('/api/v1/keys', requireSession, async (req, res) => {
    const principal = principalOf(req);
    const { perPage, offset } = pageOf(req.query);
    const page = { limit: perPage, offset };
    res.json(await listKeys(ctx.db, principal.userId, page));
  });

  router.delete('/api/v1/keys/:fingerprint', requireSession, async (req, res) => {
    const principal = principalOf(req);
    const fingerprint = String(req.params.fingerprint);
    const request = revocationRequestOf(req);
    const result = FINGERPRINT.test(fingerprint)
      ? await ctx.db.tx((q) =>
          revokeKey(q, actorOf(req, principal), fingerprint.toUpperCase(), request, ctx.now()),
        )
      : null;
    if (result === null)
      throw new ApiError(404, 'key_not_found', `you have no key ${fingerprint.slice(0, 64)}`);
    res.json({
      fingerprint: result.fingerprint,
      revoked_at: result.revokedAt.toISOString(),
      revocation_reason: result.reason,
      revocation_published: result.published,
      changed: result.changed,
      warnings: result.warnings,
    });
  });

  return router;
}

function actorOf(req: Request, principal: Principal): Actor {
  return { userId: principal.userId, username: principal.username, ip: req.ip ?? null };
}

/** A 429 from the service carries its wait in `retry_after`; the header says it too. */
async function withRetryAfter<T>(res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ApiError && error.status === 429)
      res.set('Retry-After', String(error.extra.retry_after));
    throw error;
  }
}

/** 400 `invalid_body` naming the member: the same shape as every JSON body refusal of the API. */
function invalidBody(member: string, message: string): ApiError {
  return new ApiError(400, 'invalid_body', `${member}: ${message}`, { issues: [{ path: member, message }] });
}

/** The body as an object with only the given members (a typo fails loudly, not silently). */
function objectBody(body: unknown, members: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'invalid_body', 'send a JSON object with content-type application/json');
  const unknown = Object.keys(body).find((member) => !members.includes(member));
  if (unknown !== undefined) throw invalidBody(unknown.slice(0, 64), 'is not a known member');
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string, required: true): string;
function stringField(body: Record<string, unknown>, name: string, required: false): string | null;
function stringField(body: Record<string, unknown>, name: string, required: boolean): string | null {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw invalidBody(name, 'is required');
    return null;
  }
  if (typeof value !== 'string' || value === '') throw invalidBody(name, 'must be a non-empty string');
  return value;
}

/** DELETE's optional body `{reason?, revocation?}`; no body at all (or `{}`) is neither. */
function revocationRequestOf(req: Request): RevocationRequest {
  if (req.body === undefined || req.body === null) return { reason: null, revocation: null };
  const body = objectBody(req.body, ['reason', 'revocation']);
  const reason = body.reason ?? null;
  if (reason !== null && !REVOCATION_REASONS.includes(reason as RevocationReason))
    throw invalidBody('reason', `must be one of ${REVOCATION_REASONS.join(', ')}`);
  return { reason: reason as RevocationReason | null, revocation: stringField(body, 'revocation', false) };
}
