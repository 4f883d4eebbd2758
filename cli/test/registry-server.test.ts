import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  registry = await startTestRegistry({ examples: true });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

describe('skills registry add, against the real registry', () => {
  it('finds the index under the server URL and pins the key the server signs its head with', async () => {
    const root = await tempDir();
    const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: `${root}/.skills` };
    const added = await run(['registry', 'add', 'local', registry.url, '--json'], { cwd: root, env });
    expect(onlyJson(added.stdout)).toMatchObject({
      ok: true,
      transport: 'http',
      index: `${registry.url}/index/`,
      api: `${registry.url}/api/v1`,
      signing_key: registry.running.key.fingerprint,
    });
  });
});
