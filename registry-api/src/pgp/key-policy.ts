import {
  readKeys,
  unarmor,
  type PublicKey,
  type PublicKeyPacket,
  type PublicSubkeyPacket,
  type SecretKeyPacket,
  type SecretSubkeyPacket,
} from 'openpgp';
import { ApiError } from '../http/problem.js';
import { armorType } from './armor.js';

export const MAX_KEY_ARMOR_BYTES = 64 * 1024;
export const MAX_USER_IDS = 16;
export const MAX_SUBKEYS = 16;
export const MIN_RSA_BITS = 2048;
/** Larger RSA keys only cost verification time; gpg itself stops at 4096 unless told otherwise. */
export const MAX_RSA_BITS = 8192;
/** Clocks differ: a self-signature made moments "in the future" by the publisher's clock is accepted. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A publisher's key that passed the policy (DESIGN §5 keys). */
export interface PublisherKey {
  /** The v4 primary key's fingerprint, 40 uppercase hex digits. */
  fingerprint: string;
  /** gpg's name for the primary key's algorithm: `ed25519`, `rsa4096`, `nistp256`, … */
  algorithm: string;
  createdAt: Date;
  expiresAt: Date | null;
  /** The public part only, armoured again by us (never the text the client sent). */
  armored: string;
  key: PublicKey;
}

const ECC_CURVES: Record<string, string> = {
  nistP256: 'nistp256',
  nistP384: 'nistp384',
  nistP521: 'nistp521',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

const refuse = (code: string, message: string): ApiError => new ApiError(422, code, message);

/**
 * Reads and judges a key a publisher wants to register. Refused: anything but exactly one v4
 * public key in one armoured block of at most 64 KiB; private keys; weak or unusual algorithms
 * in ANY key packet (RSA under 2048 bits, DSA, ElGamal, curves and algorithms gpg 2.2 cannot
 * verify — we promise `gpg --verify` works on every signature); more than 16 user IDs or
 * subkeys; a primary key that is revoked, expired or not valid at `now`; a key that cannot sign.
 */
export async function readPublisherKey(armored: string, now: Date): Promise<PublisherKey> {
  const type = armorType(armored, MAX_KEY_ARMOR_BYTES, 'key_invalid', 'key');
  if (type === 'PRIVATE KEY BLOCK' || type === 'SECRET KEY BLOCK')
    throw refuse(
      'key_private',
      'this is a PRIVATE key: send only the public key (and keep the private one secret)',
    );
  if (type !== 'PUBLIC KEY BLOCK')
    throw refuse('key_invalid', `expected a PGP PUBLIC KEY BLOCK, got a PGP ${type}`);

  let keys: PublicKey[];
  try {
    const { data } = await unarmor(armored);
    keys = (await readKeys({ binaryKeys: data as Uint8Array })) as PublicKey[];
  } catch (error) {
    throw refuse('key_invalid', `the key cannot be read: ${(error as Error).message}`);
  }
  if (keys.length !== 1) throw refuse('key_invalid', `the block holds ${keys.length} keys; send exactly one`);
  const key = keys[0]!;
  if (key.isPrivate())
    throw refuse(
      'key_private',
      'the block holds a PRIVATE key: send only the public key (and keep the private one secret)',
    );
  if (key.keyPacket.version !== 4)
    throw refuse(
      'key_unsupported',
      `v${key.keyPacket.version} keys are not accepted; use a v4 key (gpg's default)`,
    );
  if (key.users.length > MAX_USER_IDS)
    throw refuse(
      'key_invalid',
      `the key has ${key.users.length} user IDs; at most ${MAX_USER_IDS} are accepted`,
    );
  if (key.subkeys.length > MAX_SUBKEYS)
    throw refuse(
      'key_invalid',
      `the key has ${key.subkeys.length} subkeys; at most ${MAX_SUBKEYS} are accepted`,
    );

  const algorithm = checkAlgorithm(key.keyPacket, 'primary');
  for (const subkey of key.subkeys) checkAlgorithm(subkey.keyPacket, 'subkey');

  const createdAt = key.getCreationTime();
  if (createdAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw refuse(
      'key_invalid',
      `the key was created in the future (${createdAt.toISOString()}); check your clock`,
    );
  const validAt = await primaryValidity(key, now);
  try {
    await key.getSigningKey(undefined, validAt);
  } catch {
    throw refuse(
      'key_cannot_sign',
      'the key has no valid signing key (primary or subkey): it could not sign a package',
    );
  }
  const expiry = await key.getExpirationTime();
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    algorithm,
    createdAt,
    expiresAt: expiry instanceof Date ? expiry : null,
    armored: key.toPublic().armor(),
    key,
  };
}

/**
 * Is the primary key valid now? Revocation and expiry are judged at `now`; a key whose only
 * flaw is a self-signature dated a little after `now` (a publisher's clock running ahead) is
 * judged again a few minutes later. Answers the date at which it was found valid.
 */
async function primaryValidity(key: PublicKey, now: Date): Promise<Date> {
  try {
    await key.verifyPrimaryKey(now);
    return now;
  } catch (error) {
    const message = (error as Error).message;
    if (/revoked/i.test(message)) throw refuse('key_revoked', 'the key is revoked');
    if (/expired/i.test(message))
      throw refuse('key_expired', 'the key has expired; extend its expiry and export it again');
    const later = new Date(now.getTime() + CLOCK_SKEW_MS);
    try {
      await key.verifyPrimaryKey(later);
      return later;
    } catch {
      throw refuse('key_invalid', `the key is not valid: ${message}`);
    }
  }
}

/** Refuses a weak or unusual key packet; answers gpg's name for its algorithm. */
function checkAlgorithm(
  packet: PublicKeyPacket | PublicSubkeyPacket | SecretKeyPacket | SecretSubkeyPacket,
  role: 'primary' | 'subkey',
): string {
  const info = packet.getAlgorithmInfo();
  const where = role === 'primary' ? 'the primary key' : `subkey ${packet.getKeyID().toHex().toUpperCase()}`;
  switch (info.algorithm) {
    case 'rsaEncryptSign':
    case 'rsaSign':
    case 'rsaEncrypt': {
      const bits = info.bits ?? 0;
      if (bits < MIN_RSA_BITS)
        throw refuse('key_weak', `${where} is RSA with ${bits} bits; at least ${MIN_RSA_BITS} are needed`);
      if (bits > MAX_RSA_BITS)
        throw refuse(
          'key_unsupported',
          `${where} is RSA with ${bits} bits; at most ${MAX_RSA_BITS} are accepted`,
        );
      if (role === 'primary' && info.algorithm === 'rsaEncrypt')
        throw refuse('key_unsupported', `${where} is an encryption-only RSA key`);
      return `rsa${bits}`;
    }
    case 'dsa':
    case 'elgamal':
      throw refuse(
        'key_weak',
        `${where} uses ${info.algorithm === 'dsa' ? 'DSA' : 'ElGamal'}, which is no longer accepted; use ed25519 or RSA ≥ 2048`,
      );
    case 'eddsaLegacy':
      if (info.curve === 'ed25519Legacy') return 'ed25519';
      break;
    case 'ecdsa':
    case 'ecdh': {
      const name =
        info.algorithm === 'ecdh' && info.curve === 'curve25519Legacy'
          ? 'cv25519'
          : ECC_CURVES[info.curve ?? ''];
      if (name !== undefined && !(role === 'primary' && info.algorithm === 'ecdh')) return name;
      break;
    }
  }
  const curve = info.curve === undefined ? '' : ` on ${info.curve}`;
  throw refuse(
    'key_unsupported',
    `${where} uses ${info.algorithm}${curve}, which gpg 2.2 cannot verify or we do not accept; use ed25519 (gpg's default) or RSA ≥ 2048`,
  );
}
