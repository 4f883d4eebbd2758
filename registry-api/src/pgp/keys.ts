import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { PublisherKey } from './key-policy.js';
import { consumeChallenge, openChallenges, verifyProof } from './proof.js';
import { mergeRevocation, revocationState, type RevocationReason } from './revocation.js';
import type { CandidateKey } from './signature.js';

/** Key registrations per user in any 24 hours (DESIGN §5 Limits). */
export const KEY_REGISTRATIONS_PER_DAY = 5;
const DAY_MS = 24 * 3600_000;

export { REVOCATION_REASONS, type RevocationReason } from './revocation.js';

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
  revocation_published: boolean;
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
    revocation_published: boolean;
  }>(
    `SELECT fingerprint, algorithm, key_created_at, key_expires_at, registered_at, revoked_at, revocation_reason,
       revocation_published
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
      revocation_published: row.revocation_published,
    })),
    total: counted.rows[0]!.total,
  };
}

export interface RevocationRequest {
  reason: RevocationReason | null;
  /** The key's armoured OpenPGP revocation (see mergeRevocation), or null: this registry only. */
  revocation: string | null;
}

/** A note for the caller, with the CLI's code for it (docs/ERRORS.md). */
export interface RevocationWarning {
  code: 'KEY_REVOCATION_UNPUBLISHED' | 'KEY_REVOKED_VERSIONS';
  message: string;
}

export interface RevocationResult {
  fingerprint: string;
  revokedAt: Date;
  reason: RevocationReason | null;
  /** keys/<FPR>.asc carries the revocation (once the worker has rendered it). */
  published: boolean;
  /** Whether this call changed anything. */
  changed: boolean;
  warnings: RevocationWarning[];
}

interface RevocableRow {
  armored: string;
  revoked_at: Date | null;
  revocation_reason: RevocationReason | null;
  revocation_published: boolean;
}

/**
 * Revokes the actor's key, in the caller's transaction. The row stays (the fingerprint belongs to
 * the account forever). Answers null when the actor has no such key; any refusal throws, so the
 * transaction leaves nothing written.
 *
 * With the key's own OpenPGP revocation, the revoked key is stored (installers judge keys by
 * keys/<FPR>.asc alone, and the index worker renders it there: an index key job in the same
 * transaction), and revoked_at and the reason follow its signatures (revocationState). Without
 * one, the registry can only refuse the key from now on: revoked_at is now, and the answer warns
 * that installers are not told. Either way revoking again changes nothing, except that a key may
 * later be declared `compromised` (its revocation time stays), a signed revocation may follow a
 * revocation known here only, and an earlier signed revocation moves revoked_at back. Reasons must
 * agree: a key declared compromised stays so, and `reason` must be what the signature says.
 */
export async function revokeKey(
  q: Queryable,
  actor: Actor,
  fingerprint: string,
  request: RevocationRequest,
  now: Date,
): Promise<RevocationResult | null> {
  const { rows } = await q.query<RevocableRow>(
    `SELECT armored, revoked_at, revocation_reason, revocation_published FROM keys
     WHERE fingerprint = $1 AND user_id = $2 FOR UPDATE`,
    [fingerprint, actor.userId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return request.revocation === null
    ? revokeHereOnly(q, actor, fingerprint, row, request.reason, now)
    : revokeWithSignature(q, actor, fingerprint, row, { ...request, revocation: request.revocation }, now);
}

async function revokeHereOnly(
  q: Queryable,
  actor: Actor,
  fingerprint: string,
  row: RevocableRow,
  reason: RevocationReason | null,
  now: Date,
): Promise<RevocationResult> {
  let state = { at: row.revoked_at ?? now, reason: row.revoked_at === null ? reason : row.revocation_reason };
  let changed = false;
  if (row.revoked_at === null) {
    await q.query('UPDATE keys SET revoked_at = $2, revocation_reason = $3 WHERE fingerprint = $1', [
      fingerprint,
      now,
      reason,
    ]);
    await audit(q, actor, now, 'key.revoke', fingerprint, { reason, published: false });
    changed = true;
  } else if (reason === 'compromised' && row.revocation_reason !== 'compromised') {
    if (row.revocation_published) {
      throw reasonMismatch(
        `the published revocation of ${fingerprint} says ${row.revocation_reason ?? 'no reason'}: to declare the key compromised, send a revocation signed by it with that reason`,
      );
    }
    await q.query("UPDATE keys SET revocation_reason = 'compromised' WHERE fingerprint = $1", [fingerprint]);
    await audit(q, actor, now, 'key.revoke', fingerprint, {
      reason,
      published: false,
      previous_reason: row.revocation_reason,
      revoked_at: row.revoked_at.toISOString(),
    });
    state = { at: row.revoked_at, reason };
    changed = true;
  }
  const warnings: RevocationWarning[] = row.revocation_published
    ? []
    : [
        {
          code: 'KEY_REVOCATION_UNPUBLISHED',
          message: `the key ${fingerprint} is revoked on this registry only: it refuses new signatures by it, but installers judge keys by keys/${fingerprint}.asc, which carries no revocation; send the key's OpenPGP revocation (made with its private key) to tell them`,
        },
      ];
  return {
    fingerprint,
    revokedAt: state.at,
    reason: state.reason,
    published: row.revocation_published,
    changed,
    warnings,
  };
}

async function revokeWithSignature(
  q: Queryable,
  actor: Actor,
  fingerprint: string,
  row: RevocableRow,
  request: { reason: RevocationReason | null; revocation: string },
  now: Date,
): Promise<RevocationResult> {
  const merged = await mergeRevocation({ fingerprint, armored: row.armored }, request.revocation, now);
  const sent = revocationState(merged.sent);
  if (request.reason !== null && request.reason !== sent.reason) {
    throw reasonMismatch(
      `the body gives the reason ${request.reason}, but the revocation says ${sent.reason ?? 'no reason'}`,
    );
  }
  const state = revocationState(merged.all);
  if (row.revocation_reason === 'compromised' && state.reason !== 'compromised') {
    throw reasonMismatch(
      `the key ${fingerprint} was declared compromised here, but its revocation says ${state.reason ?? 'no reason'}: make the revocation with the reason compromised`,
    );
  }
  const changed =
    !row.revocation_published ||
    row.revoked_at?.getTime() !== state.at.getTime() ||
    row.revocation_reason !== state.reason;
  if (changed) {
    await q.query(
      `UPDATE keys SET armored = $2, revoked_at = $3, revocation_reason = $4, revocation_published = true
       WHERE fingerprint = $1`,
      [fingerprint, merged.armored, state.at, state.reason],
    );
    await enqueueKeyJob(q, fingerprint);
    await audit(q, actor, now, 'key.revoke', fingerprint, {
      reason: state.reason,
      published: true,
      revoked_at: state.at.toISOString(),
      previous: {
        revoked_at: row.revoked_at?.toISOString() ?? null,
        reason: row.revocation_reason,
        published: row.revocation_published,
      },
    });
  }
  const refused = changed ? await versionsSignedSince(q, fingerprint, state.at) : [];
  const warnings: RevocationWarning[] =
    refused.length === 0
      ? []
      : [
          {
            code: 'KEY_REVOKED_VERSIONS',
            message: `installers now refuse ${refused.length} version(s) the key signed less than 5 minutes before its revocation (${state.at.toISOString()}) or after it: ${refused.slice(0, 20).join(', ')}${refused.length > 20 ? ', …' : ''}; publish them again under new version numbers, signed with a new key`,
          },
        ];
  return { fingerprint, revokedAt: state.at, reason: state.reason, published: true, changed, warnings };
}

/**
 * Installers judge a key at a line's `published` time + 5 minutes (DESIGN §6), so a revocation at
 * `at` invalidates the live versions whose index time (whole seconds) is at `at` − 5 min or later.
 */
const INSTALL_WINDOW_MS = 5 * 60_000;

async function versionsSignedSince(q: Queryable, fingerprint: string, at: Date): Promise<string[]> {
  const { rows } = await q.query<{ name: string; version: string }>(
    `SELECT s.name, v.version FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE v.signer = $1 AND v.purged_at IS NULL AND date_trunc('second', v.published_at) >= $2
     ORDER BY v.published_at, v.id`,
    [fingerprint, new Date(at.getTime() - INSTALL_WINDOW_MS)],
  );
  return rows.map((row) => `${row.name}@${row.version}`);
}

/** "keys/<FPR>.asc may differ from the key row"; NOTIFY index_jobs wakes the worker at COMMIT. */
async function enqueueKeyJob(q: Queryable, fingerprint: string): Promise<void> {
  await q.query(
    `WITH job AS (INSERT INTO index_key_jobs (fingerprint) VALUES ($1) RETURNING id)
     SELECT pg_notify('index_jobs', $2) FROM job`,
    [fingerprint, `key:${fingerprint}`],
  );
}

function reasonMismatch(message: string): ApiError {
  return new ApiError(422, 'revocation_reason_mismatch', message);
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
