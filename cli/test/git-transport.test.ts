import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';
import { filesUnder, IndexBuild, Site, testKey } from './index-fixture.js';
import { git, HAS_GIT, serveGit } from './git-server.js';

const KEY = testKey();

/** An index repository (index-builder's), served over smart HTTP, and a home that added it. */
async function setup() {
  const site = await Site.start();
  const build = await IndexBuild.create(site, { key: await KEY });
  await build.publish('pdf-tools', 'csv-tools', 'code-review').commit();
  const server = await serveGit(path.dirname(build.dir));
  const root = await tempDir();
  const home = path.join(root, '.skills');
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: home };
  const json = async (...argv: string[]) => {
    const result = await run([...argv, '--json'], { cwd: root, env });
    return { ...result, body: onlyJson(result.stdout) };
  };
  // index-builder keeps no staging index: make git's match the commit before committing by hand.
  git(build.dir, 'reset', '-q');
  return { build, server, home, json, url: `git+${server.url}index` };
}

describe.skipIf(!HAS_GIT)('the git transport', () => {
  it('syncs, searches and shows info from a git index, fetching nothing when the tip is unchanged', async () => {
    const { server, json, url, build, home } = await setup();
    expect((await json('registry', 'add', 'git', url)).body).toMatchObject({ ok: true, transport: 'git' });
    expect((await json('sync')).body).toMatchObject({ ok: true, registries: [{ seq: 3, skills: 3 }] });
    expect((await json('search', 'pdf')).body).toMatchObject({ results: [{ name: 'pdf-tools' }] });
    expect((await json('info', 'csv-tools')).body).toMatchObject({ ok: true, latest: '1.0.0' });

    server.requests.length = 0;
    expect((await json('sync')).body).toMatchObject({ registries: [{ status: 'unchanged' }] });
    expect(server.requests.map((req) => req.url)).toEqual(['/index/info/refs?service=git-upload-pack']);

    await build.publish('pdf-tools@1.1.0').commit();
    expect((await json('sync')).body).toMatchObject({
      registries: [{ status: 'updated', seq: 4, lines: 1 }],
    });
    expect((await json('info', 'pdf-tools')).body).toMatchObject({ latest: '1.1.0' });
    // The fetched repository is a cache, beside the others.
    expect(
      Object.keys(await filesUnder(path.join(home, '.cache', 'git'))).some((f) =>
        f.endsWith('skills-verified'),
      ),
    ).toBe(true);
  });

  it('refuses a tree that gains a symbolic link, changing nothing', async () => {
    const { json, url, build, home } = await setup();
    await json('registry', 'add', 'git', url);
    await json('sync');
    const before = await filesUnder(path.join(home, 'state'));
    await build.publish('json-tools').commit();
    git(build.dir, 'reset', '-q');
    await symlink('/etc/passwd', path.join(build.dir, 'pd', 'f-', 'evil'));
    git(build.dir, 'add', 'pd/f-/evil');
    git(build.dir, 'commit', '-q', '-m', 'a link');
    const refused = await json('sync');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'INDEX_TREE_INVALID' } });
    expect((refused.body['error'] as { message: string }).message).toContain('pd/f-/evil is a symbolic link');
    expect(await filesUnder(path.join(home, 'state'))).toEqual(before);
  });

  it('refuses a tree with .gitmodules or a submodule', async () => {
    const first = await setup();
    await writeFile(
      path.join(first.build.dir, '.gitmodules'),
      '[submodule "x"]\n\tpath = x\n\turl = https://example.com/x\n',
    );
    git(first.build.dir, 'add', '.gitmodules');
    git(first.build.dir, 'commit', '-q', '-m', 'modules');
    expect((await first.json('registry', 'add', 'git', first.url)).body).toMatchObject({
      ok: false,
      error: {
        code: 'INDEX_TREE_INVALID',
        message: expect.stringContaining('.gitmodules is a .gitmodules file'),
      },
    });

    const second = await setup();
    git(second.build.dir, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},co/de/sub`);
    git(second.build.dir, 'commit', '-q', '-m', 'a submodule');
    expect((await second.json('registry', 'add', 'git', second.url)).body).toMatchObject({
      ok: false,
      error: { code: 'INDEX_TREE_INVALID', message: expect.stringContaining('co/de/sub is a submodule') },
    });
  });

  it('says when the URL is not a git repository', async () => {
    const { server, json } = await setup();
    expect((await json('registry', 'add', 'git', `git+${server.url}nothing`)).body).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_NOT_FOUND' },
    });
  });
});
