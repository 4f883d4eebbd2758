import { enums, readKey, revokeKey as revokeWithOpenpgp } from 'openpgp';
import { parseFeedHead } from '@skills/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { revokeKey } from '../src/pgp/keys.js';
import {
  ensureIndex,
  epochNew,
  rebuildIndex,
  runBatch,
  startWorker,
  verifyIndex,
  type Worker,
} from '../src/worker/index.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { eventually, Seed, testKey, testSigner, type TestKey } from './worker-support.js';

describe.each(testDatabases)('key revocations in the index on $kind', (database) => {
  let registry: TestRegistry;
  let worker: Worker | null = null;
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await registry.close();
  });

  async function start() {
    registry = await startRegistry(database, { routers: () => [] });
    const signer = await testSigner();
    await ensureIndex(registry.ctx, { signer, publicUrl: registry.url });
    // A key of its own: the revocations below must not leak into other suites' shared key.
    const key = await testKey('ada');
    return { seed: new Seed(registry.ctx, key), signer, key };
  }

  /** What `skills keys revoke` sends: the revoked public key, made with the private key at `date`. */
  async function revocationBy(key: TestKey, date: Date): Promise<string> {
    const flag = enums.reasonForRevocation.keyCompromised;
    const revoked = await revokeWithOpenpgp({ key: key.privateKey, reasonForRevocation: { flag }, date });
    return revoked.publicKey;
  }

  async function revoke(seed: Seed, fingerprint: string, revocation: string | null, now = new Date()) {
    const actor = { userId: await seed.user(), username: 'ada', ip: null };
    const request = { reason: 'compromised' as const, revocation };
    return registry.db.tx((q) => revokeKey(q, actor, fingerprint, request, now));
  }

  const keyFile = (seed: Seed, fingerprint: string) => seed.indexFile(`keys/${fingerprint}.asc`);
  const storedArmor = async (fingerprint: string) =>
    (
      await registry.db.query<{ armored: string }>('SELECT armored FROM keys WHERE fingerprint = $1', [
        fingerprint,
      ])
    ).rows[0]!.armored;

  it('renders a stored revocation into keys/<FPR>.asc in an "Update keys" commit that index verify agrees with', async () => {
    const { seed, signer, key } = await start();
    await seed.publish('lint', '1.0.0');
    await seed.publish('lint', '1.1.0');
    // 1.1.0 was published a minute before the revocation: installers will refuse it.
    const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await registry.db.query("UPDATE versions SET published_at = $1 WHERE version = '1.1.0'", [
      new Date(revokedAt.getTime() - 60_000),
    ]);
    await runBatch(registry.ctx, { signer });
    const before = await keyFile(seed, key.fingerprint);
    expect((await readKey({ armoredKey: before.toString() })).revocationSignatures).toHaveLength(0);
    const head = parseFeedHead(await seed.indexFile('feed/head.json'));

    const result = await revoke(seed, key.fingerprint, await revocationBy(key, revokedAt));
    expect(result).toMatchObject({ published: true, changed: true, revokedAt });
    expect(result!.warnings).toEqual([
      { code: 'KEY_REVOKED_VERSIONS', message: expect.stringContaining('1 version(s)') },
    ]);
    expect(result!.warnings[0]!.message).toContain('lint@1.1.0');
    expect(result!.warnings[0]!.message).not.toContain('lint@1.0.0');
    // Until the worker renders it, index verify says the served key lacks the revocation.
    const stale = await verifyIndex(registry.ctx, { publicKey: signer.publicArmored });
    expect(stale.problems).toEqual([
      {
        code: 'INDEX_INCONSISTENT',
        path: `keys/${key.fingerprint}.asc`,
        message: expect.stringContaining('differs from the key the database holds'),
      },
    ]);

    const batch = await runBatch(registry.ctx, { signer });
    expect(batch.keys).toEqual({ jobs: 1, commits: 1 });
    const served = (await keyFile(seed, key.fingerprint)).toString();
    expect(served).toBe((await storedArmor(key.fingerprint)).replace(/\r\n?/g, '\n'));
    const parsed = await readKey({ armoredKey: served });
    expect(parsed.revocationSignatures.map((packet) => packet.reasonForRevocationFlag)).toEqual([
      enums.reasonForRevocation.keyCompromised,
    ]);
    // The feed did not move; head.json was signed again.
    expect(parseFeedHead(await seed.indexFile('feed/head.json'))).toMatchObject({
      seq: head.seq,
      hash: head.hash,
    });
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
    expect((await runBatch(registry.ctx, { signer })).keys).toEqual({ jobs: 0, commits: 0 });

    // A new epoch renders the key with its revocation too.
    await epochNew(registry.ctx, { confirm: true, signer, publicUrl: registry.url });
    expect((await keyFile(seed, key.fingerprint)).toString()).toBe(served);
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
  });

  it('lets index rebuild write a revocation whose key job is gone, as index verify asks', async () => {
    const { seed, signer, key } = await start();
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    await revoke(seed, key.fingerprint, await revocationBy(key, new Date()));
    await registry.db.query('DELETE FROM index_key_jobs'); // say, an operator cleared the queue
    expect((await runBatch(registry.ctx, { signer })).keys).toEqual({ jobs: 0, commits: 0 });
    expect((await verifyIndex(registry.ctx)).ok).toBe(false);
    const rebuilt = await rebuildIndex(registry.ctx, { signer });
    expect(rebuilt.downloadProblems).toEqual([]);
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
    const served = await readKey({ armoredKey: (await keyFile(seed, key.fingerprint)).toString() });
    expect(served.revocationSignatures).toHaveLength(1);
  });

  it('does not add keys/<FPR>.asc for a revoked key that signed nothing live', async () => {
    const { seed, signer } = await start();
    await seed.publish('lint', '1.0.0');
    await runBatch(registry.ctx, { signer });
    const unused = await testKey('unused');
    await registry.db.query(
      "INSERT INTO keys (fingerprint, user_id, armored, algorithm, key_created_at) VALUES ($1, $2, $3, 'ed25519', now())",
      [unused.fingerprint, await seed.user(), unused.publicArmored],
    );
    expect(await revoke(seed, unused.fingerprint, await revocationBy(unused, new Date()))).toMatchObject({
      published: true,
      warnings: [],
    });
    expect((await runBatch(registry.ctx, { signer })).keys).toEqual({ jobs: 1, commits: 0 });
    await expect(keyFile(seed, unused.fingerprint)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await verifyIndex(registry.ctx, { publicKey: signer.publicArmored })).problems).toEqual([]);
  });

  it('wakes the running worker for a key job, as for a publish', async () => {
    const { seed, signer, key } = await start();
    await seed.publish('lint', '1.0.0');
    worker = startWorker(registry.ctx, { signer, publicUrl: registry.url, pollMs: 60_000 });
    await worker.idle();
    await revoke(seed, key.fingerprint, await revocationBy(key, new Date()));
    const revocations = async () =>
      (await readKey({ armoredKey: (await keyFile(seed, key.fingerprint)).toString() })).revocationSignatures;
    await eventually(async () => (await revocations()).length === 1);
    await worker.idle();
    expect((await registry.db.query('SELECT 1 FROM index_key_jobs')).rowCount).toBe(0);
  });
});
