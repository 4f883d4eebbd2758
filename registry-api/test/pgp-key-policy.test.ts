import { armor, enums, generateKey, readKey, revokeKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { readPublisherKey } from '../src/pgp/key-policy.js';
import {
  CERTIFY_ONLY_KEY,
  DSA_KEY,
  ELGAMAL_SUBKEY_KEY,
  FIXTURES_CREATED,
  HOUR,
  later,
  MINUTE,
  newKey,
} from './pgp-helpers.js';

const now = new Date();

/** The ApiError code readPublisherKey refuses with. */
async function refusal(armored: string, at = now): Promise<string> {
  try {
    await readPublisherKey(armored, at);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    return (error as ApiError).code;
  }
  throw new Error('the key was accepted');
}

describe('readPublisherKey', () => {
  it('accepts an ed25519 (legacy curve) v4 key and answers its public part, armoured again', async () => {
    const key = await newKey({ date: later(now, -HOUR) });
    const read = await readPublisherKey(`\n${key.armored}\n`, now);
    expect(read.fingerprint).toBe(key.fingerprint);
    expect(read.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(read.algorithm).toBe('ed25519');
    expect(read.createdAt.getTime()).toBe(Math.floor(later(now, -HOUR).getTime() / 1000) * 1000);
    expect(read.expiresAt).toBeNull();
    expect(read.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
    expect(read.armored).not.toContain('\r');
    expect((await readKey({ armoredKey: read.armored })).getFingerprint().toUpperCase()).toBe(
      key.fingerprint,
    );
    expect(read.key.isPrivate()).toBe(false);
  });

  it('reports the expiry of a key that has one', async () => {
    const key = await newKey({ date: later(now, -HOUR), keyExpirationTime: 24 * 3600 });
    const read = await readPublisherKey(key.armored, now);
    expect(read.expiresAt?.toISOString()).toBe(later(read.createdAt, 24 * HOUR).toISOString());
  });

  it('accepts RSA 2048 and ECDSA P-256 keys, named as gpg names them', async () => {
    const rsa = await generateKey({
      type: 'rsa',
      rsaBits: 2048,
      userIDs: [{ name: 'r' }],
      date: later(now, -HOUR),
    });
    expect((await readPublisherKey(rsa.publicKey, now)).algorithm).toBe('rsa2048');
    const p256 = await generateKey({
      type: 'ecc',
      curve: 'nistP256',
      userIDs: [{ name: 'p' }],
      date: later(now, -HOUR),
    });
    expect((await readPublisherKey(p256.publicKey, now)).algorithm).toBe('nistp256');
  });

  it('refuses a private key, armoured as one or hidden in a public block', async () => {
    const key = await newKey();
    expect(await refusal(key.privateKey.armor())).toBe('key_private');
    expect(await refusal(armor(enums.armor.publicKey, key.privateKey.write()))).toBe('key_private');
  });

  it('refuses RSA under 2048 bits, DSA and ElGamal', async () => {
    const rsa = await generateKey({
      type: 'rsa',
      rsaBits: 1024,
      userIDs: [{ name: 'weak' }],
      config: { minRSABits: 1024 },
    });
    expect(await refusal(rsa.publicKey)).toBe('key_weak');
    const weakSubkey = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'weak subkey' }],
      subkeys: [{ type: 'rsa', rsaBits: 1024, sign: true }],
      config: { minRSABits: 1024 },
    });
    expect(await refusal(weakSubkey.publicKey)).toBe('key_weak');
    expect(await refusal(DSA_KEY, later(FIXTURES_CREATED, HOUR))).toBe('key_weak');
    expect(await refusal(ELGAMAL_SUBKEY_KEY, later(FIXTURES_CREATED, HOUR))).toBe('key_weak');
  });

  it('refuses v6 keys and algorithms gpg 2.2 cannot verify', async () => {
    const v6 = await generateKey({ type: 'curve25519', userIDs: [{ name: 'v6' }], config: { v6Keys: true } });
    expect(await refusal(v6.publicKey)).toBe('key_unsupported');
    const modern = await generateKey({ type: 'curve25519', userIDs: [{ name: 'v4 ed25519' }] });
    expect(await refusal(modern.publicKey)).toBe('key_unsupported');
  });

  it('refuses anything but exactly one public key in one block of at most 64 KiB', async () => {
    const [a, b] = await Promise.all([newKey(), newKey()]);
    const both = new Uint8Array([...a.publicKey.write(), ...b.publicKey.write()]);
    expect(await refusal(armor(enums.armor.publicKey, both))).toBe('key_invalid');
    expect(await refusal(`${a.armored}\n${b.armored}`)).toBe('key_invalid');
    expect(await refusal(`${a.armored}\ntrailing words`)).toBe('key_invalid');
    expect(await refusal('not a key')).toBe('key_invalid');
    expect(await refusal('')).toBe('key_invalid');
    expect(
      await refusal('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----'),
    ).toBe('key_invalid');
    const signature = a.armored.replaceAll('PUBLIC KEY BLOCK', 'SIGNATURE');
    expect(await refusal(signature)).toBe('key_invalid');
    const padded = a.armored.replace('\n\n', `\nComment: ${'x'.repeat(70 * 1024)}\n\n`);
    expect(await refusal(padded)).toBe('key_invalid');
  });

  it('refuses more than 16 user IDs or subkeys', async () => {
    const users = await newKey({ userIDs: Array.from({ length: 17 }, (_, i) => ({ name: `u${i}` })) });
    expect(await refusal(users.armored)).toBe('key_invalid');
    const subkeys = await newKey({ subkeys: Array.from({ length: 17 }, () => ({})) });
    expect(await refusal(subkeys.armored)).toBe('key_invalid');
    const sixteen = await newKey({
      date: later(now, -HOUR),
      userIDs: Array.from({ length: 16 }, (_, i) => ({ name: `u${i}` })),
      subkeys: Array.from({ length: 16 }, () => ({})),
    });
    expect((await readPublisherKey(sixteen.armored, now)).fingerprint).toBe(sixteen.fingerprint);
  });

  it('refuses a revoked or expired primary key', async () => {
    const key = await newKey({ date: later(now, -2 * HOUR) });
    const { publicKey } = await revokeKey({ key: key.privateKey, date: later(now, -HOUR) });
    expect(await refusal(publicKey)).toBe('key_revoked');
    const expired = await newKey({ date: later(now, -2 * HOUR), keyExpirationTime: 3600 });
    expect(await refusal(expired.armored)).toBe('key_expired');
  });

  it('refuses a key that cannot sign', async () => {
    expect(await refusal(CERTIFY_ONLY_KEY, later(FIXTURES_CREATED, HOUR))).toBe('key_cannot_sign');
  });

  it('tolerates a publisher clock a little ahead, not a key from the future', async () => {
    const ahead = await newKey({ date: later(now, 2 * MINUTE) });
    expect((await readPublisherKey(ahead.armored, now)).fingerprint).toBe(ahead.fingerprint);
    const future = await newKey({ date: later(now, HOUR) });
    expect(await refusal(future.armored)).toBe('key_invalid');
  });
});
