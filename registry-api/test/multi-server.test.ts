import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { openPostgres } from '../src/db/postgres.js';
import { scratchPostgres, type ScratchPostgres } from './databases.js';
import type { TestRegistry } from './harness.js';
import { addPublisher, buildPackage, publish, type Publisher } from './publish-helpers.js';
import { eventually } from './worker-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'registry-api/bin/skills-registry.js');
const SECRET = 'multi-server-secret-multi-server-secret-0123';
const pending = scratchPostgres();
if (pending === null) console.warn('PostgreSQL does not answer: the two-server test is skipped');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(pending === null)(
  'two serve processes and a worker process on one PostgreSQL and one data store',
  () => {
    let scratch: ScratchPostgres;
    let dataDir: string;
    let db: Database;
    const servers: ChildProcess[] = [];

    const env = (publicUrl: string): NodeJS.ProcessEnv => ({
      ...process.env,
      DATABASE_URL: scratch.url,
      SKILLS_DATA_DIR: dataDir,
      SKILLS_JWT_SECRET: SECRET,
      SKILLS_PUBLIC_URL: publicUrl,
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    });

    function serve(port: number, publicUrl: string, ...args: string[]): Promise<string> {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], {
        env: env(publicUrl),
      });
      servers.push(child);
      return new Promise((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('git clone')) resolve(`http://127.0.0.1:${port}`);
        });
        child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
    }

    beforeAll(async () => {
      scratch = await pending!;
      dataDir = await mkdtemp(path.join(tmpdir(), 'skills-two-'));
      db = openPostgres(scratch.url);
    }, 60_000);
    afterAll(async () => {
      for (const child of servers) child.kill('SIGKILL');
      await db?.close();
      await scratch?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('keeps one writer per batch: nothing lost or doubled, and both serve every version', async () => {
      const portA = await freePort();
      const publicUrl = `http://127.0.0.1:${portA}`;
      const urlA = await serve(portA, publicUrl);
      // B only answers requests; a `worker` process of its own writes beside A's in-process worker.
      const urlB = await serve(await freePort(), publicUrl, '--no-worker');
      servers.push(spawn(process.execPath, [BIN, 'worker'], { env: env(publicUrl), stdio: 'ignore' }));

      const context = (url: string) =>
        ({
          db,
          url,
          ctx: {
            now: () => new Date(),
            config: { publicUrl, jwtSecret: SECRET },
          } as unknown as RegistryContext,
        }) as TestRegistry;
      const publisher: Publisher = await addPublisher(context(urlA), 'twin');
      const versions = Array.from({ length: 12 }, (_, i) => `1.${i}.0`);
      // The name first (a burst of first publishes of one new name would each take a new-name
      // token), then every other version at once, half through each server.
      const first = await publish(
        context(urlA),
        publisher,
        await buildPackage({ name: 'twin-skill', version: versions[0]! }),
      );
      expect(first.status).toBe(201);
      const rest = await Promise.all(
        versions.slice(1).map(async (version, i) => {
          const tarball = await buildPackage({ name: 'twin-skill', version });
          return publish(context(i % 2 === 0 ? urlA : urlB), publisher, tarball);
        }),
      );
      expect(rest.map((a) => a.status)).toEqual(versions.slice(1).map(() => 201));

      for (const url of [urlA, urlB]) {
        await eventually(async () => {
          const head = (await (await fetch(`${url}/index/feed/head.json`)).json()) as { seq: number };
          return head.seq === versions.length;
        }, 30_000);
        await eventually(async () => {
          const skill = (await (await fetch(`${url}/api/v1/skills/twin-skill`)).json()) as {
            versions?: unknown[];
          };
          return skill.versions?.length === versions.length;
        }, 30_000);
      }
      const { rows } = await db.query<{ seq: number }>('SELECT seq FROM feed ORDER BY seq');
      expect(rows.map((r) => r.seq)).toEqual(versions.map((_, i) => i + 1));

      for (const child of servers) child.kill('SIGTERM');
      await Promise.all(servers.map((child) => new Promise((resolve) => child.once('exit', resolve))));
      const verify = spawnSync(process.execPath, [BIN, 'index', 'verify'], {
        env: {
          ...process.env,
          DATABASE_URL: scratch.url,
          SKILLS_DATA_DIR: dataDir,
          SKILLS_JWT_SECRET: SECRET,
          LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
      });
      expect(verify.stdout).toMatch(/^ok: epoch \S+, seq 12$/m);
    }, 180_000);
  },
);
