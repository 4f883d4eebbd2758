import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessage, sign } from 'openpgp';
import { chainHash, GENESIS_HASH } from '@skills/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, newKey } from './publish-helpers.js';
import { eventually } from './worker-support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'registry-api/bin/skills-registry.js');

let dataDir: string;
const children: ChildProcess[] = [];

function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { ...process.env, SKILLS_DATA_DIR: dataDir, LOG_LEVEL: 'warn', NO_COLOR: '1' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match && out.includes('git clone')) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The feed as a client holds it: every line through the head, chain-checked from genesis. */
async function syncedChain(url: string): Promise<Map<number, string>> {
  const head = await json<{ seq: number; epoch: string }>(`${url}/index/feed/head.json`);
  const hashes = new Map<number, string>();
  let hash = GENESIS_HASH;
  for (let segment = 0; segment * 1000 < head.seq; segment += 1) {
    const name = `${String(segment).padStart(8, '0')}.ndjson`;
    const bytes = Buffer.from(await (await fetch(`${url}/index/feed/${head.epoch}/${name}`)).arrayBuffer());
    let start = 0;
    for (let end = bytes.indexOf(10); end !== -1; end = bytes.indexOf(10, start)) {
      const line = bytes.subarray(start, end);
      const parsed = JSON.parse(line.toString()) as { seq: number; prev: string };
      expect(parsed.prev).toBe(hash);
      hash = chainHash(hash, line);
      hashes.set(parsed.seq, hash);
      start = end + 1;
    }
  }
  return hashes;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'skills-crash-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('kill -9 during a publish storm', () => {
  it('loses no publish answered 201, and a client synced before the crash sees no chain break', async () => {
    const first = await serve();
    const api = first.url;
    await json(`${api}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'storm',
        email: 'storm@example.org',
        password: 'correct horse battery',
      }),
    });
    const { token: session } = await json<{ token: string }>(`${api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'storm', password: 'correct horse battery' }),
    });
    const auth = { authorization: `Bearer ${session}`, 'content-type': 'application/json' };
    const key = await newKey();
    const { nonce } = await json<{ nonce: string }>(`${api}/api/v1/keys/challenge`, { headers: auth });
    const proof = await sign({
      message: await createMessage({ binary: Buffer.from(`skills-key:storm:${nonce}`) }),
      signingKeys: key,
      detached: true,
    });
    await json(`${api}/api/v1/keys`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ armored: key.toPublic().armor(), proof }),
    });
    const { token } = await json<{ token: string }>(`${api}/api/v1/tokens`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'storm', scopes: ['publish-new', 'publish-update'] }),
    });

    const upload = async (version: string): Promise<number> => {
      const tarball = await buildPackage({ name: 'storm-skill', version });
      const signature = await sign({
        message: await createMessage({ binary: tarball }),
        signingKeys: key,
        detached: true,
      });
      const form = new FormData();
      form.append('tarball', new Blob([tarball]), 'x.tgz');
      form.append('signature', signature);
      try {
        const response = await fetch(`${api}/api/v1/skills`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        return response.status;
      } catch {
        return 0; // the server died under the request
      }
    };
    expect(await upload('0.0.1')).toBe(201);
    await eventually(
      async () => (await json<{ seq: number }>(`${api}/index/feed/head.json`)).seq === 1,
      20_000,
    );
    const before = await syncedChain(api);

    const versions = Array.from({ length: 30 }, (_, i) => `1.0.${i}`);
    const statuses = new Map<string, number>();
    const storm = Promise.all(versions.map(async (version) => statuses.set(version, await upload(version))));
    await eventually(() => [...statuses.values()].filter((s) => s === 201).length >= 5, 30_000);
    first.child.kill('SIGKILL');
    await storm;
    const accepted = [...statuses].filter(([, status]) => status === 201).map(([version]) => version);
    expect(accepted.length).toBeGreaterThanOrEqual(5);

    const second = await serve();
    for (const version of ['0.0.1', ...accepted]) {
      await eventually(async () => {
        const answer = await json<{ indexed: boolean }>(`${second.url}/api/v1/skills/storm-skill/${version}`);
        return answer.indexed;
      }, 30_000);
    }
    const after = await syncedChain(second.url);
    for (const [seq, hash] of before) expect(after.get(seq)).toBe(hash);
    second.child.kill('SIGTERM');
  }, 180_000);
});
