import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hasSystemGit } from '@skills/index-builder';
import git from 'isomorphic-git';
import gitHttp from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticRoutes } from '../src/static/index.js';
import { ensureIndex, runBatch } from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { publisherTestKey, Seed, testSigner } from './worker-support.js';

const run = promisify(execFile);
const withGit = await hasSystemGit();
if (!withGit) console.warn('git is not installed: the /index.git clone tests are skipped');

/** Every file of a tree except .git, with its bytes. */
async function files(root: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (prefix === '' && entry.name === '.git') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, `${prefix}${entry.name}/`);
      else found.set(`${prefix}${entry.name}`, await readFile(full));
    }
  };
  await walk(root, '');
  return found;
}

describe.each(testDatabases.slice(0, 1))('/index.git', (database) => {
  let registry: TestRegistry;
  let scratch: string;
  beforeAll(async () => {
    registry = await startRegistry(database, {
      routers: (ctx) => [staticRoutes(ctx, { timeoutMs: 20_000 })],
    });
    scratch = await mkdtemp(path.join(tmpdir(), 'skills-clone-'));
    const signer = await testSigner();
    await ensureIndex(registry.ctx, { signer, publicUrl: registry.url });
    const seed = new Seed(registry.ctx, await publisherTestKey());
    await seed.publish('code-review', '1.0.0');
    await seed.publish('git', '1.0.0');
    await runBatch(registry.ctx, { signer });
  });
  afterAll(async () => {
    await registry.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it.runIf(withGit)('clones with git at depth 1, giving exactly the served work tree', async () => {
    const dir = path.join(scratch, 'git-clone');
    await run('git', ['clone', '--quiet', '--depth', '1', `${registry.url}/index.git`, dir], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    expect(await files(dir)).toEqual(await files(registry.ctx.paths.index));
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', '--abbrev-ref', 'HEAD']);
    expect(stdout.trim()).toBe('main');
  });

  it.runIf(withGit)('clones with isomorphic-git over HTTP', async () => {
    const dir = path.join(scratch, 'iso-clone');
    await git.clone({
      fs,
      http: gitHttp,
      dir,
      url: `${registry.url}/index.git`,
      singleBranch: true,
      depth: 1,
    });
    expect(await files(dir)).toEqual(await files(registry.ctx.paths.index));
  });

  it('refuses pushes and the dumb protocol', async () => {
    const refs = await fetch(`${registry.url}/index.git/info/refs?service=git-receive-pack`);
    expect(refs.status).toBe(403);
    expect(await refs.json()).toMatchObject({ code: 'git_read_only' });
    const push = await fetch(`${registry.url}/index.git/git-receive-pack`, { method: 'POST', body: '0000' });
    expect(push.status).toBe(403);
    expect((await fetch(`${registry.url}/index.git/info/refs`)).status).toBe(403);
    expect((await fetch(`${registry.url}/index.git/HEAD`)).status).toBe(404);
    expect((await fetch(`${registry.url}/index.git/objects/info/packs`)).status).toBe(404);
  });

  it.runIf(withGit)('caps the size of an upload-pack request', async () => {
    const small = await startRegistry(database, {
      routers: (ctx) => [staticRoutes(ctx, { maxRequestBytes: 1000 })],
    });
    try {
      const res = await fetch(`${small.url}/index.git/git-upload-pack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request' },
        body: Buffer.alloc(100_000, 0x30),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'body_too_large' });
    } finally {
      await small.close();
    }
  });
});

describe.each(testDatabases.slice(0, 1))('/index.git with a broken backend', (database) => {
  it('answers 504 when git hangs and 502 when it answers nothing', async () => {
    const bin = await mkdtemp(path.join(tmpdir(), 'skills-fake-git-'));
    const hang = path.join(bin, 'hang');
    const silent = path.join(bin, 'silent');
    await writeFile(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    await writeFile(silent, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const hanging = await startRegistry(database, {
      routers: (ctx) => [staticRoutes(ctx, { git: hang, timeoutMs: 300 })],
    });
    const mute = await startRegistry(database, { routers: (ctx) => [staticRoutes(ctx, { git: silent })] });
    try {
      const slow = await fetch(`${hanging.url}/index.git/info/refs?service=git-upload-pack`);
      expect(slow.status).toBe(504);
      expect(await slow.json()).toMatchObject({ code: 'git_timeout' });
      const none = await fetch(`${mute.url}/index.git/info/refs?service=git-upload-pack`);
      expect(none.status).toBe(502);
      expect(await none.json()).toMatchObject({ code: 'git_bad_gateway' });
    } finally {
      await hanging.close();
      await mute.close();
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe.each(testDatabases.slice(0, 1))('/index.git without git', (database) => {
  it('answers 501 git_unavailable', async () => {
    const registry = await startRegistry(database, {
      routers: (ctx) => [staticRoutes(ctx, { git: '/nonexistent/bin/git' })],
    });
    try {
      const res = await fetch(`${registry.url}/index.git/info/refs?service=git-upload-pack`);
      expect(res.status).toBe(501);
      expect(await res.json()).toMatchObject({ code: 'git_unavailable' });
    } finally {
      await registry.close();
    }
  });
});
