import { expect } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessage, generateKey, sign, type PrivateKey } from 'openpgp';
import { pack } from '@skills/schema/archive';
import { OPERATOR } from '../src/auth/audit.js';
import { createSession, sessionKeys } from '../src/auth/sessions.js';
import { createToken } from '../src/auth/tokens.js';
import { createUser } from '../src/auth/users.js';
import type { RegistryConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import type { TokenScope } from '../src/http/principal.js';
import { manageRoutes } from '../src/manage/routes.js';
import { publishRoutes } from '../src/publish/routes.js';
import type { TestDatabase } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';

/** Shared by the publish-*.test.ts and manage-*.test.ts suites. */

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const ALL_SCOPES: TokenScope[] = ['publish-new', 'publish-update', 'yank', 'owners'];
const DAY = 24 * 60 * 60 * 1000;

export function startPublishRegistry(
  database: TestDatabase,
  config: Partial<RegistryConfig> = {},
): Promise<TestRegistry> {
  return startRegistry(database, { routers: (ctx) => [publishRoutes(ctx), manageRoutes(ctx)], config });
}

/** A registry where ada has published demo@1.0.0 and bob is another publisher. */
export async function startDemoRegistry(
  database: TestDatabase,
): Promise<{ registry: TestRegistry; ada: Publisher; bob: Publisher }> {
  const registry = await startPublishRegistry(database);
  const ada = await addPublisher(registry, 'ada');
  const bob = await addPublisher(registry, 'bob');
  const published = await publish(registry, ada, await buildPackage({ name: 'demo', version: '1.0.0' }));
  expect(published.status).toBe(201);
  return { registry, ada, bob };
}

export interface Publisher {
  id: number;
  username: string;
  /** An API token with every scope and no name patterns. */
  token: string;
  key: PrivateKey;
  fingerprint: string;
  /** Makes another token of this user. */
  tokenWith(scopes: TokenScope[], skills?: string[] | null): Promise<string>;
  session(): Promise<string>;
}

/** A user with a registered signing key and an all-scopes token. */
export async function addPublisher(
  registry: TestRegistry,
  username: string,
  options: { isAdmin?: boolean; key?: boolean } = {},
): Promise<Publisher> {
  const { db, ctx } = registry;
  const user = await createUser(db, {
    username,
    email: `${username}@example.org`,
    password: 'correct horse battery',
    isAdmin: options.isAdmin ?? false,
  });
  const key = await newKey();
  const fingerprint = key.getFingerprint().toUpperCase();
  if (options.key !== false) await registerKey(db, user.id, key);
  const tokenWith = async (scopes: TokenScope[], skills: string[] | null = null) => {
    const { token } = await createToken(
      db,
      user,
      {
        name: `t${Math.random().toString(36).slice(2, 10)}`,
        scopes,
        skills,
        expiresInSeconds: 60 * 24 * 3600,
      },
      ctx.now(),
      OPERATOR,
    );
    return token;
  };
  const session = async () =>
    (await createSession(db, sessionKeys(ctx.config), user, ctx.now(), OPERATOR)).token;
  return { id: user.id, username, token: await tokenWith(ALL_SCOPES), key, fingerprint, tokenWith, session };
}

/** A v4 ed25519 key created a day ago, so signatures may be dated in the past. */
export async function newKey(): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'x' }],
    date: new Date(Date.now() - DAY),
    format: 'object',
  });
  return privateKey;
}

export async function registerKey(
  db: Database,
  userId: number,
  key: PrivateKey,
  options: { revokedAt?: Date; expiresAt?: Date } = {},
): Promise<string> {
  const fingerprint = key.getFingerprint().toUpperCase();
  await db.query(
    `INSERT INTO keys (fingerprint, user_id, armored, algorithm, key_created_at, key_expires_at, revoked_at, revocation_reason)
     VALUES ($1, $2, $3, 'ed25519', $4, $5, $6, $7)`,
    [
      fingerprint,
      userId,
      key.toPublic().armor(),
      key.getCreationTime(),
      options.expiresAt ?? null,
      options.revokedAt ?? null,
      options.revokedAt ? 'retired' : null,
    ],
  );
  return fingerprint;
}

export async function signTarball(tarball: Uint8Array, key: PrivateKey, date?: Date): Promise<string> {
  const message = await createMessage({ binary: tarball });
  return (await sign({ message, signingKeys: key, detached: true, ...(date ? { date } : {}) })) as string;
}

export interface PackageSpec {
  name: string;
  version: string;
  description?: string;
  /** Extra lines appended to skill.yaml. */
  yaml?: string;
  /** Replaces the whole skill.yaml. */
  skillYaml?: string;
  /** Replaces the whole SKILL.md. */
  skillMd?: string;
  /** More files, path → contents; `docs/usage.md` is there unless set to null. */
  files?: Record<string, string | null>;
}

/** Writes a package folder and packs it the way `skills pack` does. */
export async function buildPackage(spec: PackageSpec): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'skills-pkg-'));
  try {
    const description = spec.description ?? `The ${spec.name} skill, for tests.`;
    const files: Record<string, string | null> = {
      'SKILL.md':
        spec.skillMd ??
        `---\nname: ${spec.name}\ndescription: ${description}\n---\n\n# ${spec.name}\n\nDo it.\n`,
      'skill.yaml': spec.skillYaml ?? `name: ${spec.name}\nversion: '${spec.version}'\n${spec.yaml ?? ''}`,
      'docs/usage.md': `# Using ${spec.name}\n`,
      ...spec.files,
    };
    for (const [file, content] of Object.entries(files)) {
      if (content === null) continue;
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    return (await pack(dir)).bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function packExample(name: string): Promise<Buffer> {
  return (await pack(path.join(EXAMPLES, name))).bytes;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface PublishOptions {
  token?: string | null;
  /** Defaults to a fresh signature by `publisher.key`. */
  signature?: string;
  /** Sent before the tarball: fields the server must ignore. */
  fields?: Record<string, string>;
  signatureAsFile?: boolean;
}

/** POST /api/v1/skills as the CLI does: multipart with `tarball` and `signature`. */
export async function publish(
  registry: TestRegistry,
  publisher: Publisher,
  tarball: Uint8Array,
  options: PublishOptions = {},
): Promise<Answer> {
  const signature = options.signature ?? (await signTarball(tarball, publisher.key, registry.ctx.now()));
  const form = new FormData();
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  form.append('tarball', new Blob([tarball], { type: 'application/gzip' }), 'skill.tgz');
  if (options.signatureAsFile) form.append('signature', new Blob([signature]), 'skill.tgz.asc');
  else form.append('signature', signature);
  const token = options.token === undefined ? publisher.token : options.token;
  const response = await fetch(`${registry.url}/api/v1/skills`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body: form,
  });
  return answerOf(response);
}

/** One JSON request. */
export async function call(
  registry: TestRegistry,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${registry.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answerOf(response);
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export interface RowCounts {
  skills: number;
  versions: number;
  owners: number;
  skeletons: number;
  version_keywords: number;
  index_jobs: number;
  audit_log: number;
}

const COUNTED = [
  'skills',
  'versions',
  'owners',
  'skeletons',
  'version_keywords',
  'index_jobs',
  'audit_log',
] as const;

/** Rows of every table a publish or a change writes, to check that a refusal wrote none. */
export async function countRows(db: Database): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const table of COUNTED) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/**
 * What a publish can leave behind: the rows it writes, and every file of the blob store (temp
 * files included, since a publish stages its files before its last check).
 */
export async function storedState(registry: TestRegistry): Promise<{ rows: RowCounts; files: string[] }> {
  const files = await readdir(path.join(registry.ctx.paths.blobs, 'sha256')).catch(() => []);
  return { rows: await countRows(registry.db), files: files.sort() };
}

export async function auditActions(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ action: string }>('SELECT action FROM audit_log ORDER BY id');
  return rows.map((row) => row.action);
}

export async function jobCount(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM index_jobs');
  return rows[0]!.n;
}
