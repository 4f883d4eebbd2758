import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createMessage, generateKey, readPrivateKey, sign, type PrivateKey } from 'openpgp';

/** The private key file in the keys directory (mode 0600), and its public key beside it. */
export const PRIVATE_KEY_FILE = 'signing.key';
export const PUBLIC_KEY_FILE = 'signing.asc';

/** The registry's own signing key: it signs feed/head.json (DESIGN §5). */
export interface RegistryKey {
  /** The primary fingerprint, 40 uppercase hex digits: config.json's `signing_key`. */
  fingerprint: string;
  /** The armoured public key, as served at keys/<fingerprint>.asc. */
  publicArmored: string;
  /** An armoured detached binary-mode signature over exactly `bytes`. */
  sign(bytes: Uint8Array): Promise<string>;
}

export interface RegistryKeyOptions {
  /** The user ID of a newly generated key. */
  userId?: string;
}

/**
 * Loads the registry's signing key from `dir`, generating it on first use: an ed25519 (legacy
 * curve) key, which Debian's gpg 2.2 verifies, without a passphrase (the server signs
 * unattended) and without subkeys. Several processes starting at once on one data dir end up
 * with the same key: the private file is published with link(2), which never overwrites.
 */
export async function loadOrCreateRegistryKey(
  dir: string,
  options: RegistryKeyOptions = {},
): Promise<RegistryKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privatePath = path.join(dir, PRIVATE_KEY_FILE);
  let armored = await readFile(privatePath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (armored === null) armored = await createKeyFile(privatePath, options.userId ?? 'skills registry');
  else await tightenMode(privatePath);

  let privateKey: PrivateKey;
  try {
    privateKey = await readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new Error(`${privatePath} is not an armoured OpenPGP private key: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!privateKey.isDecrypted())
    throw new Error(
      `${privatePath} is protected by a passphrase; the registry needs it unprotected to sign unattended`,
    );
  await privateKey.getSigningKey();

  const publicArmored = privateKey.toPublic().armor();
  await writePublicKey(path.join(dir, PUBLIC_KEY_FILE), publicArmored);
  return {
    fingerprint: privateKey.getFingerprint().toUpperCase(),
    publicArmored,
    sign: async (bytes) =>
      sign({
        message: await createMessage({ binary: bytes }),
        signingKeys: privateKey,
        detached: true,
        format: 'armored',
      }),
  };
}

async function createKeyFile(privatePath: string, userId: string): Promise<string> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: userId }],
    subkeys: [],
    format: 'armored',
  });
  const temporary = `${privatePath}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(privateKey, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, privatePath);
    return privateKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(privatePath, 'utf8'); // another process made one first: use theirs
  } finally {
    await unlink(temporary);
  }
}

/** The private key must be readable by its owner only. */
async function tightenMode(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
}

async function writePublicKey(file: string, armored: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => null);
  if (current === armored) return;
  const temporary = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'wx', 0o644);
  try {
    await handle.writeFile(armored, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
