import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import { pino } from 'pino';
import type { RegistryConfig } from '../src/config.js';
import { registryPaths, type RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { createApp } from '../src/http/app.js';
import { RATE_LIMITS } from '../src/rate-limit.js';
import { DEFAULT_LIMITS } from '@skills/schema/archive';
import type { TestDatabase } from './databases.js';

export interface TestRegistry {
  ctx: RegistryContext;
  db: Database;
  /** Base URL of the running server, no trailing slash. */
  url: string;
  /** Moves the registry's clock. */
  setNow(date: Date): void;
  close(): Promise<void>;
}

export interface StartOptions {
  routers: (ctx: RegistryContext) => Router[] | Promise<Router[]>;
  config?: Partial<RegistryConfig>;
}

/** A real registry app on a loopback port 0, on a fresh database and a fresh data dir. */
export async function startRegistry(database: TestDatabase, options: StartOptions): Promise<TestRegistry> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'skills-registry-'));
  const db = await database.open();
  let now: Date | null = null;
  const config: RegistryConfig = {
    dataDir,
    databaseUrl: null,
    host: '127.0.0.1',
    port: 0,
    publicUrl: null,
    jwtSecret: 'test-secret-test-secret-test-secret-0123456789',
    trustProxy: 0,
    allowSignup: true,
    tls: null,
    archiveLimits: DEFAULT_LIMITS,
    rateLimits: RATE_LIMITS,
    ...options.config,
  };
  const ctx: RegistryContext = {
    config,
    db,
    logger: pino({ level: process.env.SKILLS_TEST_LOG ?? 'silent' }),
    now: () => now ?? new Date(),
    paths: registryPaths(dataDir),
  };
  const app = createApp(ctx, await options.routers(ctx));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    ctx,
    db,
    url: `http://127.0.0.1:${port}`,
    setNow: (date) => {
      now = date;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
