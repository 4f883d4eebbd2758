import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { enums, readKey, readPrivateKey, revokeKey } from 'openpgp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { onlyJson, run, writeSkill } from './helpers.js';
import { errorOf, GENEROUS_LIMITS, PASSWORD, person, publisher, type Person } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const HOUR = 3600_000;

async function signingKeyOf(someone: Person): Promise<string> {
  const config = JSON.parse(await readFile(path.join(someone.root, '.skills', 'config.json'), 'utf8')) as {
    signingKey: string;
  };
  return config.signingKey;
}

/** keys/<FPR>.asc as the registry serves it to installers. */
async function servedKey(fingerprint: string) {
  const response = await fetch(`${registry.url}/index/keys/${fingerprint}.asc`);
  expect(response.status).toBe(200);
  return readKey({ armoredKey: await response.text() });
}

async function publishVersion(someone: Person, name: string, version: string, home = someone.env) {
  const dir = await writeSkill(path.join(someone.root, `${name}-${version}`), name, {
    'skill.yaml': `name: ${name}\nversion: ${version}\nlicense: MIT\n`,
  });
  return run(['publish', dir, '--json'], { cwd: someone.root, env: home });
}

async function installed(consumer: Person, name: string): Promise<boolean> {
  const index = await readFile(path.join(consumer.root, '.skills', 'index.json'), 'utf8').catch(() => '{}');
  const dir = await stat(path.join(consumer.root, '.skills', name)).then(
    () => true,
    () => false,
  );
  return dir || name in ((JSON.parse(index) as { skills?: object }).skills ?? {});
}

describe('a key revoked with skills keys revoke reaches installers', () => {
  it('refuses a version the leaked key signed after its revocation, and warns about the one before', async () => {
    // One clock for the registry and the CLI (both run in this process), moved by hours.
    const t0 = Math.floor(Date.now() / 1000) * 1000;
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: t0 });
    const ada = await publisher(registry, 'rev-ada');
    const fingerprint = await signingKeyOf(ada);
    expect(onlyJson((await publishVersion(ada, 'ada-guide', '1.0.0')).stdout)).toMatchObject({ ok: true });

    // Someone copies ada's home (her token and her key) before she notices.
    const thief = path.join(ada.root, 'stolen');
    await cp(path.join(ada.root, '.skills'), thief, { recursive: true });
    const thiefEnv = { ...ada.env, SKILLS_HOME: thief };

    // An hour later she revokes the key on her computer, as compromised; the registry is not told
    // yet (a revocation made with an older skills, or while the registry was unreachable).
    vi.setSystemTime(t0 + HOUR);
    const keyFile = path.join(ada.root, '.skills', 'keys', `${fingerprint}.asc`);
    const { publicKey: revoked } = await revokeKey({
      key: await readPrivateKey({
        armoredKey: await readFile(path.join(ada.root, '.skills', 'keys', `${fingerprint}.key`), 'utf8'),
      }),
      reasonForRevocation: { flag: enums.reasonForRevocation.keyCompromised },
    });
    await writeFile(keyFile, revoked);

    // Then the thief publishes a forgery the registry accepts: it does not know of the revocation.
    vi.setSystemTime(t0 + 2 * HOUR);
    expect(onlyJson((await publishVersion(ada, 'ada-guide', '1.1.0', thiefEnv)).stdout)).toMatchObject({
      ok: true,
      signer: fingerprint,
    });

    // She sends the revocation she made: without --reason, the one on her computer as it is.
    vi.setSystemTime(t0 + 3 * HOUR);
    const sent = await ada.json(['keys', 'revoke', fingerprint, '--password-stdin'], { stdin: PASSWORD });
    expect(sent).toMatchObject({
      ok: true,
      reason: 'compromised',
      on_registry: true,
      published: true,
      revoked_at: new Date(t0 + HOUR).toISOString(),
      local: true,
    });
    expect(sent['warnings']).toEqual([
      { code: 'KEY_REVOKED_VERSIONS', message: expect.stringContaining('ada-guide@1.1.0') },
    ]);
    expect(await readFile(keyFile, 'utf8')).toBe(revoked); // sent as it was, not made again

    await registry.indexed();
    const served = await servedKey(fingerprint);
    expect(
      served.revocationSignatures.map((packet) => [packet.created, packet.reasonForRevocationFlag]),
    ).toEqual([[new Date(t0 + HOUR), enums.reasonForRevocation.keyCompromised]]);

    const bob = await person(registry, 'rev-bob');
    const forgery = await bob.skills(['install', '-g', 'ada-guide@1.1.0', '--json']);
    expect(forgery.code).toBe(1);
    expect(errorOf(forgery)).toMatchObject({ code: 'SIGNER_KEY_REVOKED' });
    expect(await installed(bob, 'ada-guide')).toBe(false);

    const before = await bob.json(['install', '-g', 'ada-guide@1.0.0']);
    expect(before).toMatchObject({ ok: true, installed: [{ name: 'ada-guide', version: '1.0.0' }] });
    expect(before['warnings']).toContainEqual({
      code: 'SIGNER_KEY_COMPROMISED',
      message: expect.stringContaining('revoked as compromised'),
    });

    // And the registry refuses the thief from now on.
    const again = await publishVersion(ada, 'ada-guide', '1.2.0', thiefEnv);
    expect(errorOf(again)).toMatchObject({
      code: 'SIGNER_KEY_REVOKED',
      registry_code: 'signature_key_revoked',
    });
  });

  it('makes and sends the revocation with --reason compromised; without the private key it only warns', async () => {
    const cai = await publisher(registry, 'rev-cai');
    const fingerprint = await signingKeyOf(cai);
    expect(onlyJson((await publishVersion(cai, 'cai-notes', '1.0.0')).stdout)).toMatchObject({ ok: true });
    await registry.indexed();
    expect((await servedKey(fingerprint)).revocationSignatures).toHaveLength(0);

    const revoked = await cai.json(
      ['keys', 'revoke', fingerprint, '--reason', 'compromised', '--password-stdin'],
      {
        stdin: PASSWORD,
      },
    );
    expect(revoked).toMatchObject({ ok: true, reason: 'compromised', published: true, local: true });
    // Installers judge a key at a version's publication + 5 minutes: 1.0.0 was published just now.
    expect(revoked['warnings']).toEqual([
      { code: 'KEY_REVOKED_VERSIONS', message: expect.stringContaining('cai-notes@1.0.0') },
    ]);
    await registry.indexed();
    expect((await servedKey(fingerprint)).revocationSignatures).toHaveLength(1);
    const dan = await person(registry, 'rev-dan');
    expect(errorOf(await dan.skills(['install', '-g', 'cai-notes', '--json']))).toMatchObject({
      code: 'SIGNER_KEY_REVOKED',
    });
    expect(await installed(dan, 'cai-notes')).toBe(false);
    const listed = await cai.json(['keys', 'list', '--remote', '--password-stdin'], { stdin: PASSWORD });
    expect(listed['keys']).toEqual([
      expect.objectContaining({
        fingerprint,
        local: expect.objectContaining({ revoked: true }),
        registry: expect.objectContaining({ revocation_reason: 'compromised', revocation_published: true }),
      }),
    ]);

    // A key whose private part is not here can only be refused by the registry; installers are not told.
    const eve = await publisher(registry, 'rev-eve');
    const eveKey = await signingKeyOf(eve);
    await rm(path.join(eve.root, '.skills', 'keys', `${eveKey}.key`));
    const unpublished = await eve.json(['keys', 'revoke', eveKey, '--password-stdin'], { stdin: PASSWORD });
    expect(unpublished).toMatchObject({ ok: true, on_registry: true, published: false, local: false });
    expect(unpublished['warnings']).toEqual([
      { code: 'KEY_REVOCATION_UNPUBLISHED', message: expect.stringContaining('this registry only') },
    ]);
  });
});
