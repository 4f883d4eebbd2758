import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, publishExamples, startServer, type RunningRegistry } from '@skills/registry-api';

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface TestRegistryServer {
  /** The registry's base URL, without a trailing slash. */
  url: string;
  dataDir: string;
  running: RunningRegistry;
  /** Waits until the index worker has rendered every pending job. */
  indexed(): Promise<void>;
  close(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Publish the skills in examples/ through the real pipeline, as `npm start` does. */
  examples?: boolean;
  /** SKILLS_RATE_LIMITS, to let a test publish more than the defaults allow. */
  rateLimits?: string;
}

/**
 * The real registry (`skills-registry serve`) in this process: embedded database in a temp data
 * dir, loopback port 0, sign-up on, the in-process index worker. For the CLI's acceptance tests.
 */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistryServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'skills-cli-registry-'));
  const config = await loadConfig({
    env: { SKILLS_RATE_LIMITS: options.rateLimits ?? '' },
    dataDir,
    host: '127.0.0.1',
    port: 0,
    allowSignup: true,
  });
  const running = await startServer(config, {
    logger: pino({ level: process.env['SKILLS_TEST_LOG'] ?? 'silent' }),
    workerPollMs: 100,
  });
  if (options.examples) await publishExamples(running, EXAMPLES);
  return {
    url: running.url,
    dataDir,
    running,
    async indexed() {
      running.worker!.kick();
      await running.worker!.idle();
    },
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
