import type { RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { createUser, type User } from '../src/auth/users.js';

/** Shared by the auth suites: small helpers so each case reads as a line or two. */

export const PASSWORD = 'correct horse battery';

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** A raw Authorization header, sent as is. */
  authorization?: string;
}

/** One JSON request against a running registry; the answer's body parsed (empty → {}). */
export async function call(
  url: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export async function seedUser(
  ctx: RegistryContext,
  username: string,
  options: { isAdmin?: boolean; password?: string } = {},
): Promise<User> {
  return createUser(ctx.db, {
    username,
    email: `${username}@example.org`,
    password: options.password ?? PASSWORD,
    isAdmin: options.isAdmin ?? false,
  });
}

/** Logs in over HTTP and answers the session token. */
export async function login(url: string, username: string, password = PASSWORD): Promise<string> {
  const answer = await call(url, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (answer.status !== 200) throw new Error(`login failed: ${JSON.stringify(answer.body)}`);
  return answer.body.token as string;
}

/** Mints an API token over HTTP with a session. */
export async function mintToken(
  url: string,
  session: string,
  body: Record<string, unknown> = { name: 'ci', scopes: ['publish-new', 'publish-update'] },
): Promise<{ id: number; token: string }> {
  const answer = await call(url, 'POST', '/api/v1/tokens', { token: session, body });
  if (answer.status !== 201) throw new Error(`token failed: ${JSON.stringify(answer.body)}`);
  return { id: answer.body.id as number, token: answer.body.token as string };
}

export async function countRows(db: Database, table: string, where = 'true'): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM ${table} WHERE ${where}`,
  );
  return rows[0]!.n;
}

export async function auditActions(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ action: string }>('SELECT action FROM audit_log ORDER BY id');
  return rows.map((row) => row.action);
}

/** The same database, counting the queries that go through it (transactions count once). */
export function countingDatabase(db: Database): { db: Database; queries: () => number } {
  let queries = 0;
  const counted: Database = {
    kind: db.kind,
    query: (sql, params) => {
      queries += 1;
      return db.query(sql, params);
    },
    exec: (sql) => {
      queries += 1;
      return db.exec(sql);
    },
    tx: (fn) => {
      queries += 1;
      return db.tx(fn);
    },
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
  return { db: counted, queries: () => queries };
}

export function minutesLater(minutes: number, from = new Date()): Date {
  return new Date(from.getTime() + minutes * 60_000);
}
