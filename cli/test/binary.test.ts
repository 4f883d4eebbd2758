import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { onlyJson, tempDir, writeSkill } from './helpers.js';
import { GENEROUS_LIMITS, PASSWORD } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(cliRoot, 'bin', 'skills.js');
const bundle = path.join(cliRoot, 'dist', 'skills.cjs');

interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `skills` in a child process with a temporary home and no colours. */
async function skills(args: string[], cwd: string, input?: string): Promise<BinResult> {
  const home = path.join(cwd, '.home');
  await mkdir(home, { recursive: true });
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    SKILLS_HOME: path.join(home, '.skills'),
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('the built skills binary', () => {
  beforeAll(() => {
    // CI builds the bundle during `npm ci`; build it here only when it is missing.
    if (!existsSync(bundle))
      execFileSync(process.execPath, [path.join(cliRoot, 'build.mjs')], { stdio: 'inherit' });
  });

  it('prints its version', async () => {
    const result = await skills(['--version'], await tempDir());
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('inits a package that validates, and packing it twice gives the same sha256', async () => {
    const cwd = await tempDir();
    expect((await skills(['init', 'hello-skill'], cwd)).code).toBe(0);
    const validated = await skills(['validate', 'hello-skill', '--json'], cwd);
    expect(validated.code).toBe(0);
    expect(onlyJson(validated.stdout)).toEqual({
      ok: true,
      name: 'hello-skill',
      version: '0.1.0',
      warnings: [],
    });

    const first = await skills(['pack', 'hello-skill', '--json'], cwd);
    expect(first.code).toBe(0);
    const firstJson = onlyJson(first.stdout);
    expect(firstJson).toMatchObject({ ok: true, file: path.join(cwd, 'hello-skill-0.1.0.tgz') });
    expect(existsSync(path.join(cwd, 'hello-skill-0.1.0.tgz'))).toBe(true);

    await rm(path.join(cwd, 'hello-skill-0.1.0.tgz'));
    const second = onlyJson((await skills(['pack', 'hello-skill', '--json'], cwd)).stdout);
    expect(second['sha256']).toBe(firstJson['sha256']);
    expect(second['sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exits non-zero for a broken package, naming the problem and the fix', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'broken-skill', { 'docs/README.md': null });
    const result = await skills(['validate', 'broken-skill'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: the package in broken-skill is not valid: docs/: docs/ must hold at least one file',
    );
    expect(result.stderr).toContain(
      'hint: fix the problem in docs/, then run `skills validate broken-skill` again',
    );
    expect(result.stderr).not.toContain('\u001b[');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown option, and prints exactly one JSON object with --json', async () => {
    const cwd = await tempDir();
    const human = await skills(['pack', '--frobnicate'], cwd);
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('error: Unsupported option name ("--frobnicate")');

    const json = await skills(['pack', '--frobnicate', '--json'], cwd);
    expect(json.code).toBe(2);
    expect(onlyJson(json.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});

describe('the built skills binary against a real registry', () => {
  let registry: TestRegistryServer;
  beforeAll(async () => {
    if (!existsSync(bundle))
      execFileSync(process.execPath, [path.join(cliRoot, 'build.mjs')], { stdio: 'inherit' });
    registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
    const signup = await fetch(`${registry.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bin-ada', email: 'ada@example.org', password: PASSWORD }),
    });
    expect(signup.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
  });

  it('logs in with the password on stdin, registers a key and publishes a signed package', async () => {
    const cwd = await tempDir();
    expect((await skills(['registry', 'add', 'local', registry.url], cwd)).code).toBe(0);
    const login = await skills(
      ['login', '-u', 'bin-ada', '--password-stdin', '--json'],
      cwd,
      `${PASSWORD}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(onlyJson(login.stdout)).toMatchObject({ ok: true, username: 'bin-ada' });
    expect((await skills(['keys', 'generate'], cwd)).code).toBe(0);
    const registered = await skills(['keys', 'register', '--password-stdin'], cwd, PASSWORD);
    expect(registered.code, registered.stderr).toBe(0);
    await writeSkill(cwd, 'bin-notes');
    const published = await skills(['publish', 'bin-notes', '--json'], cwd);
    expect(published.code, published.stderr).toBe(0);
    expect(onlyJson(published.stdout)).toMatchObject({
      ok: true,
      name: 'bin-notes',
      version: '1.2.3',
      indexed: true,
      signer: expect.stringMatching(/^[0-9A-F]{40}$/),
      warnings: [],
    });
    for (const output of [login, registered, published])
      expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });
});
