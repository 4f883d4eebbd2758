import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(cliRoot, 'bin', 'skills.js');
const bundle = path.join(cliRoot, 'dist', 'skills.cjs');

let registry: TestRegistryServer;
beforeAll(async () => {
  // CI builds the bundle during `npm ci`; build it here only when it is missing.
  if (!existsSync(bundle))
    execFileSync(process.execPath, [path.join(cliRoot, 'build.mjs')], { stdio: 'inherit' });
  registry = await startTestRegistry({ examples: true });
  await registry.indexed();
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

interface Child {
  stderr(): string;
  stdout(): string;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** The built `skills` as a child process. */
function spawnSkills(args: string[], cwd: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    stdout: () => out,
    stderr: () => err,
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: (signal) => child.kill(signal),
  };
}

/** Polls until `check` holds; the tests wait for a process to reach a point, never for a time. */
async function until(check: () => Promise<boolean> | boolean, what: string, child?: Child): Promise<void> {
  for (let waited = 0; !(await check()); waited += 20) {
    if (waited > 20_000)
      throw new Error(`gave up waiting for ${what}${child ? `: ${child.stdout()} ${child.stderr()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function home() {
  const root = await tempDir();
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  expect((await run(['registry', 'add', 'main', registry.url], { cwd: root, env })).code).toBe(0);
  return { root, env, skillsHome: env.SKILLS_HOME };
}

/** Every path under `dir`, relative, for "nothing half-done is left" checks. */
async function tree(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const relative = `${prefix}${entry.name}`;
      found.push(relative);
      if (entry.isDirectory()) await walk(path.join(folder, entry.name), `${relative}/`);
    }
  };
  await walk(dir, '');
  return found;
}

/** The `<name>/<version>` folders of a home's tree (dot entries are temp or trash siblings). */
async function versionFolders(home: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(home, { withFileTypes: true })) {
    if (!name.isDirectory() || name.name.startsWith('.')) continue;
    for (const version of await readdir(path.join(home, name.name), { withFileTypes: true })) {
      if (version.isDirectory() && /^\d+\.\d+\.\d+/.test(version.name))
        found.push(`${name.name}/${version.name}`);
    }
  }
  return found.sort();
}

describe('the built skills binary installing', () => {
  it.each(['install:extracted', 'install:placed'])(
    'is repaired by the next run after kill -9 at %s, and never shows a half-installed skill',
    async (point) => {
      const { root, env, skillsHome } = await home();
      const pause = path.join(root, 'paused');
      const child = spawnSkills(['install', 'release-checklist', '--json'], root, {
        ...env,
        SKILLS_TEST_PAUSE: `${point}:${pause}`,
      });
      await until(() => exists(pause), `the install to reach ${point}`, child);
      child.kill('SIGKILL');
      expect(await child.exit).toBe(null);

      // What the dead process left is on disk, but no reader sees it as installed.
      expect(await exists(path.join(skillsHome, '.lock'))).toBe(true);
      const folders = await versionFolders(skillsHome);
      const marked: string[] = [];
      for (const folder of folders)
        if (await exists(path.join(skillsHome, folder, '.skills-ok'))) marked.push(folder);
      if (point === 'install:extracted') {
        // Packages are placed several at once: the first one extracted paused the run, the others
        // may still have been extracting. Killed before any marker.
        expect(folders.length).toBeGreaterThan(0);
        expect(marked).toEqual([]);
      } else {
        // After every marker, before index.json.
        expect(folders).toHaveLength(3);
        expect(marked).toEqual(folders);
      }
      const listed = onlyJson((await run(['list', '-g', '--json'], { cwd: root, env })).stdout);
      expect(listed['skills']).toEqual([]);
      const index = await readFile(path.join(skillsHome, 'index.json'), 'utf8').catch(() => null);
      if (index !== null) expect(JSON.parse(index).skills).toEqual({});

      const again = await run(['install', 'release-checklist', '--json'], { cwd: root, env });
      expect(again.code).toBe(0);
      expect((onlyJson(again.stdout)['installed'] as unknown[]).length).toBe(3);
      expect((await run(['verify', '--json'], { cwd: root, env })).code).toBe(0);
      const left = (await tree(skillsHome)).filter((file) => /\.(tmp|trash)-|\.stale-/.test(file));
      expect(left).toEqual([]);
      expect(await exists(path.join(skillsHome, '.lock'))).toBe(false);
    },
  );

  it('lets two installs into one home, forced to overlap, both succeed with a valid index.json', async () => {
    const { root, env, skillsHome } = await home();
    const pause = path.join(root, 'paused');
    const first = spawnSkills(['install', 'release-checklist', '--json'], root, {
      ...env,
      SKILLS_TEST_PAUSE: `install:locked:${pause}`,
    });
    await until(() => exists(pause), 'the first install to take the lock');
    const second = spawnSkills(['install', 'code-review', 'sql-review'], root, env);
    await until(
      () => second.stderr().includes('waiting for another skills process'),
      'the second install to wait',
    );
    await rm(pause);

    expect(await first.exit).toBe(0);
    expect(await second.exit).toBe(0);
    expect(onlyJson(first.stdout())).toMatchObject({ ok: true });
    expect(second.stdout()).toContain('installed code-review@1.4.0');
    const index = JSON.parse(await readFile(path.join(skillsHome, 'index.json'), 'utf8'));
    expect(Object.keys(index.skills)).toEqual([
      'changelog-writer',
      'code-review',
      'conventional-commits',
      'release-checklist',
      'sql-review',
    ]);
    expect((await run(['verify', '--json'], { cwd: root, env })).code).toBe(0);
  });
});
