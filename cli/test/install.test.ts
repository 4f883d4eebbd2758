import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFeed, initIndex } from '@skills/index-builder';
import { buildFeedLine, formatTimestamp, GENESIS_HASH, shardPrefix, type IndexLine } from '@skills/schema';
import { onlyJson, run, tempDir, writeSkill } from './helpers.js';
import { detachedSignature, newKey, packFixture, Publisher } from './publisher.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';
import { serveStatic } from './static-server.js';

let registry: TestRegistryServer;
let publisher: Publisher;
let fixtures: string;
beforeAll(async () => {
  registry = await startTestRegistry({
    examples: true,
    rateLimits: JSON.stringify({
      newName: { burst: 200, perMinute: 60 },
      keyRegistration: { burst: 50, perMinute: 60 },
    }),
  });
  fixtures = await tempDir();
  publisher = await Publisher.create(registry, 'alice');
  await registry.indexed();
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

interface Home {
  root: string;
  env: Record<string, string>;
  skillsHome: string;
  skills: (...argv: string[]) => ReturnType<typeof run>;
  /** Runs in another working directory. */
  skillsIn: (cwd: string, ...argv: string[]) => ReturnType<typeof run>;
}

async function home(): Promise<Home> {
  const root = await tempDir();
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  const skillsIn = (cwd: string, ...argv: string[]) => run(argv, { cwd, env });
  const skills = (...argv: string[]) => skillsIn(root, ...argv);
  expect((await skills('registry', 'add', 'main', registry.url)).code).toBe(0);
  return { root, env, skillsHome: env.SKILLS_HOME, skills, skillsIn };
}

async function publish(name: string, version: string, dependencies?: Record<string, string>, by = publisher) {
  const result = await by.publish(fixtures, { name, version, ...(dependencies ? { dependencies } : {}) });
  await registry.indexed();
  return result;
}

/** Parsed JSON, as loosely typed as JSON.parse's: the assertions check it. */
async function readJson(file: string) {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function failure(result: { code: number; stdout: string }): { code: string; message: string; hint: string } {
  expect(result.code).toBe(1);
  const body = onlyJson(result.stdout);
  expect(body['ok']).toBe(false);
  return body['error'] as { code: string; message: string; hint: string };
}

/** The registry's public download file of a version (a hard link to its blob: replace it, never edit it). */
function downloadPath(name: string, version: string): string {
  return path.join(registry.dataDir, 'dl', ...shardPrefix(name).split('/'), name, `${name}-${version}.tgz`);
}

async function replaceFile(file: string, bytes: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.new`, bytes);
  await rename(`${file}.new`, file);
}

/** Skill folders in a tree (names that are not the home's own files). */
async function installedFolders(tree: string): Promise<string[]> {
  const entries = await readdir(tree).catch(() => [] as string[]);
  return entries.filter((entry) => /^[a-z0-9-]+$/.test(entry) && entry !== 'state').sort();
}

describe('skills install: the newcomer path', () => {
  it('installs a skill with its dependencies, lists, updates and uninstalls them', async () => {
    const { skills, skillsHome } = await home();
    const result = await skills('install', 'release-checklist', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const body = onlyJson(result.stdout);
    expect(body).toMatchObject({ ok: true, scope: 'global', warnings: [] });
    expect(body['installed']).toEqual([
      { name: 'changelog-writer', version: '1.2.4', dir: path.join(skillsHome, 'changelog-writer', '1.2.4') },
      {
        name: 'conventional-commits',
        version: '1.3.0',
        dir: path.join(skillsHome, 'conventional-commits', '1.3.0'),
      },
      {
        name: 'release-checklist',
        version: '2.0.1',
        dir: path.join(skillsHome, 'release-checklist', '2.0.1'),
      },
    ]);

    const index = await readJson(path.join(skillsHome, 'index.json'));
    expect(Object.keys(index['skills'])).toEqual([
      'changelog-writer',
      'conventional-commits',
      'release-checklist',
    ]);
    const checklist = index['skills']['release-checklist'];
    expect(checklist.active).toBe('2.0.1');
    const record = checklist.versions['2.0.1'];
    expect(Object.keys(record)).toEqual(['registry', 'sha256', 'files', 'signer', 'requiredBy']);
    expect(record).toMatchObject({
      registry: `${registry.url}/index/`,
      signer: expect.stringMatching(/^[0-9A-F]{40}$/),
      requiredBy: ['@user'],
    });
    const skillMd = await readFile(path.join(skillsHome, 'release-checklist', '2.0.1', 'SKILL.md'));
    expect(record.files['SKILL.md']).toBe(createHash('sha256').update(skillMd).digest('hex'));
    expect(index['skills']['changelog-writer'].versions['1.2.4'].requiredBy).toEqual(['release-checklist']);
    expect(
      JSON.parse(await readFile(path.join(skillsHome, 'release-checklist', '2.0.1', '.skills-ok'), 'utf8')),
    ).toEqual({
      name: 'release-checklist',
      version: '2.0.1',
      sha256: record.sha256,
    });

    const listed = onlyJson((await skills('list', '--json')).stdout);
    expect(listed['skills']).toEqual([
      {
        name: 'changelog-writer',
        version: '1.2.4',
        scope: 'global',
        dir: path.join(skillsHome, 'changelog-writer', '1.2.4'),
      },
      {
        name: 'conventional-commits',
        version: '1.3.0',
        scope: 'global',
        dir: path.join(skillsHome, 'conventional-commits', '1.3.0'),
      },
      {
        name: 'release-checklist',
        version: '2.0.1',
        scope: 'global',
        dir: path.join(skillsHome, 'release-checklist', '2.0.1'),
      },
    ]);
    const human = await skills('list');
    expect(human.stdout).toContain('release-checklist@2.0.1');

    const again = onlyJson((await skills('install', 'release-checklist', '--json')).stdout);
    expect(again['installed']).toEqual([body['installed'] && (body['installed'] as unknown[])[2]]);

    const updated = onlyJson((await skills('update', '--json')).stdout);
    expect(updated).toMatchObject({ ok: true, updated: [] });
    expect((await skills('verify')).code).toBe(0);

    const removed = onlyJson((await skills('uninstall', 'release-checklist', '--json')).stdout);
    expect((removed['removed'] as Array<{ name: string }>).map((one) => one.name)).toEqual([
      'changelog-writer',
      'conventional-commits',
      'release-checklist',
    ]);
    expect(await readJson(path.join(skillsHome, 'index.json'))).toEqual({ version: 1, skills: {} });
    expect(await installedFolders(skillsHome)).toEqual([]);
  });

  it('prints what it installed for people, with progress on stderr', async () => {
    const { skills, skillsHome } = await home();
    const result = await skills('install', 'code-review');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `installed code-review@1.4.0  ${path.join(skillsHome, 'code-review', '1.4.0')}`,
    );
    expect(result.stderr).toContain('fetching code-review@1.4.0');
  });
});

describe('skills install refuses what does not check out, and installs nothing', () => {
  it('fails with CHECKSUM_MISMATCH when the tarball changed on the server’s disk', async () => {
    await publish('tampered-tarball', '1.0.0');
    const other = await packFixture(fixtures, {
      name: 'tampered-tarball',
      version: '1.0.0',
      files: { 'docs/x.md': 'evil\n' },
    });
    await replaceFile(downloadPath('tampered-tarball', '1.0.0'), other.bytes);

    const { skills, skillsHome } = await home();
    const error = failure(await skills('install', 'tampered-tarball', '--json'));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain('tampered-tarball@1.0.0');
    expect(await exists(path.join(skillsHome, 'index.json'))).toBe(false);
    expect(await installedFolders(skillsHome)).toEqual([]);
    expect(await readdir(path.join(skillsHome, '.cache', 'tarballs')).catch(() => [])).toEqual([]);

    // A tarball of another size is refused as well, before it is buffered past the line's size.
    await replaceFile(
      downloadPath('tampered-tarball', '1.0.0'),
      Buffer.concat([other.bytes, Buffer.alloc(4096)]),
    );
    expect(failure(await skills('install', 'tampered-tarball', '--json')).code).toBe('CHECKSUM_MISMATCH');
  });

  it('fails with SIGNATURE_INVALID when the signature was made by another key', async () => {
    const published = await publish('foreign-signature', '1.0.0');
    const stranger = await newKey('Mallory');
    await replaceFile(
      `${downloadPath('foreign-signature', '1.0.0')}.asc`,
      await detachedSignature(stranger.key, published.bytes),
    );

    const { skills, skillsHome } = await home();
    const error = failure(await skills('install', 'foreign-signature', '--json'));
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(await exists(path.join(skillsHome, 'index.json'))).toBe(false);
    expect(await installedFolders(skillsHome)).toEqual([]);
  });

  it('installs nothing of a graph when one of its packages fails', async () => {
    await publish('good-leaf', '1.0.0');
    await publish('bad-leaf', '1.0.0');
    await publish('two-leaves', '1.0.0', { 'good-leaf': '^1.0.0', 'bad-leaf': '^1.0.0' });
    const other = await packFixture(fixtures, {
      name: 'bad-leaf',
      version: '1.0.0',
      files: { 'docs/y.md': 'changed\n' },
    });
    await replaceFile(downloadPath('bad-leaf', '1.0.0'), other.bytes);

    const { skills, skillsHome } = await home();
    expect(failure(await skills('install', 'two-leaves', '--json')).code).toBe('CHECKSUM_MISMATCH');
    expect(await installedFolders(skillsHome)).toEqual([]);
  });
});

describe('skills install and yanked versions', () => {
  it('does not choose a yanked version for a range, but installs it when pinned exactly, with a warning', async () => {
    await publish('yank-me', '1.0.0');
    await publish('yank-me', '1.1.0');
    await publisher.yank('yank-me', '1.1.0', 'broken templates');
    await registry.indexed();

    const first = await home();
    const ranged = onlyJson((await first.skills('install', 'yank-me@^1.0.0', '--json')).stdout);
    expect(ranged).toMatchObject({
      ok: true,
      installed: [{ name: 'yank-me', version: '1.0.0' }],
      warnings: [],
    });

    const second = await home();
    const bare = onlyJson((await second.skills('install', 'yank-me', '--json')).stdout);
    expect(bare).toMatchObject({ installed: [{ version: '1.0.0' }] });

    const third = await home();
    const pinned = onlyJson((await third.skills('install', 'yank-me@1.1.0', '--json')).stdout);
    expect(pinned).toMatchObject({
      ok: true,
      installed: [{ name: 'yank-me', version: '1.1.0' }],
      warnings: [{ code: 'SKILL_YANKED', message: expect.stringContaining('broken templates') }],
    });

    const none = await home();
    const error = failure(await none.skills('install', 'yank-me@^1.1.0', '--json'));
    expect(error.code).toBe('VERSION_NOT_FOUND');
    expect(error.hint).toContain('yank-me@1.1.0');
  });
});

describe('skills install and the signer recorded on first install', () => {
  it('refuses a later version signed by another key with SIGNER_CHANGED, and accepts it with --trust-signer', async () => {
    const bob = await Publisher.create(registry, 'bob');
    const firstKey = bob.key.fingerprint;
    await publish('signed-skill', '1.0.0', undefined, bob);
    const { skills, skillsHome } = await home();
    expect((await skills('install', 'signed-skill', '--json')).code).toBe(0);

    const secondKey = await newKey('Bob, new key');
    await bob.registerKey(secondKey);
    await publish('signed-skill', '1.1.0', undefined, bob);

    const error = failure(await skills('update', 'signed-skill', '--json'));
    expect(error.code).toBe('SIGNER_CHANGED');
    expect(error.message).toContain(firstKey);
    expect(error.message).toContain(secondKey.fingerprint);
    expect(error.hint).toContain(`--trust-signer ${secondKey.fingerprint}`);
    expect((await readJson(path.join(skillsHome, 'index.json')))['skills']['signed-skill'].active).toBe(
      '1.0.0',
    );

    const wrong = failure(await skills('update', 'signed-skill', '--trust-signer', firstKey, '--json'));
    expect(wrong.code).toBe('SIGNER_CHANGED');

    const accepted = onlyJson(
      (await skills('update', 'signed-skill', '--trust-signer', secondKey.fingerprint, '--json')).stdout,
    );
    expect(accepted).toMatchObject({
      ok: true,
      updated: [{ name: 'signed-skill', from: '1.0.0', to: '1.1.0' }],
    });

    // The new key is recorded now: its next version needs no flag.
    await publish('signed-skill', '1.2.0', undefined, bob);
    expect(onlyJson((await skills('update', '--json')).stdout)).toMatchObject({
      updated: [{ name: 'signed-skill', to: '1.2.0' }],
    });
  });
});

describe('skills install: scope', () => {
  it('stays global when run from a folder under $HOME with the default ~/.skills, even with ~/skills.json', async () => {
    const root = await tempDir();
    const env = { NO_COLOR: '1', HOME: root };
    const work = path.join(root, 'work', 'deep');
    await mkdir(work, { recursive: true });
    await writeFile(path.join(root, 'skills.json'), '{"version":1,"skills":{}}\n');
    await mkdir(path.join(root, 'work', '.skills'));
    expect((await run(['registry', 'add', 'main', registry.url], { cwd: work, env })).code).toBe(0);
    const result = onlyJson((await run(['install', 'sql-review', '--json'], { cwd: work, env })).stdout);
    expect(result).toMatchObject({
      ok: true,
      scope: 'global',
      installed: [{ name: 'sql-review', dir: path.join(root, '.skills', 'sql-review', '1.0.2') }],
    });
    expect(await readdir(path.join(root, 'work', '.skills'))).toEqual([]);
    expect(await readFile(path.join(root, 'skills.json'), 'utf8')).toBe('{"version":1,"skills":{}}\n');
  });
});

describe('skills install in a project', () => {
  it('writes skills.json and the lock, and reinstalls exactly the lock after .skills/ is deleted', async () => {
    const { root, skillsIn } = await home();
    const project = path.join(root, 'project');
    await mkdir(project);
    const installed = await skillsIn(
      project,
      'install',
      '--project',
      'release-checklist',
      'code-review@^1.0.0',
      '--json',
    );
    expect(onlyJson(installed.stdout)).toMatchObject({ ok: true, scope: 'project' });
    expect(await readFile(path.join(project, 'skills.json'), 'utf8')).toBe(
      '{\n  "version": 1,\n  "skills": {\n    "code-review": "^1.0.0",\n    "release-checklist": "^2.0.1"\n  }\n}\n',
    );
    const lockText = await readFile(path.join(project, 'skills-lock.json'), 'utf8');
    const lock = JSON.parse(lockText);
    expect(lockText.endsWith('}\n')).toBe(true);
    expect(lockText).toBe(`${JSON.stringify(lock, null, 2)}\n`);
    expect(Object.keys(lock)).toEqual(['lockfileVersion', 'skills']);
    expect(Object.keys(lock.skills)).toEqual([
      'changelog-writer',
      'code-review',
      'conventional-commits',
      'release-checklist',
    ]);
    expect(lock.skills['release-checklist']).toEqual({
      version: '2.0.1',
      registry: `${registry.url}/index/`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      signer: expect.stringMatching(/^[0-9A-F]{40}$/),
      deps: { 'changelog-writer': '~1.2.0', 'conventional-commits': '^1.0.0' },
    });
    const indexBefore = await readJson(path.join(project, '.skills', 'index.json'));

    // Run from a subfolder: the project is found above it.
    const sub = path.join(project, 'src', 'deep');
    await mkdir(sub, { recursive: true });
    await rm(path.join(project, '.skills'), { recursive: true });
    const again = onlyJson((await skillsIn(sub, 'install', '--json')).stdout);
    expect(again).toMatchObject({ ok: true, scope: 'project' });
    expect((again['installed'] as unknown[]).length).toBe(4);
    expect(await readFile(path.join(project, 'skills-lock.json'), 'utf8')).toBe(lockText);
    expect(await readJson(path.join(project, '.skills', 'index.json'))).toEqual(indexBefore);

    const listed = onlyJson((await skillsIn(sub, 'list', '--json')).stdout);
    expect((listed['skills'] as Array<{ scope: string }>).every((one) => one.scope === 'project')).toBe(true);

    // --frozen with a lock that satisfies skills.json: installs and writes nothing.
    expect((await skillsIn(project, 'install', '--frozen', '--json')).code).toBe(0);

    // skills.json asks for more than the lock has: --frozen fails, writes nothing.
    await writeFile(
      path.join(project, 'skills.json'),
      '{"version":1,"skills":{"code-review":"^1.0.0","release-checklist":"^2.0.1","sql-review":"^1.0.0"}}\n',
    );
    const frozen = failure(await skillsIn(project, 'install', '--frozen', '--json'));
    expect(frozen.code).toBe('LOCK_OUTDATED');
    expect(frozen.message).toContain('sql-review');
    expect(await readFile(path.join(project, 'skills-lock.json'), 'utf8')).toBe(lockText);
    expect(await readJson(path.join(project, '.skills', 'index.json'))).toEqual(indexBefore);

    // A range the locked version does not satisfy fails too.
    await writeFile(
      path.join(project, 'skills.json'),
      '{"version":1,"skills":{"code-review":"^2.0.0","release-checklist":"^2.0.1"}}\n',
    );
    expect(failure(await skillsIn(project, 'install', '--frozen', '--json')).code).toBe('LOCK_OUTDATED');

    // Without --frozen the lock is brought up to date.
    await writeFile(
      path.join(project, 'skills.json'),
      '{"version":1,"skills":{"code-review":"^1.0.0","release-checklist":"^2.0.1","sql-review":"^1.0.0"}}\n',
    );
    const grown = onlyJson((await skillsIn(project, 'install', '--json')).stdout);
    expect(grown['installed']).toEqual([
      expect.objectContaining({
        name: 'sql-review',
        dir: path.join(project, '.skills', 'sql-review', '1.0.2'),
      }),
    ]);
    const newLock = await readJson(path.join(project, 'skills-lock.json'));
    expect(Object.keys(newLock['skills'])).toContain('sql-review');
    expect(newLock['skills']['release-checklist']).toEqual(lock.skills['release-checklist']);
  });

  it('fails --frozen without a lock, and refuses -g with --project', async () => {
    const { root, skillsIn } = await home();
    await writeFile(path.join(root, 'skills.json'), '{"version":1,"skills":{"code-review":"^1.0.0"}}\n');
    const project = path.join(root, 'p');
    await mkdir(project);
    await writeFile(path.join(project, 'skills.json'), '{"version":1,"skills":{"code-review":"^1.0.0"}}\n');
    expect(failure(await skillsIn(project, 'install', '--frozen', '--json')).code).toBe('LOCK_OUTDATED');
    expect(await exists(path.join(project, 'skills-lock.json'))).toBe(false);
    expect((await skillsIn(project, 'install', '-g', '--project', 'x', '--json')).code).toBe(2);
    expect((await skillsIn(project, 'install', '--frozen', 'code-review', '--json')).code).toBe(2);
  });

  it('refuses a damaged skills.json or lock without changing anything', async () => {
    const { root, skillsIn } = await home();
    await mkdir(path.join(root, 'p'));
    const project = path.join(root, 'p');
    await writeFile(path.join(project, 'skills.json'), '{"version":1,"skills":{"../evil":"^1.0.0"}}\n');
    expect(failure(await skillsIn(project, 'install', '--json')).code).toBe('SKILLS_JSON_INVALID');
    await writeFile(path.join(project, 'skills.json'), '{"version":1,"skills":{"code-review":"^1.0.0"}}\n');
    await writeFile(
      path.join(project, 'skills-lock.json'),
      '{"lockfileVersion":1,"skills":{"code-review":{}}}\n',
    );
    expect(failure(await skillsIn(project, 'install', '--json')).code).toBe('LOCK_INVALID');
    expect(await exists(path.join(project, '.skills', 'index.json'))).toBe(false);
  });
});

describe('skills uninstall', () => {
  it('refuses to remove a skill other installed skills need, unless --force, and removes orphans', async () => {
    const { skills, skillsHome } = await home();
    expect((await skills('install', 'release-checklist', 'conventional-commits', '--json')).code).toBe(0);
    const refused = failure(await skills('uninstall', 'changelog-writer', '--json'));
    expect(refused).toMatchObject({
      code: 'SKILL_REQUIRED',
      message: 'release-checklist depends on changelog-writer',
    });
    expect((await readJson(path.join(skillsHome, 'index.json')))['skills']).toHaveProperty(
      'changelog-writer',
    );

    // conventional-commits was asked for by name: it stays when release-checklist goes.
    const removed = onlyJson((await skills('uninstall', 'release-checklist', '--json')).stdout);
    expect((removed['removed'] as Array<{ name: string }>).map((one) => one.name)).toEqual([
      'changelog-writer',
      'release-checklist',
    ]);
    expect(Object.keys((await readJson(path.join(skillsHome, 'index.json')))['skills'])).toEqual([
      'conventional-commits',
    ]);
    expect(await installedFolders(skillsHome)).toEqual(['conventional-commits']);

    expect((await skills('install', 'release-checklist')).code).toBe(0);
    const forced = onlyJson((await skills('uninstall', 'changelog-writer', '--force', '--json')).stdout);
    expect(forced['removed']).toEqual([expect.objectContaining({ name: 'changelog-writer' })]);
    expect(failure(await skills('uninstall', 'changelog-writer', '--json')).code).toBe('SKILL_NOT_INSTALLED');
    expect((await skills('uninstall', 'Bad/Name', '--json')).code).toBe(2);
  });

  it('drops the skill from skills.json and the lock in a project', async () => {
    const { root, skillsIn } = await home();
    const project = path.join(root, 'p');
    await mkdir(project);
    expect((await skillsIn(project, 'install', '--project', 'release-checklist', 'sql-review')).code).toBe(0);
    expect((await skillsIn(project, 'uninstall', 'release-checklist')).code).toBe(0);
    expect((await readJson(path.join(project, 'skills.json')))['skills']).toEqual({ 'sql-review': '^1.0.2' });
    expect(Object.keys((await readJson(path.join(project, 'skills-lock.json')))['skills'])).toEqual([
      'sql-review',
    ]);
  });
});

describe('skills update', () => {
  it('updates within the ranges, and past them with --latest, rewriting skills.json', async () => {
    await publish('moving-skill', '1.0.0');
    const { root, skillsIn } = await home();
    const project = path.join(root, 'p');
    await mkdir(project);
    expect((await skillsIn(project, 'install', '--project', 'moving-skill@^1.0.0')).code).toBe(0);
    await publish('moving-skill', '1.1.0');
    await publish('moving-skill', '2.0.0');

    const within = onlyJson((await skillsIn(project, 'update', '--json')).stdout);
    expect(within).toMatchObject({
      ok: true,
      updated: [{ name: 'moving-skill', from: '1.0.0', to: '1.1.0' }],
    });
    expect((await readJson(path.join(project, 'skills.json')))['skills']).toEqual({
      'moving-skill': '^1.0.0',
    });
    expect((await readJson(path.join(project, 'skills-lock.json')))['skills']['moving-skill'].version).toBe(
      '1.1.0',
    );
    expect(await exists(path.join(project, '.skills', 'moving-skill', '1.0.0'))).toBe(false);

    const latest = onlyJson((await skillsIn(project, 'update', 'moving-skill', '--latest', '--json')).stdout);
    expect(latest).toMatchObject({ updated: [{ name: 'moving-skill', from: '1.1.0', to: '2.0.0' }] });
    expect((await readJson(path.join(project, 'skills.json')))['skills']).toEqual({
      'moving-skill': '^2.0.0',
    });

    expect(failure(await skillsIn(project, 'update', 'not-here', '--json')).code).toBe('SKILL_NOT_INSTALLED');
  });

  it('updates a global skill within ^installed, and with --latest past it', async () => {
    await publish('global-mover', '1.0.0');
    const { skills } = await home();
    expect((await skills('install', 'global-mover')).code).toBe(0);
    await publish('global-mover', '1.0.1');
    await publish('global-mover', '3.0.0');
    expect(onlyJson((await skills('update', '--json')).stdout)).toMatchObject({ updated: [{ to: '1.0.1' }] });
    expect(onlyJson((await skills('update', '--latest', '--json')).stdout)).toMatchObject({
      updated: [{ to: '3.0.0' }],
    });
  });
});

describe('skills verify', () => {
  it('finds changed, extra and missing files and missing markers, and exits 1', async () => {
    const { skills, skillsHome } = await home();
    expect((await skills('install', 'code-review', 'sql-review')).code).toBe(0);
    expect(onlyJson((await skills('verify', '--json')).stdout)).toMatchObject({ ok: true });

    const dir = path.join(skillsHome, 'code-review', '1.4.0');
    await writeFile(path.join(dir, 'SKILL.md'), 'changed\n');
    await writeFile(path.join(dir, 'notes.txt'), 'mine\n');
    await rm(path.join(skillsHome, 'sql-review', '1.0.2', '.skills-ok'));
    const result = await skills('verify', '--json');
    expect(result.code).toBe(1);
    const body = onlyJson(result.stdout);
    expect(body).toMatchObject({ ok: false, error: { code: 'VERIFY_FAILED' } });
    expect(
      (body['issues'] as Array<{ code: string; path: string }>).map((issue) => [
        issue.code,
        path.basename(issue.path),
      ]),
    ).toEqual([
      ['SKILL_DIGEST_MISMATCH', 'SKILL.md'],
      ['SKILL_FILE_UNRECORDED', 'notes.txt'],
      ['SKILL_MARKER_MISSING', '.skills-ok'],
    ]);
    const human = await skills('verify');
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('SKILL.md of code-review@1.4.0 has sha256');
    expect(human.stderr).toContain('error: 3 problems in the installed skills');
  });
});

describe('skills install of local packages', () => {
  it('installs a folder and a .tgz, resolving their dependencies in the default registry', async () => {
    const { root, skills, skillsHome } = await home();
    const dir = await writeSkill(path.join(root, 'src'), 'local-folder', {
      'skill.yaml': "name: local-folder\nversion: '0.1.0'\ndependencies:\n  sql-review: '^1.0.0'\n",
    });
    const packed = await packFixture(root, { name: 'local-tarball', version: '2.0.0' });
    const tgz = path.join(root, 'local-tarball-2.0.0.tgz');
    await writeFile(tgz, packed.bytes);
    const result = onlyJson((await skills('install', dir, './local-tarball-2.0.0.tgz', '--json')).stdout);
    expect((result['installed'] as Array<{ name: string }>).map((one) => one.name)).toEqual([
      'local-folder',
      'local-tarball',
      'sql-review',
    ]);
    const index = await readJson(path.join(skillsHome, 'index.json'));
    expect(index['skills']['local-folder'].versions['0.1.0']).toMatchObject({
      registry: `file:${dir}`,
      signer: null,
    });
    expect(index['skills']['local-tarball'].versions['2.0.0']).toMatchObject({
      registry: `file:${tgz}`,
      sha256: packed.sha256,
    });
    expect(index['skills']['sql-review'].versions['1.0.2'].requiredBy).toEqual(['local-folder']);

    const broken = await writeSkill(path.join(root, 'broken'), 'broken-skill', { 'docs/README.md': null });
    expect(failure(await skills('install', broken, '--json')).code).toBe('PACKAGE_INVALID');
    expect((await skills('install', './missing-1.0.0.tgz', '--json')).code).toBe(2);
  });

  it('records a folder as file:<relative path> in a project and repacks it from there', async () => {
    const { root, skillsIn } = await home();
    const project = path.join(root, 'p');
    await mkdir(project);
    await writeSkill(path.join(project, 'vendor'), 'in-tree');
    expect((await skillsIn(project, 'install', '--project', './vendor/in-tree')).code).toBe(0);
    expect((await readJson(path.join(project, 'skills.json')))['skills']).toEqual({
      'in-tree': 'file:vendor/in-tree',
    });
    const lock = await readJson(path.join(project, 'skills-lock.json'));
    expect(lock['skills']['in-tree']).toMatchObject({
      registry: 'file:vendor/in-tree',
      signer: null,
      version: '1.2.3',
    });

    await writeFile(path.join(project, 'vendor', 'in-tree', 'docs', 'more.md'), 'more\n');
    expect(failure(await skillsIn(project, 'install', '--frozen', '--json')).code).toBe('LOCK_OUTDATED');
    const changed = onlyJson((await skillsIn(project, 'install', '--json')).stdout);
    expect(changed).toMatchObject({ warnings: [{ code: 'LOCAL_SOURCE_CHANGED' }] });
    expect((await readJson(path.join(project, 'skills-lock.json')))['skills']['in-tree'].sha256).not.toBe(
      lock['skills']['in-tree'].sha256,
    );
  });
});

describe('skills install: resolution errors name both chains', () => {
  it('reports a conflict between two dependency chains', async () => {
    await publish('shared-dep', '1.0.0');
    await publish('shared-dep', '2.0.0');
    await publish('wants-old', '1.0.0', { 'shared-dep': '^1.0.0' });
    await publish('wants-new', '1.0.0', { 'shared-dep': '^2.0.0' });
    const { skills, skillsHome } = await home();
    const error = failure(await skills('install', 'wants-old', 'wants-new', '--json'));
    expect(error.code).toBe('RESOLVE_CONFLICT');
    expect(error.message).toContain('the command line → wants-new@1.0.0 → shared-dep@^2.0.0');
    expect(error.message).toContain('the command line → wants-old@1.0.0 → shared-dep@^1.0.0');
    expect(await installedFolders(skillsHome)).toEqual([]);
  });

  it('reports unknown skills and versions', async () => {
    const { skills } = await home();
    expect(failure(await skills('install', 'no-such-skill', '--json')).code).toBe('SKILL_NOT_FOUND');
    expect(failure(await skills('install', 'code-review@^9.0.0', '--json')).code).toBe('VERSION_NOT_FOUND');
    expect((await skills('install', 'code-review@not-a-range', '--json')).code).toBe(2);
    expect((await skills('install', '--json')).code).toBe(2);
  });
});

describe('skills install checks the tarball against its index line', () => {
  it('fails with INDEX_MISMATCH when the line’s dependencies differ from the tarball’s skill.yaml', async () => {
    // A hand-made index, served by a plain static server: the line says no dependencies, the
    // tarball's skill.yaml declares one.
    const site = await tempDir();
    const server = await serveStatic(site);
    const key = await newKey('Crafter');
    await initIndex(path.join(site, 'index'), {
      config: {
        name: 'crafted',
        url: `${server.url}index/`,
        dl: `${server.url}dl/{name}-{version}.tgz`,
        sig: null,
        api: null,
        signing_key: null,
        auth_required: false,
      },
      keys: { [key.fingerprint]: key.armoredPublic },
    });
    const packed = await packFixture(site, {
      name: 'crafted-skill',
      version: '1.0.0',
      dependencies: { 'sql-review': '^1.0.0' },
    });
    const line: IndexLine = {
      v: 1,
      name: 'crafted-skill',
      version: '1.0.0',
      deps: {},
      sha256: packed.sha256,
      size: packed.bytes.length,
      description: 'A skill whose index line lies about its dependencies.',
      keywords: [],
      license: 'MIT',
      yanked: false,
      yank_reason: null,
      published: formatTimestamp(new Date()),
      signer: key.fingerprint,
    };
    const built = buildFeedLine({
      seq: 1,
      op: 'publish',
      name: line.name,
      version: line.version,
      before: [],
      after: [line],
      prev: GENESIS_HASH,
    });
    await appendFeed(path.join(site, 'index'), { lines: [built.bytes] });
    await mkdir(path.join(site, 'dl'));
    await writeFile(path.join(site, 'dl', 'crafted-skill-1.0.0.tgz'), packed.bytes);
    await writeFile(
      path.join(site, 'dl', 'crafted-skill-1.0.0.tgz.asc'),
      await detachedSignature(key.key, packed.bytes),
    );

    const { skills, skillsHome } = await home();
    expect((await skills('registry', 'add', 'crafted', `${server.url}index/`)).code).toBe(0);
    const error = failure(await skills('install', 'crafted-skill', '--registry', 'crafted', '--json'));
    expect(error.code).toBe('INDEX_MISMATCH');
    expect(error.message).toContain('its dependencies are {sql-review: ^1.0.0}, the index says {}');
    expect(await installedFolders(skillsHome)).toEqual([]);
    expect(await exists(path.join(skillsHome, 'index.json'))).toBe(false);
  });
});

/** The registry's index copied under `root` and served by a plain static server (its dl/ stays on the registry). */
async function staticMirror(root: string) {
  const copy = path.join(root, 'site');
  await cp(path.join(registry.dataDir, 'index'), copy, {
    recursive: true,
    filter: (src) => !src.includes('.git'),
  });
  return { copy, server: await serveStatic(copy) };
}

describe('skills install reads what packages share once', () => {
  it('fetches a signer key once for all the packages it signed', async () => {
    const { root, skills } = await home();
    const { copy, server } = await staticMirror(root);
    try {
      expect((await skills('registry', 'add', 'mirror', server.url, '--default')).code).toBe(0);
      const signingKey = JSON.parse(await readFile(path.join(copy, 'config.json'), 'utf8')).signing_key;
      server.requests.length = 0;
      const installed = onlyJson((await skills('install', 'release-checklist', '--json')).stdout);
      expect(installed.installed).toHaveLength(3);
      const keyReads = server.requests
        .map((req) => req.url ?? '')
        .filter((url) => url.includes('/keys/') && !url.includes(signingKey));
      expect(keyReads).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe('skills install offline', () => {
  it('installs from the cache with the last synced index when the registry cannot be reached', async () => {
    const { root, skills } = await home();
    const { server } = await staticMirror(root);
    expect((await skills('registry', 'add', 'mirror', server.url, '--default')).code).toBe(0);
    expect((await skills('install', 'code-review', '--json')).code).toBe(0);
    expect((await skills('uninstall', 'code-review')).code).toBe(0);
    await server.close();

    const offline = onlyJson((await skills('install', 'code-review', '--json')).stdout);
    expect(offline).toMatchObject({
      ok: true,
      installed: [{ name: 'code-review', version: '1.4.0' }],
      warnings: [{ code: 'REGISTRY_UNREACHABLE' }],
    });
  });
});
