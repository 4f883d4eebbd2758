import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMessage, generateKey, readPrivateKey, sign, type PrivateKey } from 'openpgp';
import { pack } from '@skills/schema/archive';
import { createUser, findUserByName } from './auth/users.js';
import type { RunningRegistry } from './server.js';

export const DEMO_USER = 'demo';
const STATE_FILE = 'demo-publisher.json';

interface DemoState {
  password: string;
  privateKey: string;
  published: boolean;
}

export interface DemoResult {
  published: string[];
  skipped: boolean;
}

/**
 * Publishes the example skills on a registry's first start (`npm start`), through the real
 * pipeline: a demo account, a generated OpenPGP key registered with a signed challenge, an API
 * token, then one signed multipart upload per example. Its credentials stay in the data dir
 * (mode 0600), so a crash half-way resumes instead of failing on "user exists".
 */
export async function publishExamples(registry: RunningRegistry, examplesDir: string): Promise<DemoResult> {
  const { ctx, url } = registry;
  const stateFile = path.join(ctx.config.dataDir, STATE_FILE);
  const state = await loadState(stateFile);
  if (state?.published) return { published: [], skipped: true };

  const current: DemoState = state ?? {
    password: randomBytes(24).toString('base64url'),
    privateKey: await newKey(),
    published: false,
  };
  await saveState(stateFile, current);
  if ((await findUserByName(ctx.db, DEMO_USER)) === null) {
    await createUser(ctx.db, {
      username: DEMO_USER,
      email: 'demo@skills.invalid',
      password: current.password,
    });
  }
  const api = new Api(url);
  const { token: session } = await api.json<{ token: string }>('POST', '/api/v1/auth/login', undefined, {
    username: DEMO_USER,
    password: current.password,
  });
  const privateKey = await readPrivateKey({ armoredKey: current.privateKey });
  const { nonce } = await api.json<{ nonce: string }>('GET', '/api/v1/keys/challenge', session);
  const proof = await detachedSignature(privateKey, Buffer.from(`skills-key:${DEMO_USER}:${nonce}`));
  await api.json('POST', '/api/v1/keys', session, { armored: privateKey.toPublic().armor(), proof });
  const { token } = await api.json<{ token: string }>('POST', '/api/v1/tokens', session, {
    name: `examples-${Date.now()}`,
    scopes: ['publish-new', 'publish-update'],
    expires_in: 3600,
  });

  const published: string[] = [];
  for (const dir of await exampleDirs(examplesDir)) {
    try {
      published.push(await publishExample(api, token, privateKey, dir));
    } catch (error) {
      throw new Error(`${path.basename(dir)}: ${(error as Error).message}`, { cause: error });
    }
  }
  // Without an in-process worker the separate worker process indexes them in its own time.
  registry.worker?.kick();
  await registry.worker?.idle();
  await saveState(stateFile, { ...current, published: true });
  return { published, skipped: false };
}

/** Packs, signs and uploads one example; resolves with its `name@version`. */
async function publishExample(api: Api, token: string, privateKey: PrivateKey, dir: string): Promise<string> {
  const packed = await pack(dir);
  const signature = await detachedSignature(privateKey, packed.bytes);
  const form = new FormData();
  form.set('tarball', new Blob([packed.bytes], { type: 'application/gzip' }), `${path.basename(dir)}.tgz`);
  form.set('signature', signature);
  const body = await api.request<{ name: string; version: string }>('POST', '/api/v1/skills', token, form);
  return `${body.name}@${body.version}`;
}

async function exampleDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of (await readdir(root)).sort()) {
    const dir = path.join(root, name);
    if ((await stat(path.join(dir, 'SKILL.md')).catch(() => null))?.isFile()) dirs.push(dir);
  }
  return dirs;
}

async function newKey(): Promise<string> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Skills demo publisher', email: 'demo@skills.invalid' }],
    format: 'armored',
  });
  return privateKey;
}

async function detachedSignature(key: PrivateKey, bytes: Uint8Array): Promise<string> {
  return sign({
    message: await createMessage({ binary: bytes }),
    signingKeys: key,
    detached: true,
    format: 'armored',
  });
}

async function loadState(file: string): Promise<DemoState | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoState;
  } catch {
    return null;
  }
}

async function saveState(file: string, state: DemoState): Promise<void> {
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** A minimal client of our own API for the demo; failures carry the problem's code. */
class Api {
  constructor(private readonly base: string) {}

  json<T = unknown>(method: string, route: string, bearer?: string, body?: unknown): Promise<T> {
    return this.request<T>(
      method,
      route,
      bearer,
      body === undefined ? undefined : JSON.stringify(body),
      true,
    );
  }

  async request<T>(
    method: string,
    route: string,
    bearer?: string,
    body?: string | FormData,
    json = false,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (json) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}
