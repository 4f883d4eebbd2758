import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexPath, parseIndexConfig, serializeIndexConfig } from '@skills/schema';
import type { Warning } from '../src/report.js';
import { selectRegistry } from '../src/registry/select.js';
import { Session } from '../src/session.js';
import { openRegistryIndex } from '../src/sync/registry-index.js';
import { run, tempDir } from './helpers.js';
import { IndexBuild, Site, testKey } from './index-fixture.js';

const KEY = testKey();

async function setup() {
  const key = await KEY;
  const site = await Site.start();
  const build = await IndexBuild.create(site, { key });
  build.add(
    { op: 'publish', name: 'pdf-tools', version: '1.0.0', line: { signer: key.fingerprint } },
    { op: 'publish', name: 'pdf-tools', version: '1.1.0', line: { deps: { 'csv-tools': '^1.0.0' } } },
    { op: 'publish', name: 'csv-tools', version: '1.0.0' },
  );
  await build.commit();
  await site.serve(build);
  const root = await tempDir();
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  expect((await run(['registry', 'add', 'main', site.url], { cwd: root, env })).code).toBe(0);
  const warnings: Warning[] = [];
  const open = async (sync: 'if-stale' | 'always' | 'never' = 'if-stale') => {
    const session = new Session({ env, cwd: root });
    const selected = await selectRegistry(session, 'main');
    const index = await openRegistryIndex(session, selected, { sync, warn: (w) => warnings.push(w) });
    return { session, index };
  };
  return { key, site, build, root, env, warnings, open };
}

describe('openRegistryIndex', () => {
  it('gives the verified lines of a skill, its key and its download URLs', async () => {
    const { key, site, open } = await setup();
    const { session, index } = await open();
    try {
      expect(index.identity).toBe(site.url);
      expect(index.config.signing_key).toBe(key.fingerprint);
      const lines = await index.versions('pdf-tools');
      expect(lines.map((line) => [line.version, line.deps])).toEqual([
        ['1.0.0', {}],
        ['1.1.0', { 'csv-tools': '^1.0.0' }],
      ]);
      expect(index.tarballUrl(lines[0]!)).toBe(`${site.server.url}dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz`);
      expect(index.signatureUrl(lines[0]!)).toBe(
        `${site.server.url}dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz.asc`,
      );
      expect(await index.versions('unknown-skill')).toEqual([]);
      expect(await index.versions('../../etc/passwd')).toEqual([]);
      expect(await index.publicKey(key.fingerprint)).toBe(key.publicArmored);
      await expect(index.publicKey('../../x')).rejects.toMatchObject({ code: 'SIGNER_KEY_INVALID' });
      await expect(index.publicKey('D'.repeat(40))).rejects.toMatchObject({ code: 'SIGNER_KEY_INVALID' });
      expect(() => index.tarballUrl({ ...lines[0]!, name: '../x' })).toThrow(/refusing a download URL/);

      // Read again: from the cache by digest, without a request.
      site.server.requests.length = 0;
      expect((await index.versions('pdf-tools')).length).toBe(2);
      expect(site.server.requests).toEqual([]);
      // The key, offline, is the last copy read.
      await site.server.close();
      expect(await index.publicKey(key.fingerprint)).toBe(key.publicArmored);
    } finally {
      await session.close();
    }
  });

  it('fills relative and signature templates from config.json', async () => {
    const { site, open, build, env, root } = await setup();
    const config = parseIndexConfig(await site.read('config.json'));
    await site.write(
      'config.json',
      serializeIndexConfig({
        ...config,
        dl: 'downloads/{prefix}/{name}-{version}-{sha256}.tgz',
        sig: 'sigs/{name}/{version}.asc',
      }),
    );
    // The catalog keeps the config.json it synced with: it takes a new one when the head moves.
    await build.publish('json-tools').commit();
    const served = await site.read('config.json');
    await site.serve(build);
    await site.write('config.json', served);
    expect((await run(['sync', '--json'], { cwd: root, env })).code).toBe(0);
    const { session, index } = await open('never');
    try {
      const [line] = await index.versions('csv-tools');
      expect(index.tarballUrl(line!)).toBe(
        `${site.url}downloads/cs/v-/csv-tools-1.0.0-${'ab'.repeat(32)}.tgz`,
      );
      expect(index.signatureUrl(line!)).toBe(`${site.url}sigs/csv-tools/1.0.0.asc`);
    } finally {
      await session.close();
    }
  });

  it('re-syncs when a shard file is newer than the catalog, and fails INDEX_INCONSISTENT when it never matches', async () => {
    const { site, build, open } = await setup();
    const { session, index } = await open();
    try {
      await build.publish('pdf-tools@1.2.0').commit();
      await site.serve(build);
      // The catalog still expects the old file: the new one starts a sync, then matches.
      const lines = await index.versions('pdf-tools');
      expect(lines.map((line) => line.version)).toEqual(['1.0.0', '1.1.0', '1.2.0']);

      // A shard file altered on the server: it never matches, even asked past caches.
      const file = indexPath('csv-tools');
      await site.write(file, Buffer.concat([await site.read(file), Buffer.from('\n')]));
      site.server.requests.length = 0;
      await expect(index.versions('csv-tools')).rejects.toMatchObject({ code: 'INDEX_INCONSISTENT' });
      const asked = site.server.requests.filter((req) => req.url === `/index/${file}`);
      expect(asked.map((req) => req.headers['cache-control'] ?? null)).toEqual([null, 'no-cache']);
    } finally {
      await session.close();
    }
  });

  it('fails NOT_SYNCED with sync "never" before any sync, and syncs with "always"', async () => {
    const { open } = await setup();
    await expect(open('never')).rejects.toMatchObject({ code: 'NOT_SYNCED' });
    const { session, index } = await open('always');
    expect((await index.versions('csv-tools')).length).toBe(1);
    await session.close();
  });
});
