import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { isValidName, NAME_MAX_LENGTH } from '@skills/schema';
import type { Database, Queryable } from '../db/database.js';
import { TOKEN_SCOPES, type TokenScope } from '../http/principal.js';
import { ApiError } from '../http/problem.js';
import { recordAudit, type AuditSource } from './audit.js';
import { integerMember, invalidBody, objectBody, stringArrayMember, stringMember } from './body.js';

/**
 * API tokens (DESIGN §5 Auth): `skl_` + 32 random base62 characters + a 6-character base62 CRC32
 * of everything before it. The checksum lets us (and secret scanners) reject a mistyped or
 * made-up token without a database query; the database keeps only the token's SHA-256.
 */
export const TOKEN_PREFIX = 'skl_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = /^skl_[0-9A-Za-z]{38}$/;

const DAY = 24 * 60 * 60;
export const TOKEN_DEFAULT_TTL_SECONDS = 30 * DAY;
export const TOKEN_MAX_TTL_SECONDS = 90 * DAY;
export const TOKEN_MIN_TTL_SECONDS = 60;
export const TOKEN_NAME_MAX_LENGTH = 64;
export const TOKEN_MAX_SKILL_PATTERNS = 32;
/** Live tokens one account may hold: enough for every CI system, not enough to bloat the table. */
export const MAX_LIVE_TOKENS = 100;
// last_used_at is for people reading their token list; a write per request buys nothing.
const LAST_USED_RESOLUTION = '1 minute';

/** A fresh token, shown to its owner once. */
export function generateToken(): string {
  let random = '';
  while (random.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(RANDOM_LENGTH)) {
      // 248 = 4 × 62: bytes above it are dropped so every character is equally likely.
      if (byte < 248 && random.length < RANDOM_LENGTH) random += BASE62[byte % 62];
    }
  }
  const body = TOKEN_PREFIX + random;
  return body + checksum(body);
}

/** Shape and checksum only: true does not mean the token exists. */
export function isWellFormedToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const split = token.length - CHECKSUM_LENGTH;
  return checksum(token.slice(0, split)) === token.slice(split);
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function checksum(body: string): string {
  let value = crc32(body);
  let text = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    text = BASE62[value % 62] + text;
    value = Math.floor(value / 62);
  }
  return text;
}

/** `exact-name` or `prefix*`, where the prefix could start a valid name (`pdf-*`, `acme*`). */
export function isValidSkillPattern(pattern: string): boolean {
  if (!pattern.endsWith('*')) return isValidName(pattern);
  const prefix = pattern.slice(0, -1);
  return prefix.length < NAME_MAX_LENGTH && /^[a-z0-9]+(-[a-z0-9]+)*-?$/.test(prefix);
}

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  /** null: every skill the user may act on. */
  skills: string[] | null;
  expiresInSeconds: number;
}

/** The body of POST /api/v1/tokens, checked member by member. */
export function parseTokenRequest(body: unknown): NewToken {
  const fields = objectBody(body, ['name', 'scopes'], ['skills', 'expires_in']);
  const name = stringMember(fields.name, 'name', TOKEN_NAME_MAX_LENGTH);
  if (/\p{Cc}/u.test(name)) throw invalidBody('name', 'must not contain control characters');
  const scopes = stringArrayMember(fields.scopes, 'scopes', TOKEN_SCOPES.length);
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      throw invalidBody('scopes', `"${scope.slice(0, 32)}" is not one of ${TOKEN_SCOPES.join(', ')}`);
    }
  }
  let skills: string[] | null = null;
  if (fields.skills !== undefined && fields.skills !== null) {
    skills = stringArrayMember(fields.skills, 'skills', TOKEN_MAX_SKILL_PATTERNS);
    const bad = skills.find((pattern) => !isValidSkillPattern(pattern));
    if (bad !== undefined) {
      throw invalidBody(
        'skills',
        `"${bad.slice(0, 80)}" is neither a skill name nor a name prefix followed by *`,
      );
    }
  }
  const expiresInSeconds =
    fields.expires_in === undefined
      ? TOKEN_DEFAULT_TTL_SECONDS
      : integerMember(fields.expires_in, 'expires_in', TOKEN_MIN_TTL_SECONDS, TOKEN_MAX_TTL_SECONDS);
  return { name, scopes: scopes as TokenScope[], skills, expiresInSeconds };
}

/** A token as its owner may see it: everything but the secret. */
export interface TokenRecord {
  id: number;
  name: string;
  scopes: TokenScope[];
  skills: string[] | null;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

/** Mints a token; the secret is returned here and never again. */
export async function createToken(
  db: Database,
  user: { id: number; username: string },
  input: NewToken,
  now: Date,
  source: AuditSource,
): Promise<{ token: string; record: TokenRecord }> {
  const token = generateToken();
  const expiresAt = new Date(now.getTime() + input.expiresInSeconds * 1000);
  const record = await db.tx(async (q) => {
    if ((await countLiveTokens(q, user.id, now)) >= MAX_LIVE_TOKENS) {
      throw new ApiError(
        409,
        'too_many_tokens',
        `an account may hold ${MAX_LIVE_TOKENS} live tokens: revoke some`,
      );
    }
    const created = await insertToken(q, user.id, input, tokenHash(token), now, expiresAt);
    await recordAudit(q, source, {
      action: 'token.create',
      subject: `user:${user.username}`,
      detail: { token_id: created.id, name: input.name, scopes: input.scopes, skills: input.skills },
    });
    return created;
  });
  return { token, record };
}

/** The caller's tokens that were not revoked, newest first; expired ones stay listed until revoked. */
export async function listTokens(
  q: Queryable,
  userId: number,
  page: { limit: number; offset: number },
): Promise<{ items: TokenRecord[]; total: number }> {
  const { rows } = await q.query<TokenRow>(
    `SELECT id, name, scopes, skills, created_at, expires_at, last_used_at
       FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL
      ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
    [userId, page.limit, page.offset],
  );
  const count = await q.query<{ total: number }>(
    `SELECT count(*)::integer AS total FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`,
    [userId],
  );
  return { items: rows.map(recordOf), total: count.rows[0]?.total ?? 0 };
}

/**
 * Revokes one of the user's own tokens; false when it is not theirs, unknown or already revoked.
 * `detail` is added to the audit entry (`{self: true}` when the token revoked itself).
 */
export async function revokeToken(
  db: Database,
  user: { id: number; username: string },
  tokenId: number,
  now: Date,
  source: AuditSource,
  detail: Record<string, unknown> = {},
): Promise<boolean> {
  return db.tx(async (q) => {
    const { rows } = await q.query<{ name: string }>(
      `UPDATE api_tokens SET revoked_at = $3
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
        RETURNING name`,
      [tokenId, user.id, now],
    );
    if (rows[0] === undefined) return false;
    await recordAudit(q, source, {
      action: 'token.revoke',
      subject: `user:${user.username}`,
      detail: { token_id: tokenId, name: rows[0].name, ...detail },
    });
    return true;
  });
}

export interface TokenUser {
  tokenId: number;
  userId: number;
  username: string;
  isAdmin: boolean;
  scopes: TokenScope[];
  skills: string[] | null;
}

/**
 * The user behind an API token, or 401 `invalid_credential`. A malformed token or a bad checksum
 * is refused before any query; a known token marks itself used (at most once a minute).
 */
export async function authenticateToken(q: Queryable, token: string, now: Date): Promise<TokenUser> {
  if (!isWellFormedToken(token)) throw invalidToken('the API token is malformed');
  const row = await findAndTouchToken(q, tokenHash(token), now);
  if (row === null) throw invalidToken('the API token is not known');
  if (row.revoked_at !== null) throw invalidToken('the API token was revoked');
  if (row.expires_at.getTime() <= now.getTime()) throw invalidToken('the API token has expired');
  return {
    tokenId: row.id,
    userId: row.user_id,
    username: row.username,
    isAdmin: row.is_admin,
    scopes: row.scopes,
    skills: row.skills,
  };
}

function invalidToken(message: string): ApiError {
  return new ApiError(401, 'invalid_credential', message);
}

interface TokenRow {
  id: number;
  name: string;
  scopes: TokenScope[];
  skills: string[] | null;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
}

function recordOf(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    skills: row.skills,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

async function countLiveTokens(q: Queryable, userId: number, now: Date): Promise<number> {
  const { rows } = await q.query<{ live: number }>(
    `SELECT count(*)::integer AS live FROM api_tokens
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [userId, now],
  );
  return rows[0]?.live ?? 0;
}

async function insertToken(
  q: Queryable,
  userId: number,
  input: NewToken,
  hash: Buffer,
  now: Date,
  expiresAt: Date,
): Promise<TokenRecord> {
  // created_at is the registry's clock, not the database's: the 90-day CHECK compares the two columns.
  const { rows } = await q.query<TokenRow>(
    `INSERT INTO api_tokens (user_id, name, token_hash, scopes, skills, created_at, expires_at)
     VALUES ($1, $2, $3, $4::text[], $5::text[], $6, $7)
     RETURNING id, name, scopes, skills, created_at, expires_at, last_used_at`,
    [userId, input.name, hash, input.scopes, input.skills, now, expiresAt],
  );
  return recordOf(rows[0]!);
}

interface TokenAuthRow {
  id: number;
  user_id: number;
  username: string;
  is_admin: boolean;
  scopes: TokenScope[];
  skills: string[] | null;
  expires_at: Date;
  revoked_at: Date | null;
}

/** One round trip: read the token and its user, and stamp last_used_at when the token is live. */
async function findAndTouchToken(q: Queryable, hash: Buffer, now: Date): Promise<TokenAuthRow | null> {
  const { rows } = await q.query<TokenAuthRow>(
    `WITH found AS (
       SELECT t.id, t.user_id, u.username, u.is_admin, t.scopes, t.skills, t.expires_at, t.revoked_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1
     ), touched AS (
       UPDATE api_tokens SET last_used_at = $2
        WHERE id IN (SELECT id FROM found)
          AND revoked_at IS NULL AND expires_at > $2
          AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '${LAST_USED_RESOLUTION}')
     )
     SELECT * FROM found`,
    [hash, now],
  );
  return rows[0] ?? null;
}
