import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createMessage, generateKey, sign, type PrivateKey } from 'openpgp';
import type { RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { putBlobAndSignature } from '../src/blobs.js';
import type { RegistrySigner } from '../src/worker/index.js';

/** An OpenPGP key as the registry or a publisher has it (ed25519Legacy: gpg 2.2 reads it). */
export interface TestKey {
  fingerprint: string;
  publicArmored: string;
  privateKey: PrivateKey;
  sign(bytes: Uint8Array): Promise<string>;
}

export async function testKey(name: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name }],
    format: 'object',
  });
  return {
    fingerprint: publicKey.getFingerprint().toUpperCase(),
    publicArmored: publicKey.armor(),
    privateKey,
    sign: async (bytes) =>
      sign({
        message: await createMessage({ binary: new Uint8Array(bytes) }),
        signingKeys: privateKey,
        detached: true,
      }),
  };
}

let registryKey: Promise<TestKey> | undefined;
let publisherKey: Promise<TestKey> | undefined;

/** The registry's signing key, as the worker is handed it (one per test run: keys are slow-ish). */
export async function testSigner(): Promise<RegistrySigner & { key: TestKey }> {
  const key = await (registryKey ??= testKey('test registry'));
  return { fingerprint: key.fingerprint, publicArmored: key.publicArmored, sign: key.sign, key };
}

export async function publisherTestKey(): Promise<TestKey> {
  return (publisherKey ??= testKey('ada'));
}

/**
 * Seeds the tables the publish pipeline fills, with plain SQL: a user with a registered key, skills,
 * versions with their blobs in the store, and index jobs, as a publish, yank or purge would leave them.
 */
export class Seed {
  private userId: number | null = null;
  readonly tarballs = new Map<string, Buffer>();
  /** published_at of the next version: one minute apart, with milliseconds the index must drop. */
  private clock = Date.parse('2026-01-10T09:00:00.250Z');

  constructor(
    readonly ctx: RegistryContext,
    readonly key: TestKey,
  ) {}

  get db(): Database {
    return this.ctx.db;
  }

  async user(): Promise<number> {
    if (this.userId !== null) return this.userId;
    const { rows } = await this.db.query<{ id: number }>(
      "INSERT INTO users (username, skeleton, email, password_hash) VALUES ('ada', 'ada', 'ada@example.org', 'x') RETURNING id",
    );
    this.userId = rows[0]!.id;
    await this.db.query(
      "INSERT INTO keys (fingerprint, user_id, armored, algorithm, key_created_at) VALUES ($1, $2, $3, 'ed25519', now())",
      [this.key.fingerprint, this.userId, this.key.publicArmored],
    );
    return this.userId;
  }

  async skill(name: string): Promise<number> {
    const existing = await this.db.query<{ id: number }>('SELECT id FROM skills WHERE name = $1', [name]);
    if (existing.rows[0]) return existing.rows[0].id;
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO skills (name, skeleton) VALUES ($1, $1) RETURNING id',
      [name],
    );
    await this.db.query('INSERT INTO owners (skill_id, user_id) VALUES ($1, $2)', [
      rows[0]!.id,
      await this.user(),
    ]);
    return rows[0]!.id;
  }

  /** A version as publish leaves it: blob + signature stored, the row, and a job (unless `job: false`). */
  async publish(
    name: string,
    version: string,
    options: {
      deps?: Record<string, string>;
      yanked?: string | null;
      job?: boolean;
      description?: string;
    } = {},
  ): Promise<{ sha256: string; tarball: Buffer }> {
    const skillId = await this.skill(name);
    const tarball = Buffer.from(`tarball of ${name}@${version}\n`);
    const { sha256 } = await putBlobAndSignature(this.ctx.paths.blobs, tarball, await this.key.sign(tarball));
    this.tarballs.set(`${name}@${version}`, tarball);
    const published = new Date(this.clock);
    this.clock += 60_000;
    await this.db.query(
      `INSERT INTO versions (skill_id, version, sha256, size, signer, publisher_id, description, license, deps,
         keywords, files, published_at, yanked, yank_reason, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'MIT', $8, $9, '["SKILL.md"]', $10, $11, $12, '{}')`,
      [
        skillId,
        version,
        sha256,
        tarball.length,
        this.key.fingerprint,
        await this.user(),
        options.description ?? `The ${name} skill — with an em dash`,
        JSON.stringify(options.deps ?? {}),
        ['demo', name.slice(0, 20)],
        published,
        options.yanked !== undefined,
        options.yanked ?? null,
      ],
    );
    if (options.job !== false) await this.job(name);
    return { sha256, tarball };
  }

  async yank(name: string, version: string, reason: string | null = null): Promise<void> {
    await this.db.query(
      'UPDATE versions SET yanked = true, yank_reason = $3 WHERE skill_id = (SELECT id FROM skills WHERE name = $1) AND version = $2',
      [name, version, reason],
    );
    await this.job(name);
  }

  async unyank(name: string, version: string): Promise<void> {
    await this.db.query(
      'UPDATE versions SET yanked = false, yank_reason = NULL WHERE skill_id = (SELECT id FROM skills WHERE name = $1) AND version = $2',
      [name, version],
    );
    await this.job(name);
  }

  async purge(name: string, version: string): Promise<void> {
    await this.db.query(
      "UPDATE versions SET purged_at = now(), purge_reason = 'test' WHERE skill_id = (SELECT id FROM skills WHERE name = $1) AND version = $2",
      [name, version],
    );
    await this.job(name);
  }

  async job(name: string): Promise<void> {
    await this.db.query('INSERT INTO index_jobs (skill_id) SELECT id FROM skills WHERE name = $1', [name]);
  }

  async jobs(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM index_jobs');
    return rows[0]!.n;
  }

  /** The feed table of an epoch (the current one by default): seq, op, name@version and the bytes. */
  async feed(
    epoch?: string,
  ): Promise<{ seq: number; op: string; name: string; version: string; line: Buffer; hash: string }[]> {
    const { rows } = await this.db.query<{
      seq: number;
      op: string;
      name: string;
      version: string;
      line: Buffer;
      hash: string;
    }>(
      `SELECT f.seq, f.op, s.name, f.version, f.line, f.hash FROM feed f JOIN skills s ON s.id = f.skill_id
       WHERE f.epoch = coalesce($1, (SELECT epoch FROM registry_state WHERE id = 1)) ORDER BY f.seq`,
      [epoch ?? null],
    );
    return rows;
  }

  indexFile(file: string): Promise<Buffer> {
    return readFile(path.join(this.ctx.paths.index, ...file.split('/')));
  }
}

/** Waits until check() holds, polling; fails after timeoutMs. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
