import { randomBytes } from 'node:crypto';
import { createMessage, generateKey, readPrivateKey, sign, type PrivateKey } from 'openpgp';
import { pack } from '@skills/schema/archive';
import type { TestRegistryServer } from './registry-server.js';
import { writeSkill } from './helpers.js';

/** An OpenPGP key as the tests use it: ed25519Legacy, as DESIGN §1 requires for gpg 2.2. */
export interface TestKey {
  key: PrivateKey;
  fingerprint: string;
  armoredPublic: string;
}

export async function newKey(name = 'Test Publisher', date = new Date()): Promise<TestKey> {
  const { privateKey } = await generateKey({
    date,
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: 'publisher@skills.invalid' }],
    format: 'armored',
  });
  const key = await readPrivateKey({ armoredKey: privateKey });
  return { key, fingerprint: key.getFingerprint().toUpperCase(), armoredPublic: key.toPublic().armor() };
}

export async function detachedSignature(
  key: PrivateKey,
  bytes: Uint8Array,
  date = new Date(),
): Promise<string> {
  return sign({
    message: await createMessage({ binary: bytes }),
    signingKeys: key,
    detached: true,
    format: 'armored',
    date,
  });
}

export interface SkillFixture {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  /** Extra files, by relative path. */
  files?: Record<string, string>;
}

/** The skill.yaml text of a fixture. */
export function skillYaml(skill: SkillFixture): string {
  const deps = Object.entries(skill.dependencies ?? {});
  return [
    `name: ${skill.name}`,
    `version: '${skill.version}'`,
    'license: MIT',
    ...(deps.length > 0 ? ['dependencies:', ...deps.map(([name, range]) => `  ${name}: '${range}'`)] : []),
    '',
  ].join('\n');
}

/** Writes a fixture as a package folder under `root` and packs it. */
export async function packFixture(
  root: string,
  skill: SkillFixture,
): Promise<{ dir: string; bytes: Buffer; sha256: string }> {
  const dir = await writeSkill(
    `${root}/${skill.name}-${skill.version}-${randomBytes(3).toString('hex')}`,
    skill.name,
    {
      'skill.yaml': skillYaml(skill),
      ...skill.files,
    },
  );
  const packed = await pack(dir);
  return { dir, bytes: packed.bytes, sha256: packed.sha256 };
}

/**
 * A publisher on the real registry, made through its API as a person would: sign up, log in,
 * register a key with its proof of possession, mint an API token. `publish` packs a fixture,
 * signs it and uploads it; `indexed` then waits for the worker.
 */
export class Publisher {
  private constructor(
    readonly registry: TestRegistryServer,
    readonly username: string,
    private readonly session: string,
    private readonly token: string,
    public key: TestKey,
  ) {}

  static async create(registry: TestRegistryServer, username: string, key?: TestKey): Promise<Publisher> {
    const password = randomBytes(18).toString('base64url');
    await api(registry, 'POST', '/api/v1/users', undefined, {
      username,
      email: `${username}@skills.invalid`,
      password,
    });
    const { token: session } = await api<{ token: string }>(
      registry,
      'POST',
      '/api/v1/auth/login',
      undefined,
      {
        username,
        password,
      },
    );
    const { token } = await api<{ token: string }>(registry, 'POST', '/api/v1/tokens', session, {
      name: `tests-${randomBytes(4).toString('hex')}`,
      scopes: ['publish-new', 'publish-update', 'yank'],
      expires_in: 3600,
    });
    const publisher = new Publisher(registry, username, session, token, key ?? (await newKey(username)));
    await publisher.registerKey(publisher.key);
    return publisher;
  }

  /** Registers another key (with its proof) and signs with it from now on. */
  async registerKey(key: TestKey): Promise<void> {
    const { nonce } = await api<{ nonce: string }>(
      this.registry,
      'GET',
      '/api/v1/keys/challenge',
      this.session,
    );
    const proof = await detachedSignature(key.key, Buffer.from(`skills-key:${this.username}:${nonce}`));
    await api(this.registry, 'POST', '/api/v1/keys', this.session, { armored: key.armoredPublic, proof });
    this.key = key;
  }

  /** Packs, signs and uploads a fixture; returns the registry's answer. */
  async publish(
    root: string,
    skill: SkillFixture,
  ): Promise<{ sha256: string; signer: string; bytes: Buffer }> {
    const packed = await packFixture(root, skill);
    const form = new FormData();
    form.set('tarball', new Blob([packed.bytes], { type: 'application/gzip' }), `${skill.name}.tgz`);
    form.set('signature', await detachedSignature(this.key.key, packed.bytes));
    const body = await api<{ sha256: string; signer: string }>(
      this.registry,
      'POST',
      '/api/v1/skills',
      this.token,
      form,
    );
    return { ...body, bytes: packed.bytes };
  }

  async yank(name: string, version: string, reason: string): Promise<void> {
    await api(this.registry, 'DELETE', `/api/v1/skills/${name}/${version}/yank`, this.token, { reason });
  }
}

async function api<T = unknown>(
  registry: TestRegistryServer,
  method: string,
  route: string,
  bearer: string | undefined,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${registry.url}${route}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}
