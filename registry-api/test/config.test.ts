import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { RATE_LIMITS } from '../src/rate-limit.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('defaults to the embedded database and generates one JWT secret into the data dir', async () => {
    const config = await loadConfig({ env: { SKILLS_DATA_DIR: dir } });
    expect(config).toMatchObject({
      dataDir: dir,
      databaseUrl: null,
      host: '127.0.0.1',
      port: 8080,
      allowSignup: true,
      trustProxy: 0,
      tls: null,
    });
    const file = path.join(dir, 'jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(config.jwtSecret);
    expect((await loadConfig({ env: { SKILLS_DATA_DIR: dir } })).jwtSecret).toBe(config.jwtSecret);
  });

  it('reads the environment, and flags win over it', async () => {
    const env = {
      SKILLS_DATA_DIR: dir,
      HOST: '0.0.0.0',
      PORT: '9000',
      SKILLS_TRUST_PROXY: '2',
      SKILLS_PUBLIC_URL: 'https://skills.example',
    };
    expect(await loadConfig({ env })).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      trustProxy: 2,
      publicUrl: 'https://skills.example',
    });
    expect(await loadConfig({ env, port: 1234 })).toMatchObject({ port: 1234 });
  });

  it('requires a shared JWT secret with DATABASE_URL, and turns sign-up off there by default', async () => {
    const env = { SKILLS_DATA_DIR: dir, DATABASE_URL: 'postgres://x/y' };
    await expect(loadConfig({ env })).rejects.toThrow(ConfigError);
    const config = await loadConfig({ env: { ...env, SKILLS_JWT_SECRET: 's'.repeat(40) } });
    expect(config).toMatchObject({ databaseUrl: 'postgres://x/y', allowSignup: false });
  });

  it('takes rate limits from SKILLS_RATE_LIMITS, keeping the defaults of the buckets it does not name', async () => {
    const config = await loadConfig({
      env: { SKILLS_DATA_DIR: dir, SKILLS_RATE_LIMITS: '{"newName":{"burst":20,"perMinute":2}}' },
    });
    expect(config.rateLimits.newName).toEqual({ burst: 20, perSecond: 2 / 60 });
    expect(config.rateLimits.yank).toEqual(RATE_LIMITS.yank);
    for (const bad of [
      'nope',
      '[]',
      '{"unknown":{"burst":1,"perMinute":1}}',
      '{"yank":{"burst":0,"perMinute":1}}',
    ]) {
      await expect(
        loadConfig({ env: { SKILLS_DATA_DIR: dir, SKILLS_RATE_LIMITS: bad } }),
        bad,
      ).rejects.toThrow(/SKILLS_RATE_LIMITS/);
    }
  });

  it('refuses bad numbers, short secrets and half a TLS pair', async () => {
    await expect(loadConfig({ env: { SKILLS_DATA_DIR: dir, PORT: 'eighty' } })).rejects.toThrow(/PORT/);
    await expect(loadConfig({ env: { SKILLS_DATA_DIR: dir, SKILLS_JWT_SECRET: 'short' } })).rejects.toThrow(
      /32/,
    );
    await expect(loadConfig({ env: { SKILLS_DATA_DIR: dir }, tlsCert: 'c' })).rejects.toThrow(
      /certificate and a key/,
    );
  });
});
