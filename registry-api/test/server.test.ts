import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { publishExamples } from '../src/demo.js';
import { startServer, type RunningRegistry } from '../src/server.js';
import { verifyIndex } from '../src/worker/maintenance.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

describe('serve with the examples (npm start)', () => {
  let dataDir: string;
  let registry: RunningRegistry;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'skills-serve-'));
    const config = await loadConfig({ env: { SKILLS_DATA_DIR: dataDir }, port: 0 });
    registry = await startServer(config, { logger: pino({ level: 'silent' }), workerPollMs: 200 });
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes every example through the real pipeline and serves them', async () => {
    const demo = await publishExamples(registry, EXAMPLES);
    expect(demo.skipped).toBe(false);
    expect(demo.published).toContain('code-review@1.4.0');
    expect(demo.published).toHaveLength(8);

    const head = (await (await fetch(`${registry.url}/index/feed/head.json`)).json()) as { seq: number };
    expect(head.seq).toBe(8);
    const search = (await (await fetch(`${registry.url}/api/v1/search?q=release`)).json()) as {
      items: { name: string }[];
    };
    expect(search.items[0]?.name).toBe('release-checklist');
    const version = (await (await fetch(`${registry.url}/api/v1/skills/code-review/1.4.0`)).json()) as {
      indexed: boolean;
      dl: string;
      line: { signer: string };
    };
    expect(version.indexed).toBe(true);
    expect(version.line.signer).toMatch(/^[0-9A-F]{40}$/);
    const tarball = await fetch(version.dl);
    expect(tarball.status).toBe(200);
    expect(tarball.headers.get('cache-control')).toContain('immutable');
    // Files carry nosniff but none of helmet's page policies; API answers keep them.
    expect(tarball.headers.get('x-content-type-options')).toBe('nosniff');
    for (const page of [
      'content-security-policy',
      'cross-origin-resource-policy',
      'strict-transport-security',
    ])
      expect(tarball.headers.get(page)).toBeNull();
    const api = await fetch(`${registry.url}/api/v1/skills/code-review`);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    const missing = await fetch(`${registry.url}/index/no/-s/no-such-skill`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');

    const report = await verifyIndex(registry.ctx, { publicKey: registry.key.publicArmored });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('does not publish the examples twice', async () => {
    expect(await publishExamples(registry, EXAMPLES)).toEqual({ published: [], skipped: true });
  });
});
