import {
  enums,
  readKey,
  readKeys,
  readSignature,
  unarmor,
  type PublicKey,
  type SignaturePacket,
} from 'openpgp';
import { ApiError } from '../http/problem.js';
import { armorType } from './armor.js';
import { CLOCK_SKEW_MS, MAX_KEY_ARMOR_BYTES } from './key-policy.js';

/** The reasons the registry records (RFC 4880 5.2.3.23); null is "no reason given". */
export const REVOCATION_REASONS = ['compromised', 'superseded', 'retired'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** One verified key revocation signature the stored key carries. */
export interface KeyRevocation {
  at: Date;
  reason: RevocationReason | null;
}

export interface MergedRevocation {
  /** The stored key with the new revocation signatures added, armoured by us. */
  armored: string;
  /** The revocations of the key as sent (new ones and those the key already carried), oldest first. */
  sent: KeyRevocation[];
  /** Every revocation the key now carries, oldest first. */
  all: KeyRevocation[];
  /** How many of the signatures sent were not on the stored key yet. */
  added: number;
}

/** 4.2 of RFC 4880: packet tags of the first packet we accept. */
const TAG_SIGNATURE = 2;
const TAG_SECRET_KEY = 5;
const TAG_PUBLIC_KEY = 6;

const refuse = (code: string, message: string): ApiError => new ApiError(422, code, message);

/**
 * Reads the revocation a key's owner sent and adds it to the stored public key. Accepted, in one
 * ASCII-armoured block of at most 64 KiB: the revoked public key as openpgp's `revokeKey` or
 * `gpg --export` give it once a revocation was imported (only its key revocation signatures are
 * taken; its user IDs and subkeys are not), or a bare revocation certificate (gpg's
 * `--gen-revoke`, openpgp's `revocationCertificate`: key revocation signature packets alone,
 * armoured as a public key block or as a signature). Every key revocation signature sent must be a self-revocation of exactly
 * this key that verifies and is not dated in the future; otherwise nothing is taken:
 * `revocation_other_key` when the block is another key, `revocation_invalid` for anything else
 * (unreadable, no key revocation in it, made by another key, forged, from the future).
 */
export async function mergeRevocation(
  stored: { fingerprint: string; armored: string },
  text: string,
  now: Date,
): Promise<MergedRevocation> {
  const type = armorType(text, MAX_KEY_ARMOR_BYTES, 'revocation_invalid', 'revocation');
  if (type !== 'PUBLIC KEY BLOCK' && type !== 'SIGNATURE') {
    throw refuse(
      'revocation_invalid',
      `expected the revoked PUBLIC key or a revocation certificate, got a PGP ${type}${type.includes('PRIVATE') ? ' (keep the private key secret)' : ''}`,
    );
  }
  const key = await readKey({ armoredKey: stored.armored });
  const signatures = await keyRevocationsIn(text, stored.fingerprint);
  const sent: KeyRevocation[] = [];
  let added = 0;
  for (const signature of signatures) {
    sent.push(await checkSelfRevocation(key, signature, now));
    const bytes = signature.write();
    if (!key.revocationSignatures.some((known) => sameBytes(known.write(), bytes))) {
      key.revocationSignatures.push(signature);
      added += 1;
    }
  }
  const all = key.revocationSignatures.map(revocationOf);
  return { armored: key.armor(), sent: byTime(sent), all: byTime(all), added };
}

/** The key revocation signature packets of the block, or a refusal. */
async function keyRevocationsIn(text: string, fingerprint: string): Promise<SignaturePacket[]> {
  let data: Uint8Array;
  try {
    data = (await unarmor(text)).data as Uint8Array;
  } catch (error) {
    throw refuse('revocation_invalid', `the revocation cannot be read: ${(error as Error).message}`);
  }
  const tag = firstPacketTag(data);
  let signatures: SignaturePacket[];
  try {
    if (tag === TAG_PUBLIC_KEY) {
      const keys = (await readKeys({ binaryKeys: data })) as PublicKey[];
      if (keys.length !== 1)
        throw refuse('revocation_invalid', `the block holds ${keys.length} keys; send exactly one`);
      const sentFingerprint = keys[0]!.getFingerprint().toUpperCase();
      if (sentFingerprint !== fingerprint) {
        throw refuse(
          'revocation_other_key',
          `the block is the key ${sentFingerprint}, not ${fingerprint}: send the revocation of this key`,
        );
      }
      signatures = keys[0]!.revocationSignatures;
    } else if (tag === TAG_SIGNATURE) {
      signatures = [...(await readSignature({ binarySignature: data })).packets];
      const other = signatures.find((packet) => packet.signatureType !== enums.signature.keyRevocation);
      if (other !== undefined) {
        throw refuse(
          'revocation_invalid',
          'a revocation certificate holds key revocation signatures (type 0x20) and nothing else',
        );
      }
    } else {
      throw refuse(
        'revocation_invalid',
        tag === TAG_SECRET_KEY
          ? 'this is a PRIVATE key: send the revoked public key or the revocation certificate'
          : 'the block is neither a public key nor a revocation certificate',
      );
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw refuse('revocation_invalid', `the revocation cannot be read: ${(error as Error).message}`);
  }
  if (signatures.length === 0)
    throw refuse('revocation_invalid', 'the block holds no key revocation signature: revoke the key first');
  return signatures;
}

/** A verified self-revocation of `key`, or a refusal saying what is wrong with it. */
async function checkSelfRevocation(
  key: PublicKey,
  signature: SignaturePacket,
  now: Date,
): Promise<KeyRevocation> {
  const fingerprint = key.getFingerprint().toUpperCase();
  if (signature.created === null)
    throw refuse('revocation_invalid', 'the revocation signature carries no creation time');
  if (!signature.issuerKeyID.equals(key.getKeyID())) {
    throw refuse(
      'revocation_invalid',
      `the revocation was made by the key ${signature.issuerKeyID.toHex().toUpperCase()}, not by ${fingerprint} itself: only a key's own revocation is accepted`,
    );
  }
  try {
    // Judged a few minutes ahead: the owner's clock may run a little fast.
    const latest = new Date(now.getTime() + CLOCK_SKEW_MS);
    await signature.verify(key.keyPacket, enums.signature.keyRevocation, { key: key.keyPacket }, latest);
  } catch (error) {
    const message = (error as Error).message;
    throw refuse(
      'revocation_invalid',
      /future/i.test(message)
        ? `the revocation is dated ${signature.created.toISOString()}, in the future; check your clock`
        : `the revocation does not verify with the key ${fingerprint}: ${message}`,
    );
  }
  return revocationOf(signature);
}

function revocationOf(signature: SignaturePacket): KeyRevocation {
  return { at: signature.created!, reason: reasonOf(signature.reasonForRevocationFlag) };
}

export function reasonOf(flag: number | null): RevocationReason | null {
  if (flag === enums.reasonForRevocation.keyCompromised) return 'compromised';
  if (flag === enums.reasonForRevocation.keySuperseded) return 'superseded';
  if (flag === enums.reasonForRevocation.keyRetired) return 'retired';
  return null;
}

/**
 * What a set of revocations means for the key row: revoked since the earliest one, `compromised`
 * when any says so (installers then warn about everything it signed before), else the earliest's
 * reason.
 */
export function revocationState(revocations: readonly KeyRevocation[]): KeyRevocation {
  const earliest = byTime(revocations)[0]!;
  const compromised = revocations.some((revocation) => revocation.reason === 'compromised');
  return { at: earliest.at, reason: compromised ? 'compromised' : earliest.reason };
}

function byTime(revocations: readonly KeyRevocation[]): KeyRevocation[] {
  return [...revocations].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The tag of the first OpenPGP packet (old or new header format), or null. */
function firstPacketTag(data: Uint8Array): number | null {
  const header = data[0];
  if (header === undefined || (header & 0x80) === 0) return null;
  return header & 0x40 ? header & 0x3f : (header & 0x3c) >> 2;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
