import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { createMessage, generateKey, sign } from 'openpgp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { candidateKeysOf, KEY_REGISTRATIONS_PER_DAY } from '../src/pgp/keys.js';
import { proofMessage } from '../src/pgp/proof.js';
import { keyRoutes } from '../src/pgp/routes.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import {
  detachedSignature,
  gpgVersion,
  HOUR,
  insertUser,
  later,
  MINUTE,
  newKey,
  type TestKey,
} from './pgp-helpers.js';

/** A stand-in for the auth module's session check: `x-test-user: <id>:<username>`. */
const testSession: RequestHandler = (req, _res, next) => {
  const header = req.get('x-test-user');
  if (header === undefined) throw new ApiError(401, 'unauthorized', 'no session');
  const [id, username] = header.split(':');
  req.principal = {
    userId: Number(id),
    username: username!,
    isAdmin: false,
    via: 'session',
    credentialId: 'test',
    scopes: null,
    skills: null,
  };
  next();
};

interface User {
  id: number;
  username: string;
}

describe.each(testDatabases)('the keys API on $kind', (database) => {
  let registry: TestRegistry;
  const start = new Date();
  beforeAll(async () => {
    registry = await startRegistry(database, {
      routers: (ctx) => [keyRoutes(ctx, { requireSession: testSession })],
    });
  });
  afterAll(async () => {
    await registry.close();
  });
  afterEach(() => {
    registry.setNow(start);
  });

  const call = async (user: User | null, method: string, url: string, body?: unknown) => {
    const response = await fetch(`${registry.url}${url}`, {
      method,
      headers: {
        ...(user === null ? {} : { 'x-test-user': `${user.id}:${user.username}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
      response,
    };
  };
  const challenge = async (user: User): Promise<string> => {
    const { status, body } = await call(user, 'GET', '/api/v1/keys/challenge');
    expect(status).toBe(200);
    return body!.nonce as string;
  };
  const proofFor = async (key: TestKey, user: User, nonce: string) =>
    detachedSignature(key.privateKey, proofMessage(user.username, nonce));
  /** Gets a challenge, signs it with `key` and registers `key`. */
  const register = async (user: User, key: TestKey) => {
    const nonce = await challenge(user);
    return call(user, 'POST', '/api/v1/keys', {
      armored: key.armored,
      proof: await proofFor(key, user, nonce),
    });
  };
  /** Everything a refused registration must leave untouched. */
  const snapshot = async () => {
    const tables = await Promise.all(
      [
        'SELECT fingerprint, user_id, revoked_at, revocation_reason FROM keys ORDER BY fingerprint',
        'SELECT id, action, subject FROM audit_log ORDER BY id',
        'SELECT nonce, user_id, used_at FROM key_challenges ORDER BY nonce',
      ].map(async (sql) => (await registry.db.query(sql)).rows),
    );
    return JSON.stringify(tables);
  };
  const newUser = () => insertUser(registry.db, 'keys');
  const keyAged = () => newKey({ date: later(start, -HOUR) });

  it('hands out a challenge to a session only', async () => {
    const user = await newUser();
    const nonce = await challenge(user);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const anonymous = await call(null, 'GET', '/api/v1/keys/challenge');
    expect(anonymous.status).toBe(401);
    expect((await call(null, 'GET', '/api/v1/keys')).status).toBe(401);
  });

  it('registers a valid ed25519 key with a valid proof, once, and lists it', async () => {
    const user = await newUser();
    const key = await keyAged();
    const created = await register(user, key);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({ fingerprint: key.fingerprint });

    const { rows } = await registry.db.query<{ user_id: number; armored: string; algorithm: string }>(
      'SELECT user_id, armored, algorithm FROM keys WHERE fingerprint = $1',
      [key.fingerprint],
    );
    expect(rows[0]).toMatchObject({ user_id: user.id, algorithm: 'ed25519' });
    expect(rows[0]!.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const audit = await registry.db.query(
      'SELECT actor_id, action, subject, ip FROM audit_log WHERE subject = $1',
      [`key:${key.fingerprint}`],
    );
    expect(audit.rows).toMatchObject([
      { actor_id: user.id, action: 'key.register', subject: `key:${key.fingerprint}` },
    ]);
    const used = await registry.db.query('SELECT used_at FROM key_challenges WHERE user_id = $1', [user.id]);
    expect(used.rows.every((row) => row.used_at !== null)).toBe(true);

    const again = await register(user, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ fingerprint: key.fingerprint });

    const list = await call(user, 'GET', '/api/v1/keys');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        {
          fingerprint: key.fingerprint,
          algorithm: 'ed25519',
          created_at: key.publicKey.getCreationTime().toISOString(),
          expires_at: null,
          registered_at: expect.any(String),
          revoked_at: null,
          revocation_reason: null,
        },
      ],
      total: 1,
    });
    const candidates = await candidateKeysOf(registry.db, user.id);
    expect(candidates).toEqual([
      { fingerprint: key.fingerprint, armored: rows[0]!.armored, revokedAt: null, keyExpiresAt: null },
    ]);
  });

  it('finds the open challenge the proof signs, or takes its nonce from the body', async () => {
    const user = await newUser();
    const [one, two] = [await keyAged(), await keyAged()];
    const first = await challenge(user);
    const second = await challenge(user);
    // Without a nonce: the older challenge, signed, is the one used up.
    const withoutNonce = await call(user, 'POST', '/api/v1/keys', {
      armored: one.armored,
      proof: await proofFor(one, user, first),
    });
    expect(withoutNonce.status).toBe(201);
    const open = await registry.db.query<{ nonce: string }>(
      'SELECT nonce FROM key_challenges WHERE user_id = $1 AND used_at IS NULL',
      [user.id],
    );
    expect(open.rows.map((row) => row.nonce)).toEqual([second]);
    // With a nonce: that challenge, and only it.
    const proof = await proofFor(two, user, second);
    const wrongNonce = await call(user, 'POST', '/api/v1/keys', {
      armored: two.armored,
      proof,
      nonce: first,
    });
    expect(wrongNonce.body).toMatchObject({ code: 'key_challenge_invalid' });
    const withNonce = await call(user, 'POST', '/api/v1/keys', {
      armored: two.armored,
      proof,
      nonce: second,
    });
    expect(withNonce.status).toBe(201);
  });

  it('refuses, writing nothing: no proof, a proof over another nonce, by another key, a used or expired nonce', async () => {
    const user = await newUser();
    const key = await keyAged();
    const stranger = await keyAged();
    const expectRefused = async (body: unknown, status: number, code: string) => {
      const before = await snapshot();
      const response = await call(user, 'POST', '/api/v1/keys', body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body).toMatchObject({ code });
      expect(await snapshot()).toBe(before);
    };

    const nonce = await challenge(user);
    await expectRefused({ armored: key.armored }, 400, 'invalid_body');
    await expectRefused({ armored: key.armored, proof: '' }, 400, 'invalid_body');
    await expectRefused({ armored: key.armored, proof: 'x', extra: 1 }, 400, 'invalid_body');
    await expectRefused([key.armored], 400, 'invalid_body');
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, 'another-nonce') },
      422,
      'key_proof_invalid',
    );
    await expectRefused(
      { armored: key.armored, proof: await proofFor(stranger, user, nonce) },
      422,
      'key_proof_invalid',
    );
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, nonce), nonce: 'not-a-challenge' },
      422,
      'key_challenge_invalid',
    );

    // A used nonce: register another key with it, then try again with the same nonce.
    const other = await keyAged();
    const ok = await call(user, 'POST', '/api/v1/keys', {
      armored: other.armored,
      proof: await proofFor(other, user, nonce),
    });
    expect(ok.status).toBe(201);
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, nonce), nonce },
      422,
      'key_challenge_invalid',
    );
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, nonce) },
      422,
      'key_challenge_invalid',
    );

    // An expired nonce.
    const old = await challenge(user);
    registry.setNow(later(start, 11 * MINUTE));
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, old), nonce: old },
      422,
      'key_challenge_invalid',
    );
    await expectRefused(
      { armored: key.armored, proof: await proofFor(key, user, old) },
      422,
      'key_challenge_invalid',
    );
  });

  it('refuses, writing nothing: a private key, an RSA-1024 key', async () => {
    const user = await newUser();
    const key = await keyAged();
    const rsa = await generateKey({
      type: 'rsa',
      rsaBits: 1024,
      userIDs: [{ name: 'weak' }],
      date: later(start, -HOUR),
      config: { minRSABits: 1024 },
      format: 'object',
    });
    const rsaProof = async (nonce: string) =>
      sign({
        message: await createMessage({
          binary: new TextEncoder().encode(proofMessage(user.username, nonce)),
        }),
        signingKeys: rsa.privateKey,
        detached: true,
        config: { minRSABits: 1024 },
      });
    for (const [armored, proofOf, code] of [
      [key.privateKey.armor(), (nonce: string) => proofFor(key, user, nonce), 'key_private'],
      [rsa.publicKey.armor(), rsaProof, 'key_weak'],
    ] as const) {
      const nonce = await challenge(user);
      const before = await snapshot();
      const response = await call(user, 'POST', '/api/v1/keys', { armored, proof: await proofOf(nonce) });
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code });
      expect(await snapshot()).toBe(before);
    }
  });

  it('keeps a fingerprint on its account forever: taken elsewhere, also after its revocation', async () => {
    const [ada, bob] = [await newUser(), await newUser()];
    const key = await keyAged();
    expect((await register(ada, key)).status).toBe(201);

    const attempt = async (user: User, code: string) => {
      const nonce = await challenge(user);
      const before = await snapshot();
      const response = await call(user, 'POST', '/api/v1/keys', {
        armored: key.armored,
        proof: await proofFor(key, user, nonce),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(409);
      expect(response.body).toMatchObject({ code });
      expect(await snapshot()).toBe(before);
    };
    await attempt(bob, 'key_taken');

    expect((await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'retired' })).status).toBe(
      204,
    );
    await attempt(bob, 'key_taken');
    await attempt(ada, 'key_revoked'); // a revocation is final on its own account too
  });

  it('revokes, never deletes; another user’s key is not found', async () => {
    const [ada, bob] = [await newUser(), await newUser()];
    const key = await keyAged();
    await register(ada, key);
    const before = await snapshot();
    for (const url of [
      `/api/v1/keys/${key.fingerprint}`,
      `/api/v1/keys/${'0'.repeat(40)}`,
      '/api/v1/keys/nope',
    ]) {
      const response = await call(bob, 'DELETE', url);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'key_not_found' });
    }
    expect(
      (await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'stolen' })).body,
    ).toMatchObject({
      code: 'invalid_body',
    });
    expect((await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, '[1]')).status).toBe(400);
    expect(await snapshot()).toBe(before);

    registry.setNow(later(start, MINUTE));
    const revoked = await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint.toLowerCase()}`);
    expect(revoked.status).toBe(204);
    const list = await call(ada, 'GET', '/api/v1/keys');
    expect(list.body!.items).toMatchObject([
      {
        fingerprint: key.fingerprint,
        revoked_at: later(start, MINUTE).toISOString(),
        revocation_reason: null,
      },
    ]);
    // Again: nothing changes; declaring it compromised later keeps the time and records the reason.
    registry.setNow(later(start, 2 * MINUTE));
    expect((await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'retired' })).status).toBe(
      204,
    );
    expect(
      (await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'compromised' })).status,
    ).toBe(204);
    const after = await call(ada, 'GET', '/api/v1/keys');
    expect(after.body!.items).toMatchObject([
      { revoked_at: later(start, MINUTE).toISOString(), revocation_reason: 'compromised' },
    ]);
    const audit = await registry.db.query<{ action: string; detail: Record<string, unknown> }>(
      'SELECT action, detail FROM audit_log WHERE subject = $1 ORDER BY id',
      [`key:${key.fingerprint}`],
    );
    expect(audit.rows.map((row) => [row.action, row.detail.reason])).toEqual([
      ['key.register', undefined],
      ['key.revoke', null],
      ['key.revoke', 'compromised'],
    ]);
    expect(
      (await registry.db.query('SELECT 1 FROM keys WHERE fingerprint = $1', [key.fingerprint])).rowCount,
    ).toBe(1);
    const candidates = await candidateKeysOf(registry.db, ada.id);
    expect(candidates[0]!.revokedAt).toEqual(later(start, MINUTE));
  });

  it(`limits registrations to ${KEY_REGISTRATIONS_PER_DAY} a day per user`, async () => {
    const user = await newUser();
    const keys = await Promise.all(Array.from({ length: KEY_REGISTRATIONS_PER_DAY + 1 }, () => keyAged()));
    for (const key of keys.slice(0, -1)) expect((await register(user, key)).status).toBe(201);
    const before = await snapshot();
    const refused = await register(user, keys.at(-1)!);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    // The challenge the refused call fetched is still open; nothing else changed.
    const after = JSON.parse(await snapshot()) as unknown[][];
    const was = JSON.parse(before) as unknown[][];
    expect(after.slice(0, 2)).toEqual(was.slice(0, 2));
    // Re-sending a key already registered is not a registration.
    const resent = await register(user, keys[0]!);
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    registry.setNow(later(start, 24 * HOUR + MINUTE));
    const tomorrow = keys.at(-1)!;
    // The key was made an hour before `start`: still valid a day later.
    expect((await register(user, tomorrow)).status).toBe(201);
  });

  it('pages the list', async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) {
      registry.setNow(later(start, i * MINUTE));
      await register(user, await keyAged());
    }
    const page = await call(user, 'GET', '/api/v1/keys?page=2&per_page=2');
    expect(page.body).toMatchObject({ total: 3 });
    expect((page.body!.items as unknown[]).length).toBe(1);
    expect((await call(user, 'GET', '/api/v1/keys?per_page=0')).body).toMatchObject({
      code: 'invalid_query',
    });
    expect((await call(user, 'GET', '/api/v1/keys?page=x')).status).toBe(400);
  });

  const gpg = gpgVersion();
  it.skipIf(gpg === null)('registers a key made by gpg, with a proof made by gpg', async () => {
    const user = await newUser();
    const home = await mkdtemp(path.join(tmpdir(), 'skills-gpg-'));
    const run = (args: string[], input?: string) =>
      spawnSync(
        'gpg',
        [
          '--batch',
          '--no-tty',
          '--homedir',
          home,
          '--passphrase',
          '',
          '--pinentry-mode',
          'loopback',
          ...args,
        ],
        {
          encoding: 'utf8',
          input,
        },
      );
    try {
      expect(
        run(['--quick-gen-key', 'gpg user <gpg@example.test>', 'default', 'default', 'never']).status,
      ).toBe(0);
      const armored = run(['--armor', '--export', 'gpg@example.test']).stdout;
      const nonce = await challenge(user);
      const signed = run(['--armor', '--detach-sign', '--output', '-'], proofMessage(user.username, nonce));
      expect(signed.status, signed.stderr).toBe(0);
      // gpg's key is created "now" by the real clock; the registry's clock must not be behind it.
      registry.setNow(new Date(Date.now() + MINUTE));
      const response = await call(user, 'POST', '/api/v1/keys', { armored, proof: signed.stdout });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    } finally {
      spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
      await rm(home, { recursive: true, force: true });
    }
  });
});
