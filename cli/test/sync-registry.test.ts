import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';
import { serveStatic } from './static-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  registry = await startTestRegistry({ examples: true });
  await registry.indexed();
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

async function home() {
  const root = await tempDir();
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  const skills = (...argv: string[]) => run(argv, { cwd: root, env });
  return { root, env, skills };
}

describe('skills sync, search and info against the real registry', () => {
  it('syncs the examples, finds them offline and shows their versions', async () => {
    const { skills } = await home();
    expect((await skills('registry', 'add', 'main', registry.url)).code).toBe(0);
    const synced = await skills('sync', '--json');
    expect(synced.stderr).toBe('');
    const body = onlyJson(synced.stdout);
    expect(body).toMatchObject({ ok: true, registries: [{ name: 'main', status: 'updated' }] });
    const found = onlyJson((await skills('search', 'code', 'review', '--json')).stdout);
    expect(found).toMatchObject({ ok: true, registry: 'main' });
    expect((found['results'] as Array<{ name: string }>)[0]!.name).toBe('code-review');

    const info = await skills('info', 'code-review', '--json');
    expect(info.code).toBe(0);
    const shown = onlyJson(info.stdout);
    expect(shown).toMatchObject({ ok: true, name: 'code-review', latest: '1.4.0' });

    const again = await skills('sync', '--json');
    expect(onlyJson(again.stdout)).toMatchObject({ registries: [{ status: 'unchanged' }] });
  });

  it('syncs from a plain static copy of the index that ignores Range', async () => {
    const { root, skills } = await home();
    const copy = path.join(root, 'site');
    await cp(path.join(registry.dataDir, 'index'), copy, {
      recursive: true,
      filter: (src) => !src.includes('.git'),
    });
    const server = await serveStatic(copy, { ranges: false });
    const add = await skills('registry', 'add', 'static', server.url);
    expect(add.code).toBe(0);
    expect((await skills('sync')).code).toBe(0);
    const found = onlyJson((await skills('search', 'sql', '--json')).stdout);
    expect((found['results'] as Array<{ name: string }>).map((r) => r.name)).toContain('sql-review');
    expect(await readdir(copy)).toContain('feed');
  });

  it('gives the same search results over the git transport as over HTTP', async () => {
    const { skills } = await home();
    expect((await skills('registry', 'add', 'http', registry.url)).code).toBe(0);
    const added = await skills('registry', 'add', 'git', `git+${registry.url}/index.git`, '--json');
    expect(onlyJson(added.stdout)).toMatchObject({
      ok: true,
      transport: 'git',
      signing_key: registry.running.key.fingerprint,
    });
    const synced = await skills('sync', '--all', '--json');
    expect(onlyJson(synced.stdout)).toMatchObject({
      registries: [
        { name: 'git', status: 'updated' },
        { name: 'http', status: 'updated' },
      ],
    });
    for (const query of ['review', 'git', 'release checklist', 'sql']) {
      const viaHttp = onlyJson((await skills('search', query, '--registry', 'http', '--json')).stdout);
      const viaGit = onlyJson((await skills('search', query, '--registry', 'git', '--json')).stdout);
      expect(viaGit['results']).toEqual(viaHttp['results']);
      expect((viaGit['results'] as unknown[]).length).toBeGreaterThan(0);
    }
    const info = onlyJson((await skills('info', 'sql-review', '--registry', 'git', '--json')).stdout);
    expect(info).toMatchObject({ ok: true, name: 'sql-review' });
    expect(onlyJson((await skills('sync', '--registry', 'git', '--json')).stdout)).toMatchObject({
      registries: [{ status: 'unchanged' }],
    });
  });
});
