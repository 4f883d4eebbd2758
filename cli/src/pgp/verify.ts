import type { PublicKey, Signature, SignaturePacket, Subkey } from 'openpgp';
import { SkillsError } from '@skills/schema';
import { loadOpenpgp } from './openpgp.js';

/** Why a key was revoked, from its revocation signature (RFC 4880 5.2.3.23). */
export type RevocationReason = 'compromised' | 'superseded' | 'retired' | 'unspecified';

export interface Revocation {
  /** When the revocation signature was made. */
  at: Date;
  reason: RevocationReason;
  /** The free-text reason, if any. */
  message: string | null;
  /** Whether it revokes the primary key (true) or only the subkey that signed. */
  primary: boolean;
}

export interface VerifyDetachedInput {
  /** Exactly the signed bytes. */
  bytes: Uint8Array;
  /** An armored detached signature. */
  signature: string;
  /** The armored public key that must have made it. */
  publicKey: string;
  /** The key's primary fingerprint (40 uppercase hex): the key must be exactly this one. */
  fingerprint: string;
  /**
   * The time the key must have been valid at (not expired; not revoked at or before it). For a
   * tarball, the index line's `published` + 5 minutes; for feed/head.json, now.
   */
  at: Date;
}

export interface VerifiedSignature {
  fingerprint: string;
  signedAt: Date;
  /** Revocations made AFTER `at`: the caller decides (a "compromised" one is worth a warning). */
  laterRevocations: Revocation[];
}

const MAX_ARMOR_BYTES = 64 * 1024;

/**
 * Verifies an OpenPGP detached signature over `bytes` with one given key (DESIGN §6 Trust on
 * install): the key file must hold exactly one public key whose primary fingerprint is
 * `fingerprint`; the signature must be a single binary-mode signature by that key or one of its
 * subkeys, cryptographically valid, made while the key was valid at `at`.
 *
 * Revocations are judged here rather than by openpgp, which treats a "compromised" (hard)
 * revocation as revoking the key for all time: DESIGN wants a revocation to invalidate what was
 * published after it, and only warn for earlier versions.
 */
export async function verifyDetached(input: VerifyDetachedInput): Promise<VerifiedSignature> {
  const openpgp = await loadOpenpgp();
  const { key, revocations: revocationsBy } = await preparedKey(input.publicKey, input.fingerprint);
  const signature = await readOneSignature(input.signature);
  const packet = signature.packets[0]!;
  const signingKey = key.getKeys(packet.issuerKeyID)[0];
  if (signingKey === undefined) {
    throw invalid(
      `the signature was made by key ${packet.issuerKeyID.toHex().toUpperCase()}, which is not part of ${input.fingerprint}`,
    );
  }
  const revocations = revocationsBy.get(signingKey) ?? [];
  const before = revocations.find((revocation) => revocation.at.getTime() <= input.at.getTime());
  if (before !== undefined) {
    throw new SkillsError(
      'SIGNER_KEY_REVOKED',
      `the key ${input.fingerprint}${before.primary ? '' : "'s signing subkey"} was revoked on ${before.at.toISOString()} (${before.reason}${before.message ? `: ${before.message}` : ''}), before ${input.at.toISOString()}`,
      { hint: 'do not trust what this key signed after its revocation; ask the publisher for a new release' },
    );
  }
  const signedAt = packet.created;
  if (signedAt === null) throw invalid('the signature carries no creation time');
  // openpgp judges the key at the signature's creation time; DESIGN also wants it valid at `at`.
  await checkNotExpired(key, signingKey, input.fingerprint, input.at);
  try {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: input.bytes }),
      signature,
      verificationKeys: key,
      expectSigned: true,
      format: 'binary',
      date: input.at,
    });
    for (const one of result.signatures) await one.verified;
  } catch (error) {
    const message = (error as Error).message;
    if (/expired/i.test(message)) {
      throw new SkillsError(
        'SIGNER_KEY_EXPIRED',
        `the key ${input.fingerprint} was expired at ${input.at.toISOString()}`,
        {
          hint: 'the signature was made with an expired key: ask the publisher to sign with a valid key',
          cause: error,
        },
      );
    }
    throw invalid(`the signature does not verify with key ${input.fingerprint}: ${message}`, error);
  }
  return {
    fingerprint: input.fingerprint,
    signedAt,
    laterRevocations: revocations.filter((revocation) => revocation.at.getTime() > input.at.getTime()),
  };
}

/** A key read for verification: its revocations judged (for it and each subkey), then stripped. */
interface PreparedKey {
  key: PublicKey;
  revocations: Map<PublicKey | Subkey, Revocation[]>;
}

/**
 * Keys read this process, by fingerprint and armored text: the packages of one install often share
 * a signer, and openpgp remembers on a self-signature that it verified, so reusing the parsed key
 * checks its certifications once instead of on every signature. Expiry is still judged at each
 * signature's own time. A key that fails to read is not kept.
 */
const preparedKeys = new Map<string, Promise<PreparedKey>>();

function preparedKey(armored: string, fingerprint: string): Promise<PreparedKey> {
  const id = `${fingerprint}\n${armored}`;
  let preparing = preparedKeys.get(id);
  if (preparing === undefined) {
    preparing = (async () => {
      const key = await readOnePublicKey(armored, fingerprint);
      const revocations = new Map<PublicKey | Subkey, Revocation[]>();
      for (const which of [key, ...key.subkeys]) revocations.set(which, await revocationsOf(key, which));
      stripRevocations(key);
      return { key, revocations };
    })();
    preparedKeys.set(id, preparing);
    preparing.catch(() => preparedKeys.delete(id));
  }
  return preparing;
}

async function checkNotExpired(
  key: PublicKey,
  signingKey: PublicKey | Subkey,
  fingerprint: string,
  at: Date,
): Promise<void> {
  for (const which of signingKey === key ? [key] : [key, signingKey]) {
    const expires =
      which === key ? await key.getExpirationTime() : await (which as Subkey).getExpirationTime(at);
    if (expires instanceof Date && expires.getTime() <= at.getTime()) {
      throw new SkillsError(
        'SIGNER_KEY_EXPIRED',
        `the key ${fingerprint}${which === key ? '' : "'s signing subkey"} expired on ${expires.toISOString()}, before ${at.toISOString()}`,
        { hint: 'ask the publisher to sign with a key that is valid' },
      );
    }
  }
}

/** The one public key in an armored block, checked against the fingerprint it must have. */
export async function readOnePublicKey(armored: string, fingerprint: string): Promise<PublicKey> {
  const openpgp = await loadOpenpgp();
  if (
    Buffer.byteLength(armored) > MAX_ARMOR_BYTES ||
    !armored.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')
  ) {
    throw keyInvalid(fingerprint, 'it is not an armored public key of at most 64 KiB');
  }
  let keys: PublicKey[];
  try {
    keys = (await openpgp.readKeys({ armoredKeys: armored })) as PublicKey[];
  } catch (error) {
    throw keyInvalid(fingerprint, `it cannot be read (${(error as Error).message})`, error);
  }
  if (keys.length !== 1) throw keyInvalid(fingerprint, `it holds ${keys.length} keys, not one`);
  const key = keys[0]!;
  if (key.isPrivate()) throw keyInvalid(fingerprint, 'it holds a private key');
  const actual = key.getFingerprint().toUpperCase();
  if (actual !== fingerprint) throw keyInvalid(fingerprint, `its primary fingerprint is ${actual}`);
  return key;
}

async function readOneSignature(armored: string): Promise<Signature> {
  const openpgp = await loadOpenpgp();
  if (Buffer.byteLength(armored) > MAX_ARMOR_BYTES || !armored.includes('-----BEGIN PGP SIGNATURE-----')) {
    throw invalid('the signature is not an armored PGP SIGNATURE of at most 64 KiB');
  }
  let signature: Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch (error) {
    throw invalid(`the signature cannot be read: ${(error as Error).message}`, error);
  }
  if (signature.packets.length !== 1)
    throw invalid(`the block holds ${signature.packets.length} signatures, not one`);
  if (signature.packets[0]!.signatureType !== openpgp.enums.signature.binary) {
    throw invalid('the signature is not a binary-mode signature over the bytes');
  }
  return signature;
}

/**
 * The key's verified revocations that concern a signature by `signingKey` (the key itself: its
 * own revocations), oldest first.
 */
export async function revocationsOf(key: PublicKey, signingKey: PublicKey | Subkey): Promise<Revocation[]> {
  const openpgp = await loadOpenpgp();
  const found: Revocation[] = [];
  const consider = async (
    packet: SignaturePacket,
    primary: boolean,
    check: () => Promise<void>,
  ): Promise<void> => {
    try {
      await check();
    } catch {
      return; // a revocation that does not verify revokes nothing
    }
    if (packet.created === null) return;
    found.push({
      at: packet.created,
      reason: reasonOf(packet.reasonForRevocationFlag, openpgp.enums.reasonForRevocation),
      message: packet.reasonForRevocationString,
      primary,
    });
  };
  for (const packet of key.revocationSignatures) {
    await consider(packet, true, () =>
      packet.verify(key.keyPacket, openpgp.enums.signature.keyRevocation, { key: key.keyPacket }, undefined),
    );
  }
  if (signingKey !== key) {
    const subkey = signingKey as Subkey;
    for (const packet of subkey.revocationSignatures) {
      await consider(packet, false, () =>
        packet.verify(
          key.keyPacket,
          openpgp.enums.signature.subkeyRevocation,
          { key: key.keyPacket, bind: subkey.keyPacket },
          undefined,
        ),
      );
    }
  }
  return found.sort((a, b) => a.at.getTime() - b.at.getTime());
}

function reasonOf(
  flag: number | null,
  reasons: { keyCompromised: number; keySuperseded: number; keyRetired: number },
): RevocationReason {
  if (flag === reasons.keyCompromised) return 'compromised';
  if (flag === reasons.keySuperseded) return 'superseded';
  if (flag === reasons.keyRetired) return 'retired';
  return 'unspecified';
}

/** Revocations were judged above; openpgp is left to check expiry and the signature itself. */
function stripRevocations(key: PublicKey): void {
  key.revocationSignatures = [];
  for (const subkey of key.subkeys) subkey.revocationSignatures = [];
}

function invalid(message: string, cause?: unknown): SkillsError {
  return new SkillsError('SIGNATURE_INVALID', message, {
    hint: 'do not use what it signs: it was altered, or signed by someone else',
    cause,
  });
}

function keyInvalid(fingerprint: string, problem: string, cause?: unknown): SkillsError {
  return new SkillsError(
    'SIGNER_KEY_INVALID',
    `keys/${fingerprint}.asc is not the key ${fingerprint}: ${problem}`,
    {
      hint: 'the index serves a wrong key file: tell the registry operator',
      cause,
    },
  );
}
