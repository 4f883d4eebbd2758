import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

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
  expect((await skills('registry', 'add', 'main', registry.url)).code).toBe(0);
  return { root, env, skills, skillsHome: env.SKILLS_HOME };
}

describe('skills install against the real registry', () => {
  it('installs a skill with its dependencies into the global home', async () => {
    const { skills, skillsHome } = await home();
    const result = await skills('install', 'release-checklist', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const body = onlyJson(result.stdout);
    expect(body).toMatchObject({ ok: true, warnings: [] });
    expect(body['installed']).toEqual([
      { name: 'changelog-writer', version: '1.2.4', dir: path.join(skillsHome, 'changelog-writer', '1.2.4') },
      { name: 'conventional-commits', version: '1.3.0', dir: path.join(skillsHome, 'conventional-commits', '1.3.0') },
      { name: 'release-checklist', version: '2.0.1', dir: path.join(skillsHome, 'release-checklist', '2.0.1') },
    ]);
    const index = JSON.parse(await readFile(path.join(skillsHome, 'index.json'), 'utf8'));
    expect(Object.keys(index.skills)).toEqual(['changelog-writer', 'conventional-commits', 'release-checklist']);
    expect(index.skills['changelog-writer'].versions['1.2.4'].requiredBy).toEqual(['release-checklist']);
    expect(index.skills['release-checklist'].versions['2.0.1'].requiredBy).toEqual(['@user']);
    expect(await stat(path.join(skillsHome, 'release-checklist', '2.0.1', '.skills-ok'))).toBeTruthy();

    const listed = onlyJson((await skills('list', '--json')).stdout);
    expect(listed['skills']).toHaveLength(3);
  });
});
