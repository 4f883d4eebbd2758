import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeIndexConfig, type IndexConfig } from '@skills/schema';
import { onlyJson, run, tempDir } from './helpers.js';
import { serveStatic } from './static-server.js';

const KEY_A = 'A'.repeat(40);
const KEY_B = 'B'.repeat(40);

/** A folder holding an index's config.json at `<root>/<under>config.json`. */
async function writeIndexConfig(
  root: string,
  under: string,
  config: Partial<IndexConfig> & { url: string | null },
) {
  const dir = path.join(root, under);
  await mkdir(dir, { recursive: true });
  const full: IndexConfig = {
    format: 1,
    epoch: 'e1',
    name: 'test registry',
    dl: 'https://dl.example.com/{name}/{name}-{version}.tgz',
    sig: null,
    api: null,
    signing_key: KEY_A,
    auth_required: false,
    ...config,
  };
  await writeFile(path.join(dir, 'config.json'), serializeIndexConfig(full));
}

async function setup() {
  const root = await tempDir();
  const home = path.join(root, 'home');
  const env = { NO_COLOR: '1', HOME: home, SKILLS_HOME: path.join(home, '.skills') };
  const skills = (...argv: string[]) => run(argv, { cwd: root, env });
  return { root, home, env, skills, configFile: path.join(home, '.skills', 'config.json') };
}

describe('skills registry', () => {
  it('adds a registry server by its base URL, finding config.json under /index/, and pins its key', async () => {
    const { root, skills, configFile } = await setup();
    const served = path.join(root, 'site');
    const server = await serveStatic(served);
    await writeIndexConfig(served, 'index/', { url: `${server.url}index/`, api: `${server.url}api/v1` });

    const added = await skills('registry', 'add', 'main', server.url.replace(/\/$/, ''), '--json');
    expect(added.code).toBe(0);
    expect(onlyJson(added.stdout)).toEqual({
      ok: true,
      name: 'main',
      location: server.url,
      transport: 'http',
      index: `${server.url}index/`,
      url: `${server.url}index/`,
      api: `${server.url}api/v1`,
      signing_key: KEY_A,
      default: true,
      warnings: [],
    });
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);

    const listed = onlyJson((await skills('registry', 'list', '--json')).stdout);
    expect(listed['registries']).toEqual([
      expect.objectContaining({ name: 'main', signing_key: KEY_A, default: true }),
    ]);
    const text = await skills('registry', 'add', 'main', server.url);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/error: a registry named "main" already exists/);
  });

  it('prints the pinned key for humans and suggests the next command', async () => {
    const { root, skills } = await setup();
    await writeIndexConfig(root, 'idx/', { url: null });
    const added = await skills('registry', 'add', 'local', './idx');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`signing key:  ${KEY_A} (pinned)`);
    expect(added.stdout).toContain('Next: skills sync');
  });

  it('refuses plain http to a host that is not loopback before any request, unless --allow-http', async () => {
    const { skills, configFile } = await setup();
    const refused = await skills('registry', 'add', 'far', 'http://skills.example.com', '--json');
    expect(refused.code).toBe(1);
    expect(onlyJson(refused.stdout)).toMatchObject({ ok: false, error: { code: 'HTTP_INSECURE' } });
    await expect(stat(configFile)).rejects.toThrow();
  });

  it('refuses ssh and other schemes as usage errors', async () => {
    const { skills } = await setup();
    for (const location of ['git@github.com:a/b.git', 'ssh://host/index.git', 'ftp://host/index']) {
      const result = await skills('registry', 'add', 'x', location, '--json');
      expect(result.code, location).toBe(2);
      expect(onlyJson(result.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    }
  });

  it('refuses a bad name, a bad --key, and a location without an index, writing nothing', async () => {
    const { root, skills, configFile } = await setup();
    expect((await skills('registry', 'add', 'Bad_Name', './x')).code).toBe(2);
    expect((await skills('registry', 'add', 'ok', './x', '--key', 'abc')).code).toBe(2);
    const missing = await skills('registry', 'add', 'ok', path.join(root, 'nothing'), '--json');
    expect(onlyJson(missing.stdout)).toMatchObject({ error: { code: 'REGISTRY_NOT_FOUND' } });
    await expect(stat(configFile)).rejects.toThrow();
  });

  it('refuses a --key that config.json contradicts', async () => {
    const { root, skills } = await setup();
    await writeIndexConfig(root, 'idx/', { url: null });
    const result = await skills('registry', 'add', 'local', './idx', '--key', KEY_B, '--json');
    expect(onlyJson(result.stdout)).toMatchObject({ error: { code: 'REGISTRY_KEY_CHANGED' } });
  });

  it('keeps the pinned key across remove and add: a changed key needs --key to be accepted', async () => {
    const { root, skills } = await setup();
    await writeIndexConfig(root, 'idx/', { url: null });
    expect((await skills('registry', 'add', 'local', './idx')).code).toBe(0);
    const removed = await skills('registry', 'remove', 'local');
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain('there is no default registry now');

    await writeIndexConfig(root, 'idx/', { url: null, signing_key: KEY_B });
    const refused = await skills('registry', 'add', 'local', './idx', '--json');
    expect(onlyJson(refused.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'REGISTRY_KEY_CHANGED',
        hint: `if the operator confirms the new key, add the registry again with --key ${KEY_B}`,
      },
    });
    const confirmed = await skills('registry', 'add', 'local', './idx', '--key', KEY_B, '--json');
    expect(onlyJson(confirmed.stdout)).toMatchObject({ ok: true, signing_key: KEY_B });
  });

  it('keeps the pinned API origin: a changed api needs --api', async () => {
    const { root, skills } = await setup();
    await writeIndexConfig(root, 'idx/', { url: null, api: 'https://api.example.com/v1' });
    expect((await skills('registry', 'add', 'r', './idx')).code).toBe(0);
    expect((await skills('registry', 'remove', 'r')).code).toBe(0);
    await writeIndexConfig(root, 'idx/', { url: null, api: 'https://evil.example.com/v1' });
    const refused = await skills('registry', 'add', 'r', './idx', '--json');
    expect(onlyJson(refused.stdout)).toMatchObject({ error: { code: 'REGISTRY_API_CHANGED' } });
    const confirmed = await skills('registry', 'add', 'r', './idx', '--api', 'https://evil.example.com/v1');
    expect(confirmed.code).toBe(0);
  });

  it('warns when the registry does not sign its feed', async () => {
    const { root, skills } = await setup();
    await writeIndexConfig(root, 'idx/', { url: null, signing_key: null });
    const result = onlyJson((await skills('registry', 'add', 'r', './idx', '--json')).stdout);
    expect(result).toMatchObject({ ok: true, signing_key: null, warnings: [{ code: 'REGISTRY_UNSIGNED' }] });
  });

  it('classifies git locations and reads folders by path, file: URL or ~', async () => {
    const { root, home, skills } = await setup();
    await writeIndexConfig(home, 'idx/', { url: null });
    expect(onlyJson((await skills('registry', 'add', 'a', '~/idx', '--json')).stdout)).toMatchObject({
      transport: 'local',
      location: path.join(home, 'idx'),
    });
    await writeIndexConfig(root, 'other/', { url: null });
    expect(
      onlyJson((await skills('registry', 'add', 'b', `file://${path.join(root, 'other')}`, '--json')).stdout),
    ).toMatchObject({ transport: 'local', default: false });
  });

  it('switches the default and refuses unknown names', async () => {
    const { root, skills, configFile } = await setup();
    await writeIndexConfig(root, 'one/', { url: null });
    await writeIndexConfig(root, 'two/', { url: null, signing_key: KEY_B });
    await skills('registry', 'add', 'one', './one');
    await skills('registry', 'add', 'two', './two');
    expect((await skills('registry', 'default', 'two')).code).toBe(0);
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toMatchObject({ defaultRegistry: 'two' });
    const list = await skills('registry', 'list');
    expect(list.stdout).toMatch(/^\* two /m);
    expect(onlyJson((await skills('registry', 'default', 'nope', '--json')).stdout)).toMatchObject({
      error: { code: 'REGISTRY_UNKNOWN' },
    });
    expect(onlyJson((await skills('registry', 'remove', 'nope', '--json')).stdout)).toMatchObject({
      error: { code: 'REGISTRY_UNKNOWN' },
    });
  });

  it('refuses to work over a broken config.json, and never overwrites it', async () => {
    const { root, skills, configFile } = await setup();
    await mkdir(path.dirname(configFile), { recursive: true });
    await writeFile(configFile, '{"version": 2}');
    await writeIndexConfig(root, 'idx/', { url: null });
    const result = await skills('registry', 'add', 'r', './idx', '--json');
    expect(onlyJson(result.stdout)).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    expect(await readFile(configFile, 'utf8')).toBe('{"version": 2}');
  });
});
