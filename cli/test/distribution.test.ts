import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { onlyJson, tempDir } from './helpers.js';

const exec = promisify(execFile);
const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(cliRoot, '..');
const examples = path.join(repoRoot, 'examples');

describe('the published package (npm pack -w cli, then npm install -g)', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(cliRoot, 'dist', 'skills.cjs')))
      await exec(process.execPath, [path.join(cliRoot, 'build.mjs')]);
  }, 120_000);

  it('installs with only Node and npm, no registry access, and runs from the install', async () => {
    const work = await tempDir();
    const { stdout } = await exec(
      'npm',
      ['pack', '-w', '@skills/cli', '--pack-destination', work, '--json'],
      {
        cwd: repoRoot,
      },
    );
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    // Everything is bundled: nothing but the bin shim and its loaders, the bundle and the vendor
    // bundles with their code caches ships.
    expect(packed.files.map((file) => file.path).sort()).toEqual(
      [
        'bin/code-cache.cjs',
        'bin/load.cjs',
        'bin/package.json',
        'bin/skills.js',
        'dist/skills.cjs',
        'dist/skills.cjs.cache',
        'package.json',
        ...(await vendorFiles()),
      ].sort(),
    );
    const prefix = path.join(work, 'global');
    const env = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_audit: 'false' };
    await exec(
      'npm',
      ['install', '-g', '--prefix', prefix, '--offline', '--no-fund', path.join(work, packed.filename)],
      {
        cwd: work,
        env,
      },
    );
    const skills = path.join(prefix, 'bin', 'skills');
    const home = path.join(work, 'home');
    const runEnv = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      SKILLS_HOME: path.join(home, '.skills'),
      NO_COLOR: '1',
    };
    expect((await exec(skills, ['--version'], { env: runEnv })).stdout).toBe(`${pkg.version}\n`);
    const validated = await exec(skills, ['validate', path.join(examples, 'code-review'), '--json'], {
      env: runEnv,
    });
    expect(onlyJson(validated.stdout)).toMatchObject({ ok: true, name: 'code-review' });
    // A network command loads its vendor bundle (undici) from the install.
    const unreachable = await exec(skills, ['registry', 'add', 'x', 'http://127.0.0.1:9/', '--json'], {
      env: runEnv,
    }).catch((error: { stdout: string }) => error);
    expect(onlyJson(unreachable.stdout)).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_UNREACHABLE' },
    });
  }, 120_000);
});

async function vendorFiles(): Promise<string[]> {
  return (await readdir(path.join(cliRoot, 'dist', 'vendor'))).map((file) => `dist/vendor/${file}`);
}
