import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import {
  armor,
  createMessage,
  enums,
  generateKey,
  PacketList,
  readKey,
  revokeKey,
  sign,
  type SignaturePacket,
} from 'openpgp';
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
  // Whole seconds: OpenPGP signature times have no milliseconds.
  const start = new Date(Math.floor(Date.now() / 1000) * 1000);
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
        'SELECT fingerprint, user_id, armored, revoked_at, revocation_reason, revocation_published FROM keys ORDER BY fingerprint',
        'SELECT id, fingerprint FROM index_key_jobs ORDER BY id',
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
          revocation_published: false,
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
      200,
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
    expect(revoked.status).toBe(200);
    // Without the key's own revocation installers are not told: the answer says so.
    expect(revoked.body).toEqual({
      fingerprint: key.fingerprint,
      revoked_at: later(start, MINUTE).toISOString(),
      revocation_reason: null,
      revocation_published: false,
      changed: true,
      warnings: [
        { code: 'KEY_REVOCATION_UNPUBLISHED', message: expect.stringContaining('this registry only') },
      ],
    });
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
    expect(
      (await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'retired' })).body,
    ).toMatchObject({ changed: false, revocation_reason: null });
    expect(
      (await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, { reason: 'compromised' })).body,
    ).toMatchObject({ changed: true, revocation_reason: 'compromised', revocation_published: false });
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

  /** The key's own revocation as openpgp's revokeKey gives it: the revoked public key, armoured. */
  const revocationOf = async (key: TestKey, flag: enums.reasonForRevocation, date: Date): Promise<string> =>
    (await revokeKey({ key: key.privateKey, reasonForRevocation: { flag }, date, format: 'armored' }))
      .publicKey;
  const revocationPackets = async (armored: string): Promise<SignaturePacket[]> =>
    (await readKey({ armoredKey: armored })).revocationSignatures;
  /** Signature packets alone, armoured as a bare revocation certificate (`SIGNATURE` block). */
  const certificate = (packets: SignaturePacket[], tamper = false): string => {
    const list = new PacketList<SignaturePacket>();
    list.push(...packets);
    const bytes = list.write();
    // The last byte belongs to the signature value.
    if (tamper) bytes[bytes.length - 1] = bytes.at(-1)! ^ 0x01;
    return armor(enums.armor.signature, bytes);
  };
  const keyJobs = async (fingerprint: string): Promise<number> =>
    (await registry.db.query('SELECT 1 FROM index_key_jobs WHERE fingerprint = $1', [fingerprint])).rowCount;
  const storedKey = async (fingerprint: string) => {
    const { rows } = await registry.db.query<{ armored: string }>(
      'SELECT armored FROM keys WHERE fingerprint = $1',
      [fingerprint],
    );
    return readKey({ armoredKey: rows[0]!.armored });
  };
  const { keyCompromised, keySuperseded } = enums.reasonForRevocation;

  it("stores the key's own revocation, revoked at its time with its reason, for the index to publish", async () => {
    const ada = await newUser();
    const key = await keyAged();
    await register(ada, key);
    registry.setNow(later(start, 10 * MINUTE));
    const url = `/api/v1/keys/${key.fingerprint}`;
    const revocation = await revocationOf(key, keyCompromised, later(start, 5 * MINUTE));
    const revoked = await call(ada, 'DELETE', url, { reason: 'compromised', revocation });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toEqual({
      fingerprint: key.fingerprint,
      revoked_at: later(start, 5 * MINUTE).toISOString(),
      revocation_reason: 'compromised',
      revocation_published: true,
      changed: true,
      warnings: [],
    });
    const stored = await storedKey(key.fingerprint);
    expect(stored.isPrivate()).toBe(false);
    expect(stored.getUserIDs()).toEqual(key.publicKey.getUserIDs());
    expect(stored.revocationSignatures.map((packet) => packet.reasonForRevocationFlag)).toEqual([
      keyCompromised,
    ]);
    expect(await keyJobs(key.fingerprint)).toBe(1);
    expect((await call(ada, 'GET', '/api/v1/keys')).body!.items).toMatchObject([
      { revoked_at: later(start, 5 * MINUTE).toISOString(), revocation_published: true },
    ]);
    const audit = await registry.db.query<{ detail: Record<string, unknown> }>(
      "SELECT detail FROM audit_log WHERE subject = $1 AND action = 'key.revoke'",
      [`key:${key.fingerprint}`],
    );
    expect(audit.rows.map((row) => row.detail)).toMatchObject([{ reason: 'compromised', published: true }]);

    // Again, as the revoked key or as a bare certificate, or without it: nothing changes or is queued.
    const before = await snapshot();
    for (const body of [
      { revocation },
      { revocation: certificate(await revocationPackets(revocation)) },
      { reason: 'compromised' },
      {},
    ]) {
      const again = await call(ada, 'DELETE', url, body);
      expect(again.body).toMatchObject({ changed: false, revocation_published: true, warnings: [] });
    }
    expect(await snapshot()).toBe(before);
  });

  it("takes a bare revocation certificate (openpgp's, gpg's form), reason or not", async () => {
    const ada = await newUser();
    const made = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'Certificate' }],
      date: later(start, -HOUR),
      format: 'object',
    });
    const key: TestKey = {
      privateKey: made.privateKey,
      publicKey: made.publicKey,
      armored: made.publicKey.armor(),
      fingerprint: made.publicKey.getFingerprint().toUpperCase(),
    };
    await register(ada, key);
    // openpgp makes it with the key, dated at its creation and armoured as a public key block.
    expect(made.revocationCertificate).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const revoked = await call(ada, 'DELETE', `/api/v1/keys/${key.fingerprint}`, {
      revocation: made.revocationCertificate,
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({
      revoked_at: later(start, -HOUR).toISOString(),
      revocation_reason: null,
      revocation_published: true,
    });
    expect((await storedKey(key.fingerprint)).revocationSignatures).toHaveLength(1);

    const other = await keyAged();
    await register(ada, other);
    const signature = certificate(
      await revocationPackets(await revocationOf(other, keySuperseded, later(start, MINUTE))),
    );
    expect(signature).toContain('-----BEGIN PGP SIGNATURE-----');
    const superseded = await call(ada, 'DELETE', `/api/v1/keys/${other.fingerprint}`, {
      reason: 'superseded',
      revocation: signature,
    });
    expect(superseded.body).toMatchObject({ revocation_reason: 'superseded', revocation_published: true });
  });

  it('refuses a forged or foreign revocation, one from the future or with another reason, storing nothing', async () => {
    const [ada, bob] = [await newUser(), await newUser()];
    const [key, other] = [await keyAged(), await keyAged()];
    await register(ada, key);
    await register(ada, other);
    registry.setNow(later(start, 10 * MINUTE));
    const url = `/api/v1/keys/${key.fingerprint}`;
    const mine = await revocationOf(key, keyCompromised, later(start, 5 * MINUTE));
    const theirs = await revocationOf(other, keyCompromised, later(start, 5 * MINUTE));
    // This key's block carrying a revocation made by the other key.
    const forged = await readKey({ armoredKey: key.armored });
    forged.revocationSignatures = await revocationPackets(theirs);
    const cases: [string, string, string][] = [
      [theirs, 'revocation_other_key', 'is the key'],
      [forged.armor(), 'revocation_invalid', 'made by the key'],
      [certificate(await revocationPackets(theirs)), 'revocation_invalid', 'made by the key'],
      [certificate(await revocationPackets(mine), true), 'revocation_invalid', 'does not verify'],
      [
        await revocationOf(key, keyCompromised, later(start, 30 * MINUTE)),
        'revocation_invalid',
        'in the future',
      ],
      [key.armored, 'revocation_invalid', 'no key revocation'],
      [key.privateKey.armor(), 'revocation_invalid', 'PRIVATE'],
      [`${mine}\n${mine}`, 'revocation_invalid', 'more than one'],
      ['hello', 'revocation_invalid', 'not one ASCII-armoured'],
    ];
    const before = await snapshot();
    for (const [revocation, code, detail] of cases) {
      const refused = await call(ada, 'DELETE', url, { reason: 'compromised', revocation });
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.body).toMatchObject({ code, detail: expect.stringContaining(detail) });
    }
    const mismatch = await call(ada, 'DELETE', url, { reason: 'superseded', revocation: mine });
    expect(mismatch.body).toMatchObject({ code: 'revocation_reason_mismatch' });
    expect((await call(bob, 'DELETE', url, { revocation: mine })).body).toMatchObject({
      code: 'key_not_found',
    });
    expect((await call(ada, 'DELETE', url, { revocation: 42 })).body).toMatchObject({ code: 'invalid_body' });
    expect(await snapshot()).toBe(before);
  });

  it('follows a revocation known here only with a signed one; a key declared compromised stays so', async () => {
    const ada = await newUser();
    const [key, other] = [await keyAged(), await keyAged()];
    await register(ada, key);
    await register(ada, other);
    registry.setNow(later(start, 10 * MINUTE));
    const url = `/api/v1/keys/${key.fingerprint}`;
    expect((await call(ada, 'DELETE', url, { reason: 'compromised' })).body).toMatchObject({
      revoked_at: later(start, 10 * MINUTE).toISOString(),
      revocation_published: false,
    });
    const before = await snapshot();
    const weaker = await revocationOf(key, keySuperseded, later(start, 5 * MINUTE));
    expect((await call(ada, 'DELETE', url, { revocation: weaker })).body).toMatchObject({
      code: 'revocation_reason_mismatch',
    });
    expect(await snapshot()).toBe(before);
    const signed = await revocationOf(key, keyCompromised, later(start, 5 * MINUTE));
    // The signature's time wins, here earlier than the revocation the registry recorded.
    expect((await call(ada, 'DELETE', url, { revocation: signed })).body).toMatchObject({
      revoked_at: later(start, 5 * MINUTE).toISOString(),
      revocation_reason: 'compromised',
      revocation_published: true,
      changed: true,
      warnings: [],
    });
    expect(await keyJobs(key.fingerprint)).toBe(1);

    // Published as superseded: declaring it compromised takes a signed revocation saying so.
    const otherUrl = `/api/v1/keys/${other.fingerprint}`;
    const superseded = await revocationOf(other, keySuperseded, later(start, 5 * MINUTE));
    expect((await call(ada, 'DELETE', otherUrl, { revocation: superseded })).status).toBe(200);
    expect((await call(ada, 'DELETE', otherUrl, { reason: 'compromised' })).body).toMatchObject({
      code: 'revocation_reason_mismatch',
    });
    const compromised = await revocationOf(other, keyCompromised, later(start, 8 * MINUTE));
    expect((await call(ada, 'DELETE', otherUrl, { revocation: compromised })).body).toMatchObject({
      revoked_at: later(start, 5 * MINUTE).toISOString(),
      revocation_reason: 'compromised',
      changed: true,
    });
    expect((await storedKey(other.fingerprint)).revocationSignatures).toHaveLength(2);
    expect(await keyJobs(other.fingerprint)).toBe(2);
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
  it.skipIf(gpg === null)(
    'registers a key made by gpg, with a proof made by gpg, and takes its revocation certificate',
    async () => {
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

        // gpg made a revocation certificate with the key; its block has a ':' before the dashes.
        const fingerprint = String(response.body!.fingerprint);
        const file = await readFile(path.join(home, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8');
        const block =
          /:?(-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*-----END PGP PUBLIC KEY BLOCK-----)/.exec(file)![1]!;
        const revoked = await call(user, 'DELETE', `/api/v1/keys/${fingerprint}`, { revocation: block });
        expect(revoked.body).toMatchObject({ revocation_published: true, revocation_reason: null });
      } finally {
        spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
        await rm(home, { recursive: true, force: true });
      }
    },
  );
});
