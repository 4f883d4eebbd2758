import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMessage, encryptKey, readKey, readSignature, verify } from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateRegistryKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '../src/pgp/registry-key.js';
import { readPublisherKey } from '../src/pgp/key-policy.js';
import { gpgVersion, newKey } from './pgp-helpers.js';

const HEAD = new TextEncoder().encode('{"epoch":"e1","seq":42,"hash":"00ff"}');

describe('the registry signing key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'skills-regkey-')), 'keys');
  });
  afterEach(async () => {
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('is generated on first use, private file 0600 and public .asc beside it, and loaded after', async () => {
    const first = await loadOrCreateRegistryKey(dir);
    expect(first.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    if (process.platform !== 'win32') {
      expect((await stat(path.join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
    }
    expect(await readFile(path.join(dir, PRIVATE_KEY_FILE), 'utf8')).toMatch(
      /^-----BEGIN PGP PRIVATE KEY BLOCK-----/,
    );
    const publicFile = await readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8');
    expect(publicFile).toBe(first.publicArmored);
    expect(publicFile).not.toContain('PRIVATE');
    expect(publicFile).not.toContain('\r');
    const key = await readKey({ armoredKey: publicFile });
    expect(key.getFingerprint().toUpperCase()).toBe(first.fingerprint);
    expect(key.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    // It would pass our own publisher policy too.
    expect((await readPublisherKey(publicFile, new Date(Date.now() + 60_000))).algorithm).toBe('ed25519');

    const second = await loadOrCreateRegistryKey(dir);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.publicArmored).toBe(first.publicArmored);
  });

  it('signs bytes with a detached binary signature that openpgp.js verifies', async () => {
    const key = await loadOrCreateRegistryKey(dir, { userId: 'test registry' });
    const armored = await key.sign(HEAD);
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]*-----END PGP SIGNATURE-----\n$/);
    const signature = await readSignature({ armoredSignature: armored });
    const result = await verify({
      message: await createMessage({ binary: HEAD }),
      signature,
      verificationKeys: await readKey({ armoredKey: key.publicArmored }),
      expectSigned: true,
      format: 'binary',
    });
    await result.signatures[0]!.verified;
    expect(signature.packets[0]!.signatureType).toBe(0);
  });

  it('ends up as one key when several processes start at once', async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateRegistryKey(dir)));
    expect(new Set(keys.map((k) => k.fingerprint)).size).toBe(1);
    expect(
      (await readKey({ armoredKey: await readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8') }))
        .getFingerprint()
        .toUpperCase(),
    ).toBe(keys[0]!.fingerprint);
  });

  it('rewrites a missing or stale public file and tightens a loose private file', async () => {
    const first = await loadOrCreateRegistryKey(dir);
    await writeFile(path.join(dir, PUBLIC_KEY_FILE), 'stale');
    if (process.platform !== 'win32') await chmod(path.join(dir, PRIVATE_KEY_FILE), 0o644);
    const again = await loadOrCreateRegistryKey(dir);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(await readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8')).toBe(first.publicArmored);
    if (process.platform !== 'win32')
      expect((await stat(path.join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a private file that is not a key, or one under a passphrase', async () => {
    await loadOrCreateRegistryKey(dir);
    await writeFile(path.join(dir, PRIVATE_KEY_FILE), 'not a key', { mode: 0o600 });
    await expect(loadOrCreateRegistryKey(dir)).rejects.toThrow(/not an armoured OpenPGP private key/);
    const { privateKey } = await newKey();
    const locked = await encryptKey({ privateKey, passphrase: 'secret' });
    await writeFile(path.join(dir, PRIVATE_KEY_FILE), locked.armor(), { mode: 0o600 });
    await expect(loadOrCreateRegistryKey(dir)).rejects.toThrow(/passphrase/);
  });

  const gpg = gpgVersion();
  if (gpg === null) console.warn('gpg is not on PATH: the `gpg --verify` test of head signatures is skipped');
  it.skipIf(gpg === null)(
    `signs head.json so that the real gpg --verify accepts it (${gpg ?? 'no gpg'})`,
    async () => {
      const key = await loadOrCreateRegistryKey(dir);
      const work = path.dirname(dir);
      const home = path.join(work, 'gnupg');
      const files = path.join(work, 'feed');
      await import('node:fs/promises').then((fs) =>
        Promise.all([fs.mkdir(home, { mode: 0o700 }), fs.mkdir(files)]),
      );
      await writeFile(path.join(files, 'head.json'), HEAD);
      await writeFile(path.join(files, 'head.json.asc'), await key.sign(HEAD));
      await writeFile(path.join(files, 'registry.asc'), key.publicArmored);
      const run = (...args: string[]) =>
        spawnSync('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], {
          cwd: files,
          encoding: 'utf8',
        });
      try {
        expect(run('--import', 'registry.asc').status).toBe(0);
        const good = run('--status-fd', '1', '--verify', 'head.json.asc', 'head.json');
        expect(good.status, good.stderr).toBe(0);
        expect(good.stdout).toContain(`[GNUPG:] VALIDSIG ${key.fingerprint}`);
        await writeFile(path.join(files, 'head.json'), Buffer.concat([Buffer.from(HEAD), Buffer.from(' ')]));
        const bad = run('--status-fd', '1', '--verify', 'head.json.asc', 'head.json');
        expect(bad.status).not.toBe(0);
        expect(bad.stdout).toContain('BADSIG');
      } finally {
        spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
      }
    },
  );
});
