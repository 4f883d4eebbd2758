import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_LIMITS } from '@skills/schema/archive';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RegistryConfig } from '../src/config.js';
import { RATE_LIMITS } from '../src/rate-limit.js';
import { ensureIndex, publicBaseUrl, runBatch, verifyIndex } from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { publisherTestKey, Seed, testSigner } from './worker-support.js';

const config = (overrides: Partial<RegistryConfig>): RegistryConfig => ({
  dataDir: '/tmp/x',
  databaseUrl: null,
  host: '127.0.0.1',
  port: 8080,
  publicUrl: null,
  jwtSecret: 's'.repeat(32),
  trustProxy: 0,
  allowSignup: false,
  tls: null,
  archiveLimits: DEFAULT_LIMITS,
  rateLimits: RATE_LIMITS,
  ...overrides,
});

describe('publicBaseUrl', () => {
  it('takes SKILLS_PUBLIC_URL without its trailing slash, else the listening address', () => {
    expect(publicBaseUrl(config({ publicUrl: 'https://skills.example.com/reg/' }))).toBe(
      'https://skills.example.com/reg',
    );
    expect(publicBaseUrl(config({}))).toBe('http://127.0.0.1:8080');
    expect(publicBaseUrl(config({ host: '0.0.0.0' }))).toBe('http://127.0.0.1:8080');
    expect(publicBaseUrl(config({ host: '::', port: 1 }))).toBe('http://[::1]:1');
    expect(publicBaseUrl(config({ host: 'localhost', tls: { cert: 'c', key: 'k' } }))).toBe(
      'https://localhost:8080',
    );
    expect(publicBaseUrl(config({}), 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
  });
});

describe.each(testDatabases.slice(0, 1))('ensureIndex on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry.close();
  });

  it('refuses a plain-http public URL off loopback before writing anything', async () => {
    registry = await startRegistry(database, { routers: () => [] });
    const signer = await testSigner();
    await expect(
      ensureIndex(registry.ctx, { signer, publicUrl: 'http://skills.example.com' }),
    ).rejects.toThrow(/https/);
    expect((await registry.db.query('SELECT * FROM registry_state')).rows).toEqual([]);
  });

  it('refuses a folder that is neither empty nor an index', async () => {
    registry = await startRegistry(database, { routers: () => [] });
    await mkdir(registry.ctx.paths.index, { recursive: true });
    await writeFile(path.join(registry.ctx.paths.index, 'stray'), 'x');
    await expect(
      ensureIndex(registry.ctx, { signer: await testSigner(), publicUrl: registry.url }),
    ).rejects.toThrow(/not empty/);
  });

  it('creates the index in an empty folder, and logs a config.json that no longer matches', async () => {
    registry = await startRegistry(database, { routers: () => [] });
    await mkdir(registry.ctx.paths.index, { recursive: true });
    const signer = await testSigner();
    expect(await ensureIndex(registry.ctx, { signer, publicUrl: registry.url })).toMatchObject({
      created: true,
    });
    const warn = vi.spyOn(registry.ctx.logger, 'warn');
    await ensureIndex(registry.ctx, { signer, publicUrl: 'https://skills.example.com' });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ differs: ['name', 'url', 'dl', 'api'] }),
      expect.stringMatching(/epoch new/),
    );
  });

  it('verify reports an index at another epoch than the database', async () => {
    registry = await startRegistry(database, { routers: () => [] });
    const signer = await testSigner();
    await ensureIndex(registry.ctx, { signer, publicUrl: registry.url });
    const seed = new Seed(registry.ctx, await publisherTestKey());
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    await registry.db.query(`UPDATE registry_state SET epoch = 'other'`);
    const report = await verifyIndex(registry.ctx, { downloads: false });
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/database is at epoch other/) }),
    );
  });
});
