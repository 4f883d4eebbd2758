import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RegistryConfig } from '../config.js';
import type { Database, Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import { recordAudit, type AuditSource } from './audit.js';

/**
 * Session JWTs (DESIGN §5 Auth): HS256 only, a fixed audience, an issuer naming this registry, at
 * most an hour of life, and a `jti` row in `sessions` so logout revokes the token before it expires.
 * They are for a person at a keyboard: `skills login` uses one once to mint an API token.
 */
export const SESSION_AUDIENCE = 'skills-session';
export const SESSION_TTL_SECONDS = 3600;
/** Servers sharing a secret may disagree on the time by this much. */
const CLOCK_TOLERANCE_SECONDS = 5;
const ALGORITHM = 'HS256';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SessionKeys {
  secret: string;
  issuer: string;
}

/**
 * The issuer is the public URL when one is configured, so a registry never accepts a session of
 * another one that happens to share its secret; `skills-registry` otherwise.
 */
export function sessionKeys(config: Pick<RegistryConfig, 'jwtSecret' | 'publicUrl'>): SessionKeys {
  return { secret: config.jwtSecret, issuer: config.publicUrl ?? 'skills-registry' };
}

export interface Session {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface SessionUser {
  userId: number;
  username: string;
  isAdmin: boolean;
  jti: string;
}

/** Signs a session for a user who just proved their password, and records its jti. */
export async function createSession(
  db: Database,
  keys: SessionKeys,
  user: { id: number; username: string },
  now: Date,
  source: AuditSource,
): Promise<Session> {
  const jti = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((iat + SESSION_TTL_SECONDS) * 1000);
  await db.tx(async (q) => {
    await pruneExpiredSessions(q, user.id, now);
    await insertSession(q, jti, user.id, now, expiresAt);
    await recordAudit(q, source, {
      action: 'session.create',
      subject: `user:${user.username}`,
      detail: { jti },
    });
  });
  const payload = { sub: String(user.id), jti, iat, nbf: iat, exp: iat + SESSION_TTL_SECONDS };
  const token = jwt.sign(payload, keys.secret, {
    algorithm: ALGORITHM,
    issuer: keys.issuer,
    audience: SESSION_AUDIENCE,
  });
  return { token, jti, expiresAt };
}

/**
 * The user behind a session token, or 401 `invalid_credential`. The signature and claims are
 * checked first, so a forged or stale token costs no query; then the jti must be a live session.
 */
export async function verifySession(
  q: Queryable,
  keys: SessionKeys,
  token: string,
  now: Date,
): Promise<SessionUser> {
  const claims = verifyClaims(keys, token, now);
  const user = await liveSessionUser(q, claims.jti, claims.userId, now);
  if (user === null) throw invalidSession('the session has ended: log in again');
  return { ...user, jti: claims.jti };
}

/** Logout: the token stops working at once. False when it was already revoked. */
export async function revokeSession(
  db: Database,
  session: { jti: string; username: string },
  now: Date,
  source: AuditSource,
): Promise<boolean> {
  return db.tx(async (q) => {
    const { rowCount } = await q.query(
      `UPDATE sessions SET revoked_at = $2 WHERE jti = $1 AND revoked_at IS NULL`,
      [session.jti, now],
    );
    if (rowCount === 0) return false;
    await recordAudit(q, source, {
      action: 'session.revoke',
      subject: `user:${session.username}`,
      detail: { jti: session.jti },
    });
    return true;
  });
}

function verifyClaims(keys: SessionKeys, token: string, now: Date): { jti: string; userId: number } {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keys.secret, {
      // Pinned: never `none`, never an algorithm chosen by the token's header.
      algorithms: [ALGORITHM],
      audience: SESSION_AUDIENCE,
      issuer: keys.issuer,
      clockTimestamp: Math.floor(now.getTime() / 1000),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      // Even a correctly signed token may not claim more than an hour of life.
      maxAge: SESSION_TTL_SECONDS,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw invalidSession('the session has expired: log in again');
    throw invalidSession('the session token is not valid');
  }
  if (typeof payload !== 'object' || typeof payload.exp !== 'number') {
    throw invalidSession('the session token is not valid');
  }
  const { jti, sub } = payload;
  if (
    typeof jti !== 'string' ||
    !UUID.test(jti) ||
    typeof sub !== 'string' ||
    !/^[1-9][0-9]{0,15}$/.test(sub)
  ) {
    throw invalidSession('the session token is not valid');
  }
  return { jti, userId: Number(sub) };
}

function invalidSession(message: string): ApiError {
  return new ApiError(401, 'invalid_credential', message);
}

async function liveSessionUser(
  q: Queryable,
  jti: string,
  userId: number,
  now: Date,
): Promise<Omit<SessionUser, 'jti'> | null> {
  const { rows } = await q.query<{ id: number; username: string; is_admin: boolean }>(
    `SELECT u.id, u.username, u.is_admin
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.jti = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3`,
    [jti, userId, now],
  );
  const row = rows[0];
  return row === undefined ? null : { userId: row.id, username: row.username, isAdmin: row.is_admin };
}

async function insertSession(
  q: Queryable,
  jti: string,
  userId: number,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await q.query(`INSERT INTO sessions (jti, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, [
    jti,
    userId,
    now,
    expiresAt,
  ]);
}

/** A row past its expiry can never authenticate again; keep the table to live sessions. */
async function pruneExpiredSessions(q: Queryable, userId: number, now: Date): Promise<void> {
  await q.query(`DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, [userId, now]);
}
