import type { PrivateKey } from 'openpgp';
import { SkillsError } from '@skills/schema';
import type { HomePaths } from '../home/paths.js';
import { readPrivateKeyArmored } from './keystore.js';
import { loadOpenpgp } from './openpgp.js';
import { passphraseSource, type PassphraseOptions } from './passphrase.js';

export interface GeneratedKey {
  fingerprint: string;
  publicArmored: string;
  privateArmored: string;
}

/**
 * A new publishing key: ed25519 in its "legacy" EdDSA encoding (DESIGN §1: gpg 2.2 rejects the
 * newer key type, and we promise `gpg --verify` works on our signatures), a primary key only —
 * it certifies and signs; we never encrypt, so no encryption subkey is made. No expiry: a key is
 * retired by revoking it (`skills keys revoke`).
 */
export async function generateSigningKey(input: {
  name: string;
  email: string | null;
  passphrase: string | null;
}): Promise<GeneratedKey> {
  const openpgp = await loadOpenpgp();
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [input.email === null ? { name: input.name } : { name: input.name, email: input.email }],
    subkeys: [],
    format: 'armored',
    ...(input.passphrase === null ? {} : { passphrase: input.passphrase }),
  });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicArmored: publicKey,
    privateArmored: privateKey,
  };
}

/**
 * The private key, ready to sign. `passphrase` is asked only when the key is protected, so an
 * unprotected key never prompts.
 */
export async function unlockPrivateKey(
  armored: string,
  fingerprint: string,
  passphrase: () => Promise<string>,
): Promise<PrivateKey> {
  const openpgp = await loadOpenpgp();
  const key = await openpgp.readPrivateKey({ armoredKey: armored });
  if (key.isDecrypted()) return key;
  const secret = await passphrase();
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: secret });
  } catch (error) {
    throw new SkillsError('KEY_PASSPHRASE', `the passphrase does not unlock the key ${fingerprint}`, {
      hint: 'type it again (it is the one given to `skills keys generate`), or set SKILLS_KEY_PASSPHRASE',
      cause: error,
    });
  }
}

/**
 * An armored detached signature over exactly `bytes`, in binary mode (signature type 0x00): the
 * registry and `gpg --verify` check it over the bytes as they are, with no line-ending rewriting.
 */
export async function signDetached(bytes: Uint8Array, key: PrivateKey): Promise<string> {
  const openpgp = await loadOpenpgp();
  return openpgp.sign({
    message: await openpgp.createMessage({ binary: bytes }),
    signingKeys: key,
    detached: true,
    format: 'armored',
  });
}

/** The reasons a key may be revoked with, as OpenPGP flags (RFC 4880 5.2.3.23). */
export type RevocationFlag = 'compromised' | 'superseded' | 'retired';

/**
 * `publicArmored` (the public key as kept here, which may already carry a revocation) with one
 * more revocation signature, made now with the key itself: what the registry publishes as
 * keys/<FPR>.asc and installers judge.
 */
export async function revokeLocally(
  key: PrivateKey,
  reason: RevocationFlag,
  publicArmored: string,
): Promise<string> {
  const openpgp = await loadOpenpgp();
  const flags = {
    compromised: openpgp.enums.reasonForRevocation.keyCompromised,
    superseded: openpgp.enums.reasonForRevocation.keySuperseded,
    retired: openpgp.enums.reasonForRevocation.keyRetired,
  };
  const { publicKey: revoked } = await openpgp.revokeKey({
    key,
    reasonForRevocation: { flag: flags[reason], string: '' },
    format: 'object',
  });
  const current = await openpgp.readKey({ armoredKey: publicArmored });
  current.revocationSignatures.push(...revoked.revocationSignatures);
  return current.armor();
}

/** The stored private key of `fingerprint`, unlocked (asking for its passphrase only if it has one). */
export async function unlockStoredKey(
  home: HomePaths,
  fingerprint: string,
  passphrase: PassphraseOptions,
): Promise<PrivateKey> {
  return unlockPrivateKey(
    await readPrivateKeyArmored(home, fingerprint),
    fingerprint,
    passphraseSource(passphrase, fingerprint),
  );
}
