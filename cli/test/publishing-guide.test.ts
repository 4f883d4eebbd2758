import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { filesUnder, GENEROUS_LIMITS, PASSWORD } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const guide = path.join(cliRoot, '..', 'docs', 'PUBLISHING_GUIDE.md');
const bundle = path.join(cliRoot, 'dist', 'skills.cjs');
const EXAMPLE_REGISTRY = 'https://skills.example.com';

let registry: TestRegistryServer;
beforeAll(async () => {
  if (!existsSync(bundle))
    execFileSync(process.execPath, [path.join(cliRoot, 'build.mjs')], { stdio: 'inherit' });
  registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

/** The guide's ```sh blocks, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
      { cwd, env },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('docs/PUBLISHING_GUIDE.md', () => {
  it('runs as written against a real registry, with the built binary', async () => {
    const markdown = await readFile(guide, 'utf8');
    const blocks = shellBlocks(markdown);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(markdown).toContain(EXAMPLE_REGISTRY);

    // Grace, whom the guide adds as an owner, has an account already.
    const signup = await fetch(`${registry.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'grace',
        email: 'grace@example.org',
        password: 'grace has a password',
      }),
    });
    expect(signup.status).toBe(201);

    const root = await tempDir();
    const bin = path.join(root, 'bin');
    await mkdir(bin);
    await writeFile(
      path.join(bin, 'skills'),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(cliRoot, 'bin', 'skills.js')}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    const work = path.join(root, 'work');
    await mkdir(work);
    const env = {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      HOME: root,
      SKILLS_HOME: path.join(root, '.skills'),
      NO_COLOR: '1',
      ADA_PASSWORD: PASSWORD,
    };
    for (const block of blocks) {
      const script = block.replaceAll(EXAMPLE_REGISTRY, registry.url);
      const result = await bash(script, work, env);
      expect(result.code, `${script}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
    }

    const skill = (await (await fetch(`${registry.url}/api/v1/skills/ada-notes`)).json()) as {
      owners: string[];
      versions: Array<{ version: string; yanked: boolean }>;
    };
    expect(skill.owners).toEqual(['ada', 'grace']);
    expect(skill.versions).toEqual([expect.objectContaining({ version: '0.1.0', yanked: false })]);
    expect(await readFile(path.join(work, 'ci-token.txt'), 'utf8')).toMatch(/^skl_[0-9A-Za-z]{38}\n$/);
    // Logged out: no credential left; the password was never written anywhere.
    const config = JSON.parse(await readFile(path.join(root, '.skills', 'config.json'), 'utf8')) as {
      credentials: object;
    };
    expect(config.credentials).toEqual({});
    for (const { file, text } of await filesUnder(root)) expect(text, file).not.toContain(PASSWORD);
  });
});
