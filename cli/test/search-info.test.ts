import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexPath, renderShardFile, serializeFeedLine, GENESIS_HASH } from '@skills/schema';
import { onlyJson, run, tempDir } from './helpers.js';
import { filesUnder, IndexBuild, indexLine, Site, testKey } from './index-fixture.js';
import { startTestRegistry } from './registry-server.js';

const KEY = testKey();

async function client(site: { url: string }, name = 'main') {
  const root = await tempDir();
  const home = path.join(root, '.skills');
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: home };
  const skills = (...argv: string[]) => run(argv, { cwd: root, env });
  const json = async (...argv: string[]) => {
    const result = await skills(...argv, '--json');
    return { ...result, body: onlyJson(result.stdout) };
  };
  expect((await skills('registry', 'add', name, site.url)).code).toBe(0);
  const setMaxAge = async (seconds: number) => {
    const file = path.join(home, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...config, syncMaxAgeSeconds: seconds }));
  };
  return { root, home, env, skills, json, setMaxAge };
}

describe('skills search and info', () => {
  it('search and info work with the registry stopped, from the synced catalog and cached index files', async () => {
    const registry = await startTestRegistry({ examples: true });
    let stopped = false;
    try {
      await registry.indexed();
      const { json, skills, setMaxAge } = await client({ url: registry.url });
      expect((await json('sync')).body).toMatchObject({ ok: true });
      expect((await json('info', 'code-review')).body).toMatchObject({ ok: true, name: 'code-review' });
      await registry.close();
      stopped = true;

      const found = await json('search', 'review');
      expect(found.body).toMatchObject({ ok: true, registry: 'main', warnings: [] });
      expect((found.body['results'] as Array<{ name: string }>).map((r) => r.name)).toContain('code-review');
      const shown = await json('info', 'code-review');
      expect(shown.body).toMatchObject({ ok: true, name: 'code-review', warnings: [] });

      // A stale catalog tries to sync, says why it could not, and searches the old copy.
      await setMaxAge(0);
      const stale = await json('search', 'review');
      expect(stale.body).toMatchObject({ ok: true, warnings: [{ code: 'REGISTRY_UNREACHABLE' }] });
      expect((stale.body['results'] as unknown[]).length).toBeGreaterThan(0);
      const human = await skills('search', 'review');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^code-review@\d+\.\d+\.\d+ {2}\S/m);
      expect(human.stderr).toMatch(/warning: could not sync main \(cannot reach/);

      // A skill never shown before: only its latest line is known offline.
      const unseen = await json('info', 'sql-review');
      expect(unseen.body).toMatchObject({ ok: true, name: 'sql-review' });
      expect(unseen.body['warnings']).toContainEqual({
        code: 'REGISTRY_UNREACHABLE',
        message: expect.stringMatching(/showing only the latest version, from the synced catalog$/),
      });
      expect((unseen.body['versions'] as unknown[]).length).toBe(1);
    } finally {
      if (!stopped) await registry.close();
    }
  }, 120_000);

  it('shows versions, dependencies, yanked state and reason, signer and download URL', async () => {
    const site = await Site.start();
    const build = await IndexBuild.create(site, { key: await KEY });
    const signer = 'C'.repeat(40);
    build.add(
      { op: 'publish', name: 'pdf-tools', version: '1.0.0', line: { signer, keywords: ['pdf'] } },
      {
        op: 'publish',
        name: 'pdf-tools',
        version: '1.1.0',
        line: { deps: { 'csv-tools': '^1.0.0' }, signer },
      },
      { op: 'publish', name: 'pdf-tools', version: '2.0.0-rc.1', line: { signer } },
      { op: 'yank', name: 'pdf-tools', version: '1.1.0', reason: 'breaks tables' },
    );
    await build.commit();
    await site.serve(build);
    const { json, skills } = await client(site);
    await json('sync');

    const info = await json('info', 'pdf-tools');
    expect(info.body).toMatchObject({ ok: true, name: 'pdf-tools', latest: '1.0.0', warnings: [] });
    const versions = info.body['versions'] as Array<Record<string, unknown>>;
    expect(versions.map((v) => [v['version'], v['yanked'], v['yank_reason']])).toEqual([
      ['1.0.0', false, null],
      ['1.1.0', true, 'breaks tables'],
      ['2.0.0-rc.1', false, null],
    ]);
    expect(versions[1]).toMatchObject({
      deps: { 'csv-tools': '^1.0.0' },
      signer,
      sha256: 'ab'.repeat(32),
      published: '2026-01-01T00:00:00Z',
      dl: `${site.server.url}dl/pd/f-/pdf-tools/pdf-tools-1.1.0.tgz`,
      sig: `${site.server.url}dl/pd/f-/pdf-tools/pdf-tools-1.1.0.tgz.asc`,
    });

    const one = await json('info', 'pdf-tools@1.1.0');
    expect((one.body['versions'] as unknown[]).length).toBe(1);
    const human = await skills('info', 'pdf-tools@1.1.0');
    expect(human.stdout).toContain('pdf-tools@1.1.0 (yanked)');
    expect(human.stdout).toContain('yanked:     breaks tables');
    expect(human.stdout).toContain('depends on: csv-tools ^1.0.0');
    expect(human.stdout).toContain(`signer:     ${signer}`);
    expect(human.stdout).toMatch(/^\* 1\.0\.0 /m);

    expect((await json('info', 'pdf-tools@3.0.0')).body).toMatchObject({
      error: { code: 'VERSION_NOT_FOUND' },
    });
    expect((await json('info', 'nothing-here')).body).toMatchObject({ error: { code: 'SKILL_NOT_FOUND' } });
    expect((await json('info', '../etc')).code).toBe(2);
    expect((await json('info', 'pdf-tools@v1')).code).toBe(2);
  });

  it('skips index lines with path-like names or versions, and writes nothing outside $SKILLS_HOME', async () => {
    const key = await KEY;
    const site = await Site.start();
    const build = await IndexBuild.create(site, { key });
    await site.serve(build);
    // A shard file a hostile registry wrote, with the feed line naming its digest.
    const good = indexLine('safe-skill', '1.0.0');
    const hostile = [
      JSON.stringify({ ...good, name: '../../../evil' }),
      JSON.stringify({ ...good, version: '../../evil' }),
      JSON.stringify({ ...good, version: '2.0.0', sha256: '../../../../tmp/evil' }),
      JSON.stringify({ ...good, version: '3.0.0', signer: '../evil' }),
    ];
    const shard = Buffer.concat([
      renderShardFile([good]),
      Buffer.from(hostile.map((line) => `${line}\n`).join('')),
    ]);
    await mkdir(path.join(site.dir, path.dirname(indexPath('safe-skill'))), { recursive: true });
    await site.write(indexPath('safe-skill'), shard);
    const line = serializeFeedLine({
      seq: 1,
      op: 'publish',
      name: 'safe-skill',
      version: '1.0.0',
      entry: good,
      latest: good,
      file: createHash('sha256').update(shard).digest('hex'),
      prev: GENESIS_HASH,
    });
    await site.writeFeed('e1', [line], key);

    const { root, json, home } = await client(site);
    const before = await readdir(os.tmpdir());
    expect((await json('sync')).body).toMatchObject({ ok: true });
    const info = await json('info', 'safe-skill');
    expect(info.body).toMatchObject({ ok: true, latest: '1.0.0' });
    expect((info.body['versions'] as Array<{ version: string }>).map((v) => v.version)).toEqual(['1.0.0']);
    const warnings = info.body['warnings'] as Array<{ code: string; path: string }>;
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['INDEX_LINE_INVALID', 'sa/fe/safe-skill:2'],
      ['INDEX_LINE_INVALID', 'sa/fe/safe-skill:3'],
      ['INDEX_LINE_INVALID', 'sa/fe/safe-skill:4'],
      ['INDEX_LINE_INVALID', 'sa/fe/safe-skill:5'],
    ]);
    expect(await readdir(root)).toEqual(['.skills']);
    expect(await readdir(os.tmpdir())).toEqual(expect.arrayContaining(before));
    expect((await readdir(os.tmpdir())).filter((entry) => entry.includes('evil'))).toEqual([]);
    expect(Object.keys(await filesUnder(home)).filter((file) => file.includes('evil'))).toEqual([]);
  });

  it('syncs before searching when the catalog is older than syncMaxAgeSeconds', async () => {
    const site = await Site.start();
    const build = await IndexBuild.create(site, { key: await KEY });
    await build.publish('first-skill').commit();
    await site.serve(build);
    const { json, setMaxAge } = await client(site);
    expect((await json('search', 'skill')).body).toMatchObject({
      ok: true,
      results: [{ name: 'first-skill' }],
    });
    await build.publish('second-skill').commit();
    await site.serve(build);
    // Fresh enough: no request, the old copy.
    site.server.requests.length = 0;
    expect((await json('search', 'skill')).body).toMatchObject({ results: [{ name: 'first-skill' }] });
    expect(site.server.requests).toEqual([]);
    await setMaxAge(0);
    const synced = await json('search', 'skill');
    expect((synced.body['results'] as Array<{ name: string }>).map((r) => r.name)).toEqual([
      'first-skill',
      'second-skill',
    ]);
    expect(typeof synced.body['synced_at']).toBe('string');
    expect(synced.body['total']).toBe(2);
  });

  it('refuses bad limits and empty queries before any work, and says when nothing matches', async () => {
    const site = await Site.start();
    const build = await IndexBuild.create(site, { key: await KEY });
    await build.publish('only-skill').commit();
    await site.serve(build);
    const { json, skills } = await client(site);
    expect((await json('search', 'x', '--limit', '0')).code).toBe(2);
    expect((await json('search', 'x', '--limit', 'ten')).code).toBe(2);
    expect((await json('search', '...')).body).toMatchObject({ error: { code: 'USAGE' } });
    const none = await skills('search', 'zebra');
    expect(none.stdout).toBe('No skills match "zebra".\n');
    const many = await skills('search', 'only', '--limit', '1', '--verbose');
    expect(many.stdout).toMatch(/^only-skill@1\.0\.0 \(\d+\) {2}The only-skill skill/);
    const unsynced = await client(site, 'other');
    expect((await unsynced.json('info', 'only-skill', '--registry', 'other')).body).toMatchObject({
      ok: true,
    });
  });

  it('fails NOT_SYNCED, or with the sync error, when there is no catalog and the registry does not answer', async () => {
    const site = await Site.start();
    const build = await IndexBuild.create(site, { key: await KEY });
    await site.serve(build);
    const { json } = await client(site);
    await site.server.close();
    expect((await json('search', 'x')).body).toMatchObject({
      ok: false,
      error: { code: 'REGISTRY_UNREACHABLE' },
    });
  });
});
