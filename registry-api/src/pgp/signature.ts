import {
  createMessage,
  enums,
  readKey,
  readSignature,
  verify,
  type PublicKey,
  type Signature,
  type SignaturePacket,
  type Subkey,
} from 'openpgp';
import { ApiError } from '../http/problem.js';
import { armorType } from './armor.js';
import { MAX_SIGNATURE_ARMOR_BYTES } from './proof.js';

/** How far a signature's creation time may be from the upload, either way (DESIGN §3). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** A key of the publisher, as stored in `keys`. */
export interface CandidateKey {
  fingerprint: string;
  armored: string;
  revokedAt: Date | null;
  keyExpiresAt: Date | null;
}

export interface TarballSignatureInput {
  tarball: Uint8Array;
  signatureArmored: string;
  /** The publisher's registered keys, revoked ones included (they answer `signature_key_revoked`). */
  candidateKeys: readonly CandidateKey[];
  now: Date;
}

export interface VerifiedSignature {
  /** The PRIMARY key's fingerprint, also when a subkey signed. */
  fingerprint: string;
  signedAt: Date;
}

const refuse = (code: string, message: string): ApiError => new ApiError(422, code, message);

/**
 * Verifies the detached signature of a tarball (DESIGN §3 Signature): one binary-mode signature
 * over exactly the tarball's bytes, by one of the candidate keys, which must be valid both when
 * it signed and now (not revoked, not expired), made within 5 minutes of `now`.
 */
export async function verifyTarballSignature(input: TarballSignatureInput): Promise<VerifiedSignature> {
  const { now } = input;
  const signature = await readOneSignature(input.signatureArmored);
  const packet = signature.packets[0]!;
  const signedAt = packet.created;
  if (signedAt === null) throw refuse('signature_invalid', 'the signature has no creation time');

  const found = await findSigner(packet, input.candidateKeys);
  if (found === null) {
    throw refuse(
      'signature_unknown_key',
      `the signature was made by key ${packet.issuerKeyID.toHex().toUpperCase()}, which is not one of your registered keys`,
    );
  }
  const { candidate, key, signingKey } = found;
  const fingerprint = candidate.fingerprint;

  if (candidate.revokedAt !== null)
    throw refuse(
      'signature_key_revoked',
      `the key ${fingerprint} was revoked on ${candidate.revokedAt.toISOString()}`,
    );
  if (
    candidate.keyExpiresAt !== null &&
    candidate.keyExpiresAt.getTime() <= Math.max(now.getTime(), signedAt.getTime())
  )
    throw refuse(
      'signature_key_expired',
      `the key ${fingerprint} expired on ${candidate.keyExpiresAt.toISOString()}`,
    );
  for (const at of [signedAt, now]) {
    const problem = await keyProblemAt(key, signingKey, at);
    if (problem === 'revoked')
      throw refuse('signature_key_revoked', `the key ${fingerprint} (or its signing subkey) is revoked`);
    if (problem === 'expired')
      throw refuse(
        'signature_key_expired',
        `the key ${fingerprint} (or its signing subkey) was expired at ${at.toISOString()}`,
      );
  }

  const skew = signedAt.getTime() - now.getTime();
  if (Math.abs(skew) > SIGNATURE_WINDOW_MS) {
    throw refuse(
      'signature_stale',
      `the signature was made at ${signedAt.toISOString()}, more than 5 minutes ${skew < 0 ? 'before' : 'after'} ` +
        `the upload (${now.toISOString()}): sign the package again, and check your clock`,
    );
  }

  try {
    const result = await verify({
      message: await createMessage({ binary: input.tarball }),
      signature,
      verificationKeys: key,
      expectSigned: true,
      format: 'binary',
      date: signedAt, // validity at signing time; validity now was checked above
    });
    for (const one of result.signatures) await one.verified;
  } catch (error) {
    throw refuse(
      'signature_invalid',
      `the signature does not verify the tarball with key ${fingerprint}: ${(error as Error).message}`,
    );
  }
  return { fingerprint, signedAt };
}

async function readOneSignature(armored: string): Promise<Signature> {
  const type = armorType(armored, MAX_SIGNATURE_ARMOR_BYTES, 'signature_invalid', 'signature');
  if (type !== 'SIGNATURE')
    throw refuse('signature_invalid', `expected a PGP SIGNATURE (a detached signature), got a PGP ${type}`);
  let signature: Signature;
  try {
    signature = await readSignature({ armoredSignature: armored });
  } catch (error) {
    throw refuse('signature_invalid', `the signature cannot be read: ${(error as Error).message}`);
  }
  if (signature.packets.length !== 1)
    throw refuse(
      'signature_invalid',
      `the block holds ${signature.packets.length} signatures; send exactly one`,
    );
  if (signature.packets[0]!.issuerKeyID.toHex() === '0000000000000000')
    throw refuse('signature_invalid', 'the signature does not name the key that made it');
  if (signature.packets[0]!.signatureType !== enums.signature.binary) {
    throw refuse(
      'signature_invalid',
      'the signature is not a binary-mode signature over the tarball (a text or other signature type)',
    );
  }
  return signature;
}

interface Signer {
  candidate: CandidateKey;
  key: PublicKey;
  signingKey: PublicKey | Subkey;
}

/** The candidate whose primary key or subkey issued the signature: by fingerprint when given. */
async function findSigner(
  packet: SignaturePacket,
  candidates: readonly CandidateKey[],
): Promise<Signer | null> {
  const issuerFingerprint =
    packet.issuerFingerprint === null ? null : Buffer.from(packet.issuerFingerprint).toString('hex');
  for (const candidate of candidates) {
    const key = await parsedKey(candidate.armored);
    if (key.getFingerprint().toUpperCase() !== candidate.fingerprint)
      throw new Error(`stored key ${candidate.fingerprint} holds another key, ${key.getFingerprint()}`);
    const signingKey = key
      .getKeys(packet.issuerKeyID)
      .find((one) => issuerFingerprint === null || one.getFingerprint() === issuerFingerprint);
    if (signingKey !== undefined) return { candidate, key, signingKey };
  }
  return null;
}

/**
 * Publishers' keys, parsed, by their armored text. openpgp remembers on each self-signature packet
 * that its cryptographic check passed, so a key parsed once checks its certifications once, not on
 * every publish (the checks that depend on a date — expiry, revocation — still run every time).
 * Keyed by the whole armor, so a key stored with other bytes (a new revocation, say) is parsed
 * afresh. Bounded; the least recently used goes first.
 */
const parsedKeys = new Map<string, Promise<PublicKey>>();
const PARSED_KEYS_MAX = 1000;

function parsedKey(armored: string): Promise<PublicKey> {
  let key = parsedKeys.get(armored);
  if (key === undefined) {
    key = readKey({ armoredKey: armored });
    key.catch(() => parsedKeys.delete(armored));
  } else {
    parsedKeys.delete(armored); // re-inserted below: most recently used last
  }
  parsedKeys.set(armored, key);
  if (parsedKeys.size > PARSED_KEYS_MAX) parsedKeys.delete(parsedKeys.keys().next().value!);
  return key;
}

/** Is the key (primary, and the subkey that signed) revoked or expired at `date`, per its own signatures? */
async function keyProblemAt(
  key: PublicKey,
  signingKey: PublicKey | Subkey,
  date: Date,
): Promise<'revoked' | 'expired' | null> {
  try {
    await key.verifyPrimaryKey(date);
    if (signingKey !== key) await (signingKey as Subkey).verify(date);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    if (/revoked/i.test(message)) return 'revoked';
    if (/expired/i.test(message)) return 'expired';
    return null; // anything else fails the signature check itself, as signature_invalid
  }
}
