import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { PublisherKey } from './key-policy.js';
import { consumeChallenge, openChallenges, verifyProof } from './proof.js';
import type { CandidateKey } from './signature.js';

/** Key registrations per user in any 24 hours (DESIGN §5 Limits). */
export const KEY_REGISTRATIONS_PER_DAY = 5;
const DAY_MS = 24 * 3600_000;

export const REVOCATION_REASONS = ['compromised', 'superseded', 'retired'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** Who acts, for the audit log. */
export interface Actor {
  userId: number;
  username: string;
  ip: string | null;
}

export interface Registration {
  key: PublisherKey;
  proof: string;
  /** The challenge the proof signs; null: whichever of the user's open challenges it signs. */
  nonce: string | null;
}

/**
 * Registers a key (already judged by readPublisherKey) for the actor, in the caller's
 * transaction: the challenge is used up, the proof must verify over it, and a fingerprint
 * registered on another account is refused forever (`key_taken`), also after its revocation
 * there. The same key again on the same account is a no-op answered `created: false`; a key the
 * actor revoked stays revoked (`key_revoked`). Any refusal throws, so the transaction leaves
 * nothing written, the challenge included.
 */
export async function registerKey(
  q: Queryable,
  actor: Actor,
  registration: Registration,
  now: Date,
): Promise<{ fingerprint: string; created: boolean }> {
  const { key } = registration;
  // One registration per user at a time: the daily count below cannot be raced.
  await q.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [actor.userId]);
  if (registration.nonce !== null) {
    await consumeChallenge(q, actor.userId, registration.nonce, now);
    await verifyProof(key.key, registration.proof, actor.username, registration.nonce);
  } else {
    await consumeSignedChallenge(q, actor, registration, now);
  }

  const owner = await ownerOf(q, key.fingerprint);
  if (owner !== null) return sameOwner(owner, actor, key.fingerprint);

  const { rows } = await q.query<{ oldest: Date | null; count: number }>(
    'SELECT min(registered_at) AS oldest, count(*)::int AS count FROM keys WHERE user_id = $1 AND registered_at > $2',
    [actor.userId, new Date(now.getTime() - DAY_MS)],
  );
  const { oldest, count } = rows[0]!;
  if (count >= KEY_REGISTRATIONS_PER_DAY) {
    const retryAfter = Math.max(
      1,
      Math.ceil(((oldest?.getTime() ?? now.getTime()) + DAY_MS - now.getTime()) / 1000),
    );
    throw new ApiError(
      429,
      'rate_limited',
      `at most ${KEY_REGISTRATIONS_PER_DAY} keys may be registered a day; try again in ${Math.ceil(retryAfter / 3600)} h`,
      { retry_after: retryAfter },
    );
  }

  const inserted = await q.query(
    `INSERT INTO keys (fingerprint, user_id, armored, algorithm, key_created_at, key_expires_at, registered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (fingerprint) DO NOTHING`,
    [key.fingerprint, actor.userId, key.armored, key.algorithm, key.createdAt, key.expiresAt, now],
  );
  if (inserted.rowCount === 0) {
    // Another account registered it between our look-up and the insert.
    return sameOwner((await ownerOf(q, key.fingerprint))!, actor, key.fingerprint);
  }
  await audit(q, actor, now, 'key.register', key.fingerprint, {
    algorithm: key.algorithm,
    key_created_at: key.createdAt.toISOString(),
    key_expires_at: key.expiresAt?.toISOString() ?? null,
  });
  return { fingerprint: key.fingerprint, created: true };
}

/**
 * Without a nonce in the body (DESIGN's body is `{armored, proof}`), the proof names its
 * challenge by signing it: the user's open challenges (a handful at most) are tried newest first,
 * and the one the proof verifies over is used up.
 */
async function consumeSignedChallenge(
  q: Queryable,
  actor: Actor,
  registration: Registration,
  now: Date,
): Promise<void> {
  const nonces = await openChallenges(q, actor.userId, now);
  if (nonces.length === 0) {
    throw new ApiError(
      422,
      'key_challenge_invalid',
      'you have no open key challenge (they last 10 minutes and serve once): get one from GET /api/v1/keys/challenge and sign it',
    );
  }
  let refusal: unknown;
  for (const nonce of nonces) {
    try {
      await verifyProof(registration.key.key, registration.proof, actor.username, nonce);
    } catch (error) {
      refusal ??= error;
      continue;
    }
    return consumeChallenge(q, actor.userId, nonce, now);
  }
  throw refusal;
}

async function ownerOf(
  q: Queryable,
  fingerprint: string,
): Promise<{ userId: number; revoked: boolean } | null> {
  const { rows } = await q.query<{ user_id: number; revoked_at: Date | null }>(
    'SELECT user_id, revoked_at FROM keys WHERE fingerprint = $1',
    [fingerprint],
  );
  const row = rows[0];
  return row === undefined ? null : { userId: row.user_id, revoked: row.revoked_at !== null };
}

function sameOwner(
  owner: { userId: number; revoked: boolean },
  actor: Actor,
  fingerprint: string,
): { fingerprint: string; created: false } {
  if (owner.userId !== actor.userId)
    throw new ApiError(409, 'key_taken', `the key ${fingerprint} belongs to another account, forever`);
  if (owner.revoked) {
    throw new ApiError(
      409,
      'key_revoked',
      `you revoked the key ${fingerprint}; a revocation is final: generate and register a new key`,
    );
  }
  return { fingerprint, created: false };
}

export interface KeyItem {
  fingerprint: string;
  algorithm: string;
  created_at: string;
  expires_at: string | null;
  registered_at: string;
  revoked_at: string | null;
  revocation_reason: RevocationReason | null;
}

/** The user's keys, revoked ones included, oldest registration first. */
export async function listKeys(
  q: Queryable,
  userId: number,
  page: { limit: number; offset: number },
): Promise<{ items: KeyItem[]; total: number }> {
  const { rows } = await q.query<{
    fingerprint: string;
    algorithm: string;
    key_created_at: Date;
    key_expires_at: Date | null;
    registered_at: Date;
    revoked_at: Date | null;
    revocation_reason: RevocationReason | null;
  }>(
    `SELECT fingerprint, algorithm, key_created_at, key_expires_at, registered_at, revoked_at, revocation_reason
     FROM keys WHERE user_id = $1 ORDER BY registered_at, fingerprint LIMIT $2 OFFSET $3`,
    [userId, page.limit, page.offset],
  );
  const counted = await q.query<{ total: number }>(
    'SELECT count(*)::int AS total FROM keys WHERE user_id = $1',
    [userId],
  );
  return {
    items: rows.map((row) => ({
      fingerprint: row.fingerprint,
      algorithm: row.algorithm,
      created_at: row.key_created_at.toISOString(),
      expires_at: row.key_expires_at?.toISOString() ?? null,
      registered_at: row.registered_at.toISOString(),
      revoked_at: row.revoked_at?.toISOString() ?? null,
      revocation_reason: row.revocation_reason,
    })),
    total: counted.rows[0]!.total,
  };
}

/**
 * Revokes the actor's key: the row stays (the fingerprint belongs to the account forever), with
 * revoked_at and the reason. Revoking again changes nothing, except that a key revoked for another
 * reason may later be declared `compromised` (its revocation time stays). Answers false when the
 * actor has no such key.
 */
export async function revokeKey(
  q: Queryable,
  actor: Actor,
  fingerprint: string,
  reason: RevocationReason | null,
  now: Date,
): Promise<boolean> {
  const { rows } = await q.query<{ revoked_at: Date | null; revocation_reason: RevocationReason | null }>(
    'SELECT revoked_at, revocation_reason FROM keys WHERE fingerprint = $1 AND user_id = $2 FOR UPDATE',
    [fingerprint, actor.userId],
  );
  const row = rows[0];
  if (row === undefined) return false;
  if (row.revoked_at === null) {
    await q.query('UPDATE keys SET revoked_at = $2, revocation_reason = $3 WHERE fingerprint = $1', [
      fingerprint,
      now,
      reason,
    ]);
    await audit(q, actor, now, 'key.revoke', fingerprint, { reason });
  } else if (reason === 'compromised' && row.revocation_reason !== 'compromised') {
    await q.query("UPDATE keys SET revocation_reason = 'compromised' WHERE fingerprint = $1", [fingerprint]);
    await audit(q, actor, now, 'key.revoke', fingerprint, {
      reason,
      previous_reason: row.revocation_reason,
      revoked_at: row.revoked_at.toISOString(),
    });
  }
  return true;
}

/**
 * Every key the user registered, revoked ones included, for verifyTarballSignature (a revoked
 * key then answers `signature_key_revoked` rather than `signature_unknown_key`).
 */
export async function candidateKeysOf(q: Queryable, userId: number): Promise<CandidateKey[]> {
  const { rows } = await q.query<{
    fingerprint: string;
    armored: string;
    revoked_at: Date | null;
    key_expires_at: Date | null;
  }>(
    'SELECT fingerprint, armored, revoked_at, key_expires_at FROM keys WHERE user_id = $1 ORDER BY registered_at DESC',
    [userId],
  );
  return rows.map((row) => ({
    fingerprint: row.fingerprint,
    armored: row.armored,
    revokedAt: row.revoked_at,
    keyExpiresAt: row.key_expires_at,
  }));
}

async function audit(
  q: Queryable,
  actor: Actor,
  now: Date,
  action: string,
  fingerprint: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await q.query(
    'INSERT INTO audit_log (at, actor_id, action, subject, detail, ip) VALUES ($1, $2, $3, $4, $5, $6)',
    [now, actor.userId, action, `key:${fingerprint}`, JSON.stringify(detail), actor.ip],
  );
}
