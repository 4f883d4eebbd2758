import { lstat, mkdir, readFile, readlink, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { Publisher } from './publisher.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
let publisher: Publisher;
let fixtures: string;

const LONG_BODY =
  '# Agent demo\n\nRead the change set first, then check every file against the team guide, name each problem with its line, propose a fix, and finish with a short summary of what matters most.\n';

beforeAll(async () => {
  registry = await startTestRegistry({ examples: true });
  fixtures = await tempDir();
  publisher = await Publisher.create(registry, 'agent-author');
  await publisher.publish(fixtures, {
    name: 'agent-demo',
    version: '1.0.0',
    files: { 'SKILL.md': skillMd() },
  });
  await registry.indexed();
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

function skillMd(): string {
  return `---\nname: agent-demo\ndescription: Demonstrates agent targets for the tests of the skills CLI.\n---\n\n${LONG_BODY}`;
}

async function setup() {
  const root = await tempDir();
  const project = path.join(root, 'work', 'app');
  await mkdir(project, { recursive: true });
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  const skills = (...argv: string[]) => run(argv, { cwd: project, env });
  expect((await skills('registry', 'add', 'main', registry.url)).code).toBe(0);
  return { root, project, env, skills };
}

const gone = async (file: string) => (await lstat(file).catch(() => null)) === null;

describe('skills install --agent', () => {
  it('links the skill into the chosen agents’ folders of the project, and exports Roundtable’s YAML', async () => {
    const { project, skills } = await setup();
    const result = await skills(
      'install',
      '--project',
      'code-review',
      '--agent',
      'claude,agents,roundtable',
      '--json',
    );
    expect(result.code, result.stdout).toBe(0);
    const [installed] = onlyJson(result.stdout)['installed'] as {
      name: string;
      version: string;
      dir: string;
    }[];
    for (const folder of ['.claude/skills/code-review', '.agents/skills/code-review']) {
      expect(await realpath(path.join(project, folder))).toBe(await realpath(installed!.dir));
      expect(await readlink(path.join(project, folder))).toMatch(/^\.\.\/\.\.\/\.skills\/code-review\//);
    }
    // Roundtable's own parser (js-yaml) reads what its validator wants.
    const exported = yaml.load(
      await readFile(path.join(project, '.roundtable/skills/code-review.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    expect(exported).toMatchObject({ id: 'code-review', version: installed!.version });
    expect(String(exported['systemPrompt']).split(/\s+/).length).toBeGreaterThanOrEqual(20);
  });

  it('writes nothing for an agent nobody chose', async () => {
    const { project, skills } = await setup();
    expect((await skills('install', '--project', 'code-review', '--agent', 'claude')).code).toBe(0);
    expect(await gone(path.join(project, '.agents'))).toBe(true);
    expect(await gone(path.join(project, '.roundtable'))).toBe(true);
    expect((await skills('install', '--project', 'sql-review')).code).toBe(0);
    expect(await gone(path.join(project, '.claude/skills/sql-review'))).toBe(true);
  });

  it('refreshes the links on update and removes exactly them on uninstall, never a hand-made folder', async () => {
    const { project, skills } = await setup();
    const mine = path.join(project, '.claude/skills/mine');
    await mkdir(mine, { recursive: true });
    await writeFile(path.join(mine, 'SKILL.md'), 'hand-made');
    expect((await skills('install', '--project', 'agent-demo@^1', '--agent', 'claude,roundtable')).code).toBe(
      0,
    );
    expect(await readlink(path.join(project, '.claude/skills/agent-demo'))).toBe(
      '../../.skills/agent-demo/1.0.0',
    );

    await publisher.publish(fixtures, {
      name: 'agent-demo',
      version: '1.1.0',
      files: { 'SKILL.md': skillMd() },
    });
    await registry.indexed();
    const updated = await skills('update', '--json');
    expect(onlyJson(updated.stdout)).toMatchObject({
      ok: true,
      updated: [{ name: 'agent-demo', to: '1.1.0' }],
    });
    expect(await readlink(path.join(project, '.claude/skills/agent-demo'))).toBe(
      '../../.skills/agent-demo/1.1.0',
    );
    expect(await readFile(path.join(project, '.roundtable/skills/agent-demo.yaml'), 'utf8')).toContain(
      'version: "1.1.0"',
    );

    expect((await skills('uninstall', 'agent-demo')).code).toBe(0);
    expect(await gone(path.join(project, '.claude/skills/agent-demo'))).toBe(true);
    expect(await gone(path.join(project, '.roundtable/skills/agent-demo.yaml'))).toBe(true);
    expect(await readFile(path.join(mine, 'SKILL.md'), 'utf8')).toBe('hand-made');
  });

  it('leaves a hand-made folder of the same name alone, with a warning, and still installs', async () => {
    const { project, skills } = await setup();
    const mine = path.join(project, '.agents/skills/code-review');
    await mkdir(mine, { recursive: true });
    const result = await skills('install', '--project', 'code-review', '--agent', 'agents', '--json');
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: true,
      warnings: [
        { code: 'AGENT_TARGET', message: `${mine} exists and was not made by skills: left as it is` },
      ],
    });
    expect((await lstat(mine)).isDirectory()).toBe(true);
  });

  it('skips Roundtable for a skill with too short a prompt, saying why', async () => {
    const { project, skills } = await setup();
    await publisher.publish(fixtures, { name: 'agent-short', version: '1.0.0' });
    await registry.indexed();
    const result = await skills('install', '--project', 'agent-short', '--agent', 'roundtable', '--json');
    const warnings = onlyJson(result.stdout)['warnings'] as { code: string; message: string }[];
    expect(warnings).toEqual([
      { code: 'AGENT_TARGET', message: expect.stringMatching(/not exported to Roundtable: .*at least 20/) },
    ]);
    expect(await gone(path.join(project, '.roundtable/skills/agent-short.yaml'))).toBe(true);
  });

  it('uses the agents setting of config.json, and installs globally under the home directory', async () => {
    const { root, env, skills } = await setup();
    const configFile = path.join(env.SKILLS_HOME, 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(configFile, JSON.stringify({ ...config, agents: ['claude'] }), { mode: 0o600 });
    expect((await skills('install', '-g', 'sql-review')).code).toBe(0);
    expect(await readlink(path.join(root, '.claude/skills/sql-review'))).toMatch(
      /^\.\.\/\.\.\/\.skills\/sql-review\//,
    );
  });

  it('refuses an unknown agent before doing anything', async () => {
    const { project, skills } = await setup();
    const result = await skills('install', '--project', 'code-review', '--agent', 'vim', '--json');
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await gone(path.join(project, '.skills'))).toBe(true);
  });
});
