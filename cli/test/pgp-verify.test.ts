import { createMessage, enums, generateKey, readPrivateKey, revokeKey, sign, type PrivateKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { verifyDetached } from '../src/pgp/verify.js';

interface TestKey {
  key: PrivateKey;
  fingerprint: string;
  publicArmored: string;
}

async function newKey(date = new Date(), keyExpirationTime = 0): Promise<TestKey> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Tester', email: 'tester@example.com' }],
    date,
    keyExpirationTime,
    format: 'armored',
  });
  const key = await readPrivateKey({ armoredKey: privateKey });
  return { key, fingerprint: key.getFingerprint().toUpperCase(), publicArmored: key.toPublic().armor() };
}

async function signBytes(
  key: PrivateKey,
  bytes: Uint8Array,
  date = new Date(),
  text = false,
): Promise<string> {
  return sign({
    message: text
      ? await createMessage({ text: Buffer.from(bytes).toString() })
      : await createMessage({ binary: bytes }),
    signingKeys: key,
    detached: true,
    date,
    format: 'armored',
  });
}

const bytes = Buffer.from('the tarball bytes');
const hour = 3600_000;

describe('verifyDetached', () => {
  it('accepts a binary signature by the named key and says who signed and when', async () => {
    const signer = await newKey();
    const signature = await signBytes(signer.key, bytes);
    const result = await verifyDetached({
      bytes,
      signature,
      publicKey: signer.publicArmored,
      fingerprint: signer.fingerprint,
      at: new Date(),
    });
    expect(result).toMatchObject({ fingerprint: signer.fingerprint, laterRevocations: [] });
    expect(result.signedAt).toBeInstanceOf(Date);
  });

  it('refuses other bytes, another key, a key file of another fingerprint, and a text signature', async () => {
    const signer = await newKey();
    const other = await newKey();
    const signature = await signBytes(signer.key, bytes);
    const base = {
      bytes,
      signature,
      publicKey: signer.publicArmored,
      fingerprint: signer.fingerprint,
      at: new Date(),
    };
    await expect(verifyDetached({ ...base, bytes: Buffer.from('other bytes') })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    await expect(
      verifyDetached({ ...base, publicKey: other.publicArmored, fingerprint: other.fingerprint }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('not part of') });
    await expect(verifyDetached({ ...base, fingerprint: other.fingerprint })).rejects.toMatchObject({
      code: 'SIGNER_KEY_INVALID',
    });
    await expect(verifyDetached({ ...base, publicKey: signer.key.armor() })).rejects.toMatchObject({
      code: 'SIGNER_KEY_INVALID',
    });
    await expect(
      verifyDetached({ ...base, signature: await signBytes(signer.key, bytes, new Date(), true) }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await expect(verifyDetached({ ...base, signature: 'garbage' })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses a key revoked before `at`, and reports a compromise after it for a warning', async () => {
    const created = new Date(Date.now() - 10 * hour);
    const signer = await newKey(created);
    const signedAt = new Date(Date.now() - 5 * hour);
    const signature = await signBytes(signer.key, bytes, signedAt);
    const { privateKey: revoked } = await revokeKey({
      key: signer.key,
      reasonForRevocation: { flag: enums.reasonForRevocation.keyCompromised, string: 'laptop stolen' },
      date: new Date(Date.now() - 2 * hour),
      format: 'object',
    });
    const publicKey = revoked.toPublic().armor();
    const base = { bytes, signature, publicKey, fingerprint: signer.fingerprint };
    // The same key read before its revocation was added verifies; the key is read again when its
    // text changes (keys are kept per process by their text).
    await expect(
      verifyDetached({ ...base, publicKey: signer.publicArmored, at: new Date() }),
    ).resolves.toMatchObject({ laterRevocations: [] });
    const earlier = await verifyDetached({ ...base, at: new Date(signedAt.getTime() + 5 * 60_000) });
    expect(earlier.laterRevocations).toEqual([
      { at: expect.any(Date), reason: 'compromised', message: 'laptop stolen', primary: true },
    ]);
    await expect(verifyDetached({ ...base, at: new Date() })).rejects.toMatchObject({
      code: 'SIGNER_KEY_REVOKED',
      message: expect.stringContaining('compromised: laptop stolen'),
    });
  });

  it('refuses a key that had expired at `at`', async () => {
    const created = new Date(Date.now() - 10 * hour);
    const signer = await newKey(created, 3600);
    const signature = await signBytes(signer.key, bytes, new Date(created.getTime() + 60_000));
    const base = { bytes, signature, publicKey: signer.publicArmored, fingerprint: signer.fingerprint };
    await expect(
      verifyDetached({ ...base, at: new Date(created.getTime() + 120_000) }),
    ).resolves.toBeDefined();
    await expect(verifyDetached({ ...base, at: new Date() })).rejects.toMatchObject({
      code: 'SIGNER_KEY_EXPIRED',
    });
  });
});
