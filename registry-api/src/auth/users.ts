import { isReservedName, NAME_MAX_LENGTH, NAME_PATTERN, nameSkeleton, printable } from '@skills/schema';
import type { Database, Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import { OPERATOR, recordAudit, type AuditSource } from './audit.js';
import { hashPassword, passwordProblem } from './passwords.js';

/** An account as the rest of the registry sees it: never with its password hash. */
export interface User {
  id: number;
  username: string;
  email: string;
  isAdmin: boolean;
  createdAt: Date;
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  isAdmin?: boolean;
}

export const EMAIL_MAX_LENGTH = 254;

// Usernames appear as skill owners: besides the reserved skill names, refuse the ones that would
// pass for the registry speaking. Compared by skeleton, like the skill names.
const RESERVED_USERNAME_SKELETONS = new Set(
  ['root', 'system', 'anonymous', 'support', 'security', 'staff', 'official', 'moderator'].map(nameSkeleton),
);

// One @, a dot in the domain, no spaces or control characters: enough to catch typos; whether the
// address works is the mail system's question.
const EMAIL_PATTERN = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

/** Usernames follow the skill-name rule (they share a namespace of look-alikes with nothing else). */
export function checkUsername(username: string): void {
  if (username.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(username)) {
    throw new ApiError(
      400,
      'invalid_username',
      `"${printable(username)}" is not a valid username: use 1 to ${NAME_MAX_LENGTH} lowercase letters a-z, digits and single hyphens between them`,
    );
  }
  if (isReservedName(username) || RESERVED_USERNAME_SKELETONS.has(nameSkeleton(username))) {
    throw new ApiError(400, 'username_reserved', `"${username}" is reserved or looks like a reserved name`);
  }
}

export function checkEmail(email: string): void {
  if (email.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw new ApiError(400, 'invalid_email', `"${printable(email)}" is not an email address`);
  }
}

export function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem !== null) throw new ApiError(400, 'invalid_password', problem);
}

/**
 * Creates an account: checks the rules, hashes the password (outside any transaction: it takes
 * tens of milliseconds and PGlite runs one transaction at a time), then inserts the user and its
 * audit row together. A username whose skeleton another account holds is `username_taken`.
 */
export async function createUser(
  db: Database,
  input: NewUser,
  source: AuditSource = OPERATOR,
): Promise<User> {
  checkUsername(input.username);
  checkEmail(input.email);
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const skeleton = nameSkeleton(input.username);
  const user = await db.tx(async (q) => {
    const created = await insertUser(q, { ...input, skeleton, passwordHash });
    if (created === null) return null;
    await recordAudit(q, source, {
      action: 'user.create',
      subject: `user:${created.username}`,
      detail: { is_admin: created.isAdmin },
    });
    return created;
  });
  if (user === null) {
    const holder = await usernameWithSkeleton(db, skeleton);
    const alike = holder !== null && holder !== input.username ? ` (it looks like "${holder}")` : '';
    throw new ApiError(409, 'username_taken', `the username "${input.username}" is taken${alike}`);
  }
  return user;
}

export async function findUserByName(q: Queryable, username: string): Promise<User | null> {
  const { rows } = await q.query<UserRow>(
    `SELECT id, username, email, is_admin, created_at FROM users WHERE username = $1`,
    [username],
  );
  return rows[0] === undefined ? null : userOf(rows[0]);
}

/** The account and its password hash, for a login and nothing else. */
export async function findLogin(
  q: Queryable,
  username: string,
): Promise<{ user: User; passwordHash: string } | null> {
  const { rows } = await q.query<UserRow & { password_hash: string }>(
    `SELECT id, username, email, is_admin, created_at, password_hash FROM users WHERE username = $1`,
    [username],
  );
  const row = rows[0];
  return row === undefined ? null : { user: userOf(row), passwordHash: row.password_hash };
}

export async function listUsers(q: Queryable): Promise<User[]> {
  const { rows } = await q.query<UserRow>(
    `SELECT id, username, email, is_admin, created_at FROM users ORDER BY username`,
  );
  return rows.map(userOf);
}

/** Grants or withdraws admin rights; 404 `user_not_found` for an unknown username. */
export async function setAdmin(
  db: Database,
  username: string,
  isAdmin: boolean,
  source: AuditSource = OPERATOR,
): Promise<User> {
  const user = await db.tx(async (q) => {
    const updated = await updateAdmin(q, username, isAdmin);
    if (updated !== null) {
      await recordAudit(q, source, {
        action: isAdmin ? 'user.admin_grant' : 'user.admin_revoke',
        subject: `user:${username}`,
      });
    }
    return updated;
  });
  if (user === null) throw new ApiError(404, 'user_not_found', `there is no user "${printable(username)}"`);
  return user;
}

/** Replaces a hash made with older parameters, after a successful login proved the password. */
export async function replacePasswordHash(q: Queryable, userId: number, passwordHash: string): Promise<void> {
  await q.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
}

interface UserRow {
  id: number;
  username: string;
  email: string;
  is_admin: boolean;
  created_at: Date;
}

function userOf(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    isAdmin: row.is_admin,
    createdAt: row.created_at,
  };
}

/** null when the username or its skeleton is taken (ON CONFLICT covers both unique constraints). */
async function insertUser(
  q: Queryable,
  user: NewUser & { skeleton: string; passwordHash: string },
): Promise<User | null> {
  const { rows } = await q.query<UserRow>(
    `INSERT INTO users (username, skeleton, email, password_hash, is_admin)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING
     RETURNING id, username, email, is_admin, created_at`,
    [user.username, user.skeleton, user.email, user.passwordHash, user.isAdmin ?? false],
  );
  return rows[0] === undefined ? null : userOf(rows[0]);
}

async function usernameWithSkeleton(q: Queryable, skeleton: string): Promise<string | null> {
  const { rows } = await q.query<{ username: string }>(`SELECT username FROM users WHERE skeleton = $1`, [
    skeleton,
  ]);
  return rows[0]?.username ?? null;
}

async function updateAdmin(q: Queryable, username: string, isAdmin: boolean): Promise<User | null> {
  const { rows } = await q.query<UserRow>(
    `UPDATE users SET is_admin = $2 WHERE username = $1
     RETURNING id, username, email, is_admin, created_at`,
    [username, isAdmin],
  );
  return rows[0] === undefined ? null : userOf(rows[0]);
}
