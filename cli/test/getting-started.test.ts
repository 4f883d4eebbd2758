import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS, ensureBuilt, EXAMPLE_REGISTRY, reader, shellBlocks } from './guide-runner.js';
import { tempDir } from './helpers.js';
import { GENEROUS_LIMITS, PASSWORD } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  ensureBuilt();
  registry = await startTestRegistry({ examples: true, rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

describe('docs/GETTING_STARTED.md (the newcomer’s path)', () => {
  it('runs as written against a real registry with the built binary: add, sync, search, info, install with dependencies, lock, agents, sign up, keys, publish, update, uninstall', async () => {
    const markdown = await readFile(path.join(DOCS, 'GETTING_STARTED.md'), 'utf8');
    const blocks = shellBlocks(markdown);
    expect(blocks).toHaveLength(9);
    const { work, run } = await reader(await tempDir(), { MY_PASSWORD: PASSWORD });
    const outputs: string[] = [];
    for (const block of blocks) {
      const script = block.replaceAll(EXAMPLE_REGISTRY, registry.url);
      const result = await run(script);
      expect(result.code, `${script}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
    }
    const [, search, install, , , , , update, uninstall = ''] = outputs;
    expect(search).toMatch(/^release-checklist@2\.0\.1\b/m);
    expect(search).toContain('changelog-writer');
    expect(install).toMatch(/installed release-checklist@2\.0\.1/);
    expect(install).toContain('"release-checklist": "^2.0.1"');
    expect(update).toMatch(/updated team-review 0\.1\.0 → 0\.1\.1/);
    expect(uninstall).toMatch(/^removed team-review@0\.1\.1\n/);
    expect(uninstall).toMatch(/^ {2}code-review@1\.4\.0 /m);
    expect(uninstall.split('removed team-review@0.1.1')[1]).not.toContain('team-review');

    const lock = JSON.parse(await readFile(path.join(work, 'skills-lock.json'), 'utf8')) as {
      skills: Record<string, { version: string; signer: string | null }>;
    };
    expect(Object.keys(lock.skills)).toEqual([
      'changelog-writer',
      'code-review',
      'conventional-commits',
      'release-checklist',
    ]);
    for (const locked of Object.values(lock.skills)) expect(locked.signer).toMatch(/^[0-9A-F]{40}$/);
    expect(await readlink(path.join(work, '.claude/skills/code-review'))).toBe(
      '../../.skills/code-review/1.4.0',
    );
  }, 240_000);
});
