import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isFingerprint, printable, SkillsError } from '@skills/schema';
import { writeFileAtomic } from '../fs/atomic.js';
import { readTextIfExists } from '../fs/read.js';
import type { CliConfig } from '../home/config.js';
import type { HomePaths } from '../home/paths.js';
import { loadOpenpgp } from './openpgp.js';

/**
 * The publisher's keys live in `$SKILLS_HOME/keys/` (mode 0700): `<FPR>.asc` is the armored public
 * key (0644), `<FPR>.key` the armored private key (0600, encrypted when a passphrase was given).
 * Named by the primary fingerprint, so a file name is never taken from anything but a key we read.
 */
export function keysDir(home: HomePaths): string {
  return path.join(home.root, 'keys');
}

export function publicKeyFile(home: HomePaths, fingerprint: string): string {
  return path.join(keysDir(home), `${fingerprint}.asc`);
}

export function privateKeyFile(home: HomePaths, fingerprint: string): string {
  return path.join(keysDir(home), `${fingerprint}.key`);
}

/** A key of this computer, as `skills keys list` shows it. */
export interface LocalKey {
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  createdAt: Date;
  expiresAt: Date | null;
  revoked: boolean;
  /** The private key is here (`<FPR>.key`), so it can sign. */
  hasPrivate: boolean;
  /** The private key is protected by a passphrase (null when there is no private key). */
  encrypted: boolean | null;
}

export async function saveKeyPair(
  home: HomePaths,
  key: { fingerprint: string; publicArmored: string; privateArmored: string },
): Promise<void> {
  const dir = keysDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // The private key first: a public key alone is never mistaken for a usable pair.
  await writeFileAtomic(privateKeyFile(home, key.fingerprint), key.privateArmored, { mode: 0o600 });
  await writeFileAtomic(publicKeyFile(home, key.fingerprint), key.publicArmored, { mode: 0o644 });
}

/** Replaces the public key file, e.g. with the key carrying its revocation. */
export async function savePublicKey(home: HomePaths, fingerprint: string, armored: string): Promise<void> {
  await writeFileAtomic(publicKeyFile(home, fingerprint), armored, { mode: 0o644 });
}

/** Every key under keys/, by fingerprint; a file that is not a readable key is skipped. */
export async function listLocalKeys(
  home: HomePaths,
  onSkip?: (file: string, why: string) => void,
): Promise<LocalKey[]> {
  let names: string[];
  try {
    names = await readdir(keysDir(home));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const keys: LocalKey[] = [];
  for (const name of names.sort()) {
    const match = /^([0-9A-F]{40})\.asc$/.exec(name);
    if (match === null) continue;
    try {
      keys.push(await describeLocalKey(home, match[1]!));
    } catch (error) {
      onSkip?.(path.join(keysDir(home), name), (error as Error).message);
    }
  }
  return keys;
}

export async function describeLocalKey(home: HomePaths, fingerprint: string): Promise<LocalKey> {
  const openpgp = await loadOpenpgp();
  const armored = await readTextIfExists(publicKeyFile(home, fingerprint));
  if (armored === null) throw keyNotFound(fingerprint);
  const key = await openpgp.readKey({ armoredKey: armored });
  if (key.getFingerprint().toUpperCase() !== fingerprint) {
    throw new SkillsError('KEY_NOT_FOUND', `${publicKeyFile(home, fingerprint)} holds another key`, {
      hint: 'move the file away: key files are named after their fingerprint',
    });
  }
  const privateArmored = await readTextIfExists(privateKeyFile(home, fingerprint));
  let encrypted: boolean | null = null;
  if (privateArmored !== null) {
    const privateKey = await openpgp.readPrivateKey({ armoredKey: privateArmored });
    encrypted = !privateKey.isDecrypted();
  }
  const expires = await key.getExpirationTime();
  const info = key.getAlgorithmInfo();
  return {
    fingerprint,
    userIds: key.getUserIDs(),
    algorithm: 'curve' in info && info.curve ? `${info.algorithm} (${info.curve})` : info.algorithm,
    createdAt: key.getCreationTime(),
    expiresAt: expires instanceof Date ? expires : null,
    revoked: await key.isRevoked(),
    hasPrivate: privateArmored !== null,
    encrypted,
  };
}

/**
 * The key `skills publish` signs with: `--key`, else config.json's `signingKey`, else the only
 * usable key here. It must be here with its private part and not revoked.
 */
export async function chooseSigningKey(
  home: HomePaths,
  config: CliConfig,
  option: string | undefined,
): Promise<LocalKey> {
  let fingerprint = option?.toUpperCase().replace(/\s+/g, '') ?? config.signingKey;
  if (fingerprint !== null && !isFingerprint(fingerprint)) {
    throw new SkillsError('KEY_NOT_FOUND', `"${printable(option ?? '')}" is not a key fingerprint`, {
      hint: 'give the 40 hex digits `skills keys list` shows',
    });
  }
  if (fingerprint === null) {
    const usable = (await listLocalKeys(home)).filter((key) => key.hasPrivate && !key.revoked);
    if (usable.length !== 1) {
      throw new SkillsError(
        'KEY_NONE',
        usable.length === 0
          ? 'there is no signing key on this computer'
          : 'several keys could sign, and none is chosen',
        {
          hint:
            usable.length === 0
              ? 'generate one with `skills keys generate`, then register it with `skills keys register`'
              : 'pass --key <fingerprint>, or register the one to use with `skills keys register <fingerprint>`',
        },
      );
    }
    fingerprint = usable[0]!.fingerprint;
  }
  const key = await describeLocalKey(home, fingerprint);
  if (!key.hasPrivate) {
    throw new SkillsError('KEY_NOT_FOUND', `the private key of ${fingerprint} is not on this computer`, {
      hint: `put it in ${privateKeyFile(home, fingerprint)}, or sign with another key (--key)`,
    });
  }
  if (key.revoked) {
    throw new SkillsError('SIGNER_KEY_REVOKED', `the key ${fingerprint} is revoked`, {
      hint: 'generate a new key with `skills keys generate` and register it with `skills keys register`',
    });
  }
  return key;
}

export async function readPrivateKeyArmored(home: HomePaths, fingerprint: string): Promise<string> {
  const armored = await readTextIfExists(privateKeyFile(home, fingerprint));
  if (armored === null) throw keyNotFound(fingerprint);
  return armored;
}

export async function readPublicKeyArmored(home: HomePaths, fingerprint: string): Promise<string> {
  const armored = await readTextIfExists(publicKeyFile(home, fingerprint));
  if (armored === null) throw keyNotFound(fingerprint);
  return armored;
}

function keyNotFound(fingerprint: string): SkillsError {
  return new SkillsError('KEY_NOT_FOUND', `there is no key ${fingerprint} on this computer`, {
    hint: 'see `skills keys list`, or generate one with `skills keys generate`',
  });
}
