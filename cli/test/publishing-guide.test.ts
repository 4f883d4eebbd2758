import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS, ensureBuilt, EXAMPLE_REGISTRY, reader, shellBlocks } from './guide-runner.js';
import { tempDir } from './helpers.js';
import { filesUnder, GENEROUS_LIMITS, PASSWORD } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

const guide = path.join(DOCS, 'PUBLISHING_GUIDE.md');

let registry: TestRegistryServer;
beforeAll(async () => {
  ensureBuilt();
  registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

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
    const { work, run } = await reader(root, { ADA_PASSWORD: PASSWORD });
    for (const block of blocks) {
      const script = block.replaceAll(EXAMPLE_REGISTRY, registry.url);
      const result = await run(script);
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
