import { randomBytes } from 'node:crypto';
import { createMessage, revokeKey, sign } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { verifyTarballSignature, type CandidateKey } from '../src/pgp/signature.js';
import { detachedSignature, HOUR, later, MINUTE, newKey, type TestKey } from './pgp-helpers.js';

const now = new Date();
const tarball = new Uint8Array(randomBytes(4096));

const candidate = (key: TestKey, extra: Partial<CandidateKey> = {}): CandidateKey => ({
  fingerprint: key.fingerprint,
  armored: key.armored,
  revokedAt: null,
  keyExpiresAt: null,
  ...extra,
});

async function refusal(
  signatureArmored: string,
  candidateKeys: CandidateKey[],
  options: { bytes?: Uint8Array; at?: Date } = {},
): Promise<string> {
  try {
    await verifyTarballSignature({
      tarball: options.bytes ?? tarball,
      signatureArmored,
      candidateKeys,
      now: options.at ?? now,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    return (error as ApiError).code;
  }
  throw new Error('the signature was accepted');
}

describe('verifyTarballSignature', () => {
  let mine: TestKey;
  let other: TestKey;
  beforeAll(async () => {
    [mine, other] = await Promise.all([
      newKey({ date: later(now, -2 * HOUR) }),
      newKey({ date: later(now, -2 * HOUR) }),
    ]);
  });

  it('accepts a binary signature by a candidate key and names the primary key', async () => {
    const signature = await detachedSignature(mine.privateKey, tarball, later(now, -MINUTE));
    const result = await verifyTarballSignature({
      tarball,
      signatureArmored: signature,
      candidateKeys: [candidate(other), candidate(mine)],
      now,
    });
    expect(result.fingerprint).toBe(mine.fingerprint);
    expect(result.signedAt.getTime()).toBe(Math.floor(later(now, -MINUTE).getTime() / 1000) * 1000);
  });

  it('names the PRIMARY fingerprint when a signing subkey signed', async () => {
    const key = await newKey({ date: later(now, -HOUR), subkeys: [{}, { sign: true }] });
    const signature = await detachedSignature(key.privateKey, tarball);
    const result = await verifyTarballSignature({
      tarball,
      signatureArmored: signature,
      candidateKeys: [candidate(key)],
      now,
    });
    expect(result.fingerprint).toBe(key.fingerprint);
    expect(key.publicKey.getKeyID().toHex()).not.toBe(
      (await key.publicKey.getSigningKey()).getKeyID().toHex(), // the subkey really is the signer
    );
  });

  it('refuses a signature by a key that is not a candidate (another user’s)', async () => {
    const signature = await detachedSignature(other.privateKey, tarball);
    expect(await refusal(signature, [candidate(mine)])).toBe('signature_unknown_key');
    expect(await refusal(signature, [])).toBe('signature_unknown_key');
  });

  it('refuses a signature by a key revoked in the registry or by its own revocation', async () => {
    const signature = await detachedSignature(mine.privateKey, tarball);
    expect(await refusal(signature, [candidate(mine, { revokedAt: later(now, -HOUR) })])).toBe(
      'signature_key_revoked',
    );
    // Revoked after signing: not valid now, so refused too.
    expect(
      await refusal(signature, [candidate(mine, { revokedAt: later(now, MINUTE) })], {
        at: later(now, 2 * MINUTE),
      }),
    ).toBe('signature_key_revoked');
    const key = await newKey({ date: later(now, -HOUR) });
    const { publicKey } = await revokeKey({ key: key.privateKey, date: later(now, -MINUTE) });
    const fresh = await detachedSignature(key.privateKey, tarball, later(now, -2 * MINUTE));
    expect(await refusal(fresh, [candidate(key, { armored: publicKey })])).toBe('signature_key_revoked');
  });

  it('refuses a signature by an expired key', async () => {
    // Valid ten minutes from its creation; signed at minute 8, uploaded at minute 11.
    const created = later(now, -HOUR);
    const key = await newKey({ date: created, keyExpirationTime: 600 });
    const signature = await detachedSignature(key.privateKey, tarball, later(created, 8 * MINUTE));
    const at = later(created, 11 * MINUTE);
    expect(await refusal(signature, [candidate(key)], { at })).toBe('signature_key_expired');
    // The registry's own record of the expiry counts as well.
    const stored = candidate(mine, { keyExpiresAt: later(now, -MINUTE) });
    expect(await refusal(await detachedSignature(mine.privateKey, tarball), [stored])).toBe(
      'signature_key_expired',
    );
    // Within its validity it passes.
    const valid = await verifyTarballSignature({
      tarball,
      signatureArmored: signature,
      candidateKeys: [candidate(key)],
      now: later(created, 9 * MINUTE),
    });
    expect(valid.fingerprint).toBe(key.fingerprint);
  });

  it('refuses a signature over other bytes', async () => {
    const signature = await detachedSignature(mine.privateKey, tarball);
    const altered = tarball.slice();
    altered[100] = altered[100]! ^ 1;
    expect(await refusal(signature, [candidate(mine)], { bytes: altered })).toBe('signature_invalid');
  });

  it('refuses a signature made more than 5 minutes before or after the upload', async () => {
    const old = await detachedSignature(mine.privateKey, tarball, later(now, -HOUR));
    expect(await refusal(old, [candidate(mine)])).toBe('signature_stale');
    const ahead = await detachedSignature(mine.privateKey, tarball, later(now, 6 * MINUTE));
    expect(await refusal(ahead, [candidate(mine)])).toBe('signature_stale');
    for (const offset of [-4 * MINUTE, 4 * MINUTE]) {
      const near = await detachedSignature(mine.privateKey, tarball, later(now, offset));
      const result = await verifyTarballSignature({
        tarball,
        signatureArmored: near,
        candidateKeys: [candidate(mine)],
        now,
      });
      expect(result.fingerprint).toBe(mine.fingerprint);
    }
  });

  it('refuses armour that is not exactly one binary signature', async () => {
    const one = await detachedSignature(mine.privateKey, tarball);
    expect(await refusal(mine.armored, [candidate(mine)])).toBe('signature_invalid');
    expect(await refusal('garbage', [candidate(mine)])).toBe('signature_invalid');
    expect(await refusal(`${one}\n${one}`, [candidate(mine)])).toBe('signature_invalid');
    const two = await detachedSignature([mine.privateKey, other.privateKey], tarball);
    expect(await refusal(two, [candidate(mine), candidate(other)])).toBe('signature_invalid');
    const big = one.replace('\n\n', `\nComment: ${'x'.repeat(20 * 1024)}\n\n`);
    expect(await refusal(big, [candidate(mine)])).toBe('signature_invalid');
    const broken = one.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(await refusal(broken, [candidate(mine)])).toBe('signature_invalid');
    const text = await sign({
      message: await createMessage({ text: 'some text' }),
      signingKeys: mine.privateKey,
      detached: true,
    });
    expect(await refusal(text, [candidate(mine)], { bytes: new TextEncoder().encode('some text') })).toBe(
      'signature_invalid',
    );
  });
});
