import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'registry-api/bin/skills-registry.js');

let dataDir: string;
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SKILLS_DATA_DIR: dataDir,
  NO_COLOR: '1',
  LOG_LEVEL: 'warn',
  PORT: '0',
});

function run(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
}

/** Starts `serve` and resolves with its URL once it printed it. */
function serve(...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: env() });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match && out.includes('git clone')) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'registry-api/dist/cli.js'))) {
    spawnSync('npx', ['tsc', '-b', 'registry-api'], { cwd: ROOT, stdio: 'inherit' });
  }
  dataDir = await mkdtemp(path.join(tmpdir(), 'skills-registry-bin-'));
}, 120_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the skills-registry binary', () => {
  it('serves the examples, locks its data dir, survives kill -9 and verifies', async () => {
    const first = await serve('--examples', path.join(ROOT, 'examples'));
    const search = (await (await fetch(`${first.url}/api/v1/search?q=sql`)).json()) as {
      items: { name: string }[];
    };
    expect(search.items.map((item) => item.name)).toContain('sql-review');

    const locked = run('user', 'list');
    expect(locked.status).not.toBe(0);
    expect(locked.stderr + locked.stdout).toMatch(/stop the server or use DATABASE_URL/);

    first.child.kill('SIGKILL');
    await exited(first.child);
    const verify = run('index', 'verify');
    expect(verify.stdout).toMatch(/^ok: epoch \S+, seq 8$/m);
    expect(verify.status).toBe(0);
    expect(run('user', 'list').stdout).toMatch(/^demo\t/m);

    const second = await serve('--examples', path.join(ROOT, 'examples'));
    const head = (await (await fetch(`${second.url}/index/feed/head.json`)).json()) as { seq: number };
    expect(head.seq).toBe(8);
    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 180_000);

  it('stops with the failing folder named when an example cannot be published', async () => {
    const examples = await mkdtemp(path.join(tmpdir(), 'skills-registry-bad-examples-'));
    const ownDir = await mkdtemp(path.join(tmpdir(), 'skills-registry-bin-bad-'));
    try {
      await mkdir(path.join(examples, 'broken'));
      await writeFile(
        path.join(examples, 'broken', 'SKILL.md'),
        '---\nname: broken\ndescription: a: b\n---\n',
      );
      await writeFile(path.join(examples, 'broken', 'skill.yaml'), "name: broken\nversion: '1.0.0'\n");
      const result = spawnSync(process.execPath, [BIN, 'serve', '--examples', examples], {
        env: { ...env(), SKILLS_DATA_DIR: ownDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/could not publish the examples in .*: broken: .*422/);
      expect(result.stdout).not.toMatch(/listening on/);
      // The demo publisher is kept for the next start; no version was stored.
      const list = spawnSync(process.execPath, [BIN, 'index', 'verify'], {
        env: { ...env(), SKILLS_DATA_DIR: ownDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(list.stdout).toMatch(/^ok: epoch \S+, seq 0$/m);
    } finally {
      await rm(examples, { recursive: true, force: true });
      await rm(ownDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('explains its commands and refuses bad usage', () => {
    expect(run('--help').stdout).toContain('skills-registry serve');
    expect(run('epoch', 'new').status).toBe(2);
    const noWorker = run('serve', '--no-worker');
    expect(noWorker.status).toBe(2);
    expect(noWorker.stderr).toMatch(/--no-worker needs DATABASE_URL/);
    expect(run('user', 'add', 'x', 'x@example.com').stderr).toMatch(/SKILLS_PASSWORD/);
  });
});
