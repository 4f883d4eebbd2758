import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMITS } from '../src/rate-limit.js';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  buildPackage,
  newKey,
  publish,
  registerKey,
  signTarball,
  startPublishRegistry,
  storedState,
} from './publish-helpers.js';

const HOUR = 60 * 60 * 1000;

describe.each(testDatabases)('who may publish what, on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry?.close();
  });

  it('refuses signatures by the wrong, revoked or expired key, over other bytes or stale', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const bob = await addPublisher(registry, 'bob');
    const keyless = await addPublisher(registry, 'cyd', { key: false });
    const tarball = await buildPackage({ name: 'demo', version: '1.0.0' });
    const now = registry.ctx.now();
    const revoked = await newKey();
    await registerKey(registry.db, ada.id, revoked, { revokedAt: new Date(now.getTime() - HOUR) });
    const expired = await newKey();
    await registerKey(registry.db, ada.id, expired, { expiresAt: new Date(now.getTime() - 60_000) });
    const before = await storedState(registry);

    const cases: [string, string, typeof ada][] = [
      ['signature_unknown_key', await signTarball(tarball, bob.key), ada],
      ['signature_unknown_key', await signTarball(tarball, await newKey()), ada],
      ['signature_unknown_key', await signTarball(tarball, ada.key), keyless],
      ['signature_key_revoked', await signTarball(tarball, revoked), ada],
      ['signature_key_expired', await signTarball(tarball, expired), ada],
      ['signature_invalid', await signTarball(Buffer.from('other bytes'), ada.key), ada],
      ['signature_stale', await signTarball(tarball, ada.key, new Date(now.getTime() - HOUR)), ada],
      ['signature_stale', await signTarball(tarball, ada.key, new Date(now.getTime() + 6 * 60_000)), ada],
      ['signature_invalid', 'not a signature', ada],
    ];
    for (const [code, signature, who] of cases) {
      const answer = await publish(registry, who, tarball, { signature });
      expect(answer.body, code).toMatchObject({ status: 422, code });
    }
    expect(await storedState(registry)).toEqual(before);
    // Within the window either way is fine.
    const recent = await signTarball(tarball, ada.key, new Date(now.getTime() - 4 * 60_000));
    expect((await publish(registry, ada, tarball, { signature: recent })).status).toBe(201);
  });

  it('stores a large upload once it passed every check, and a refused one not at all', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    // Incompressible docs: an archive of ~400 KiB, which a refusal must not leave behind either.
    const big = randomBytes(400 * 1024).toString('base64');
    const tarball = await buildPackage({ name: 'large', version: '1.0.0', files: { 'docs/big.md': big } });
    expect(tarball.length).toBeGreaterThan(256 * 1024);
    const before = await storedState(registry);
    const unsigned = await publish(registry, ada, tarball, {
      signature: await signTarball(Buffer.from('x'), ada.key),
    });
    expect(unsigned.body).toMatchObject({ status: 422, code: 'signature_invalid' });
    expect(await storedState(registry)).toEqual(before);
    const answer = await publish(registry, ada, tarball);
    expect(answer.status).toBe(201);
    const sha256 = (answer.body as { sha256: string }).sha256;
    expect((await storedState(registry)).files).toEqual([sha256, `${sha256}.asc`]);
  });

  it('refuses reserved names and names confusable with someone else’s skill', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const bob = await addPublisher(registry, 'bob');
    expect(
      (await publish(registry, ada, await buildPackage({ name: 'model', version: '1.0.0' }))).status,
    ).toBe(201);
    const before = await storedState(registry);

    for (const name of ['admin', 'adm1n', 'well-known', 'com1', 'skills']) {
      const answer = await publish(registry, ada, await buildPackage({ name, version: '1.0.0' }));
      expect(answer.body, name).toMatchObject({ status: 422, code: 'name_reserved' });
    }
    for (const name of ['rnodel', 'mode1', 'mo-del', 'rnode1']) {
      const answer = await publish(registry, bob, await buildPackage({ name, version: '1.0.0' }));
      expect(answer.body, name).toMatchObject({ status: 403, code: 'name_confusable' });
    }
    const taken = await publish(registry, bob, await buildPackage({ name: 'model', version: '2.0.0' }));
    expect(taken.body).toMatchObject({ status: 403, code: 'not_owner' });
    expect(await storedState(registry)).toEqual(before);

    // The owner of "model" may take a look-alike; the skeleton keeps pointing at the first skill.
    expect(
      (await publish(registry, ada, await buildPackage({ name: 'mode1', version: '1.0.0' }))).status,
    ).toBe(201);
    const { rows } = await registry.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM skeletons');
    expect(rows[0]!.n).toBe(1);
    // An owner added to "model" later may too.
    await registry.db.query(
      `INSERT INTO owners (skill_id, user_id) SELECT id, $1 FROM skills WHERE name = 'model'`,
      [bob.id],
    );
    expect(
      (await publish(registry, bob, await buildPackage({ name: 'rnodel', version: '1.0.0' }))).status,
    ).toBe(201);
  });

  it('checks the token scopes and name patterns; a session may do everything', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const onlyUpdate = await ada.tokenWith(['publish-update']);
    const onlyNew = await ada.tokenWith(['publish-new']);
    const otherSkill = await ada.tokenWith(['publish-new', 'publish-update'], ['other']);
    const prefixed = await ada.tokenWith(['publish-new', 'publish-update'], ['demo*']);
    const yankOnly = await ada.tokenWith(['yank', 'owners']);
    const v1 = await buildPackage({ name: 'demo', version: '1.0.0' });
    const v2 = await buildPackage({ name: 'demo', version: '2.0.0' });
    const before = await storedState(registry);

    for (const token of [onlyUpdate, otherSkill, yankOnly]) {
      expect((await publish(registry, ada, v1, { token })).body).toMatchObject({
        status: 403,
        code: 'insufficient_scope',
      });
    }
    expect(await storedState(registry)).toEqual(before);
    expect((await publish(registry, ada, v1, { token: onlyNew })).status).toBe(201);
    expect((await publish(registry, ada, v2, { token: onlyNew })).body).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
    expect((await publish(registry, ada, v2, { token: otherSkill })).body).toMatchObject({
      code: 'insufficient_scope',
    });
    expect((await publish(registry, ada, v2, { token: onlyUpdate })).status).toBe(201);
    const demoTwo = await buildPackage({ name: 'demo-two', version: '1.0.0' });
    expect((await publish(registry, ada, demoTwo, { token: prefixed })).status).toBe(201);
    const session = await ada.session();
    const v3 = await buildPackage({ name: 'demo', version: '3.0.0' });
    expect((await publish(registry, ada, v3, { token: session })).status).toBe(201);
    expect((await publish(registry, ada, v3, { token: 'skl_broken' })).body).toMatchObject({
      status: 401,
      code: 'invalid_credential',
    });
  });

  it('refuses other bytes under a taken version forever: also when yanked or purged', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const original = await buildPackage({ name: 'demo', version: '1.0.0' });
    const first = await publish(registry, ada, original);
    expect(first.status).toBe(201);
    const other = await buildPackage({ name: 'demo', version: '1.0.0', description: 'Changed.' });
    const before = await storedState(registry);

    expect((await publish(registry, ada, other)).body).toMatchObject({ status: 409, code: 'version_exists' });
    // The same bytes signed by another of the publisher's keys: another signer, so a conflict too.
    const second = await newKey();
    await registerKey(registry.db, ada.id, second);
    const bySecond = await signTarball(original, second, registry.ctx.now());
    expect((await publish(registry, ada, original, { signature: bySecond })).body).toMatchObject({
      status: 409,
      code: 'version_exists',
    });

    await registry.db.query("UPDATE versions SET yanked = true, yank_reason = 'bad'");
    expect((await publish(registry, ada, other)).body).toMatchObject({ status: 409, code: 'version_exists' });
    const replay = await publish(registry, ada, original);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);

    await registry.db.query('UPDATE versions SET purged_at = now()');
    expect((await publish(registry, ada, other)).body).toMatchObject({ status: 409, code: 'version_exists' });
    expect((await publish(registry, ada, original)).body).toMatchObject({
      status: 409,
      code: 'version_exists',
    });
    expect(await storedState(registry)).toEqual(before);
  });

  it('takes its limits from the configuration', async () => {
    registry = await startPublishRegistry(database, {
      rateLimits: { ...RATE_LIMITS, newName: { burst: 1, perSecond: 1 / 3600 } },
    });
    const ada = await addPublisher(registry, 'ada');
    // Only a publish that lands spends a token: refused ones (here by signature) cost nothing.
    const onlyOne = await buildPackage({ name: 'only-one', version: '1.0.0' });
    const unsigned = await publish(registry, ada, onlyOne, { signature: 'not a signature' });
    expect(unsigned.body).toMatchObject({ status: 422, code: 'signature_invalid' });
    expect((await publish(registry, ada, onlyOne)).status).toBe(201);
    const before = await storedState(registry);
    const second = await publish(registry, ada, await buildPackage({ name: 'one-more', version: '1.0.0' }));
    expect(second.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await storedState(registry)).toEqual(before);
  });

  it('limits new names and new versions per user with 429 and Retry-After', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    for (let i = 0; i < 10; i += 1) {
      const answer = await publish(
        registry,
        ada,
        await buildPackage({ name: `pkg-${'abcdefghkm'[i]}`, version: '1.0.0' }),
      );
      expect(answer.status).toBe(201);
    }
    const before = await storedState(registry);
    const eleventh = await publish(registry, ada, await buildPackage({ name: 'pkg-z', version: '1.0.0' }));
    expect(eleventh.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    // New versions have their own bucket; empty it by hand (100 publishes would only cost time).
    await registry.db.query(`INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, 0, $2)`, [
      `new-version:user:${ada.id}`,
      registry.ctx.now(),
    ]);
    const version = await publish(registry, ada, await buildPackage({ name: 'pkg-b', version: '2.0.0' }));
    expect(version.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await storedState(registry)).toEqual(before);
    // A retry of an existing version costs nothing and still answers.
    const replay = await publish(registry, ada, await buildPackage({ name: 'pkg-b', version: '1.0.0' }));
    expect(replay.status).toBe(200);
    // A minute later one more new name fits.
    registry.setNow(new Date(Date.now() + 61_000));
    const later = await publish(registry, ada, await buildPackage({ name: 'pkg-z', version: '1.0.0' }));
    expect(later.status).toBe(201);
  });
});
