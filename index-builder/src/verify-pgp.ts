import { createMessage, readKey, readSignature, verify as verifySignature, type Key } from 'openpgp';
import { FEED_HEAD_PATH, type IndexConfig } from '@skills/schema';
import type { Problems, WorkTree } from './verify-tree.js';

const SIGNATURE_PATH = `${FEED_HEAD_PATH}.asc`;
const KEY_FILE = /^keys\/([0-9A-F]{40})\.asc$/;

export interface SignatureCheckOptions {
  tree: WorkTree;
  problems: Problems;
  skipped: string[];
  config: IndexConfig | null;
  /** head.json's exact bytes; null when it is missing (reported elsewhere). */
  headBytes: Buffer | null;
  /** The registry's armored public key, as pinned outside the index. */
  publicKey?: string;
}

/**
 * feed/head.json.asc (DESIGN §4 Client sync 1): a detached signature over head.json's exact bytes.
 * With `publicKey` (the pinned key) it must verify with that key, whose primary fingerprint must
 * be config.json's signing_key when one is set. Without it but with a signing_key, the index's own
 * keys/<signing_key>.asc is used: that proves only that the tree agrees with itself (whoever can
 * write the tree can replace both), yet it catches a head rewritten without being signed again.
 * With neither, the check is skipped.
 */
export async function checkHeadSignature(options: SignatureCheckOptions): Promise<void> {
  const { tree, problems, config, headBytes } = options;
  const signingKey = config?.signing_key ?? null;
  let armored = options.publicKey;
  let source = 'the given public key';
  if (armored === undefined) {
    if (signingKey === null) {
      options.skipped.push('head signature: no publicKey given and config.json names no signing_key');
      return;
    }
    source = `keys/${signingKey}.asc`;
    const bytes = await tree.read(source);
    if (bytes === null) return; // checkKeys reports the missing key file.
    armored = bytes.toString('utf8');
  }
  if (headBytes === null) return;

  let key: Key;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    problems.add('HEAD_SIGNATURE_INVALID', source, `is not an OpenPGP key: ${(error as Error).message}`);
    return;
  }
  const fingerprint = key.getFingerprint().toUpperCase();
  if (signingKey !== null && fingerprint !== signingKey) {
    problems.add(
      'HEAD_SIGNATURE_INVALID',
      'config.json',
      `names the signing key ${signingKey}, but ${source} is ${fingerprint}`,
    );
  }
  const signatureBytes = await tree.read(SIGNATURE_PATH);
  if (signatureBytes === null) {
    problems.add('HEAD_SIGNATURE_INVALID', SIGNATURE_PATH, 'is missing: feed/head.json is not signed');
    return;
  }
  try {
    const signature = await readSignature({ armoredSignature: signatureBytes.toString('utf8') });
    const result = await verifySignature({
      message: await createMessage({ binary: new Uint8Array(headBytes) }),
      signature,
      verificationKeys: key,
      expectSigned: true,
      format: 'binary',
    });
    for (const one of result.signatures) await one.verified;
  } catch (error) {
    problems.add(
      'HEAD_SIGNATURE_INVALID',
      SIGNATURE_PATH,
      `does not verify feed/head.json with ${source} (${fingerprint}): ${(error as Error).message}`,
    );
  }
}

/**
 * keys/ (DESIGN §4 Paths): every file is keys/<40 uppercase hex>.asc holding an armored public
 * key (never a private one) whose primary fingerprint is the file name; config.json's signing_key,
 * when set, has its file there.
 */
export async function checkKeys(
  tree: WorkTree,
  problems: Problems,
  config: IndexConfig | null,
): Promise<void> {
  const bad = (file: string, message: string): void => problems.add('INDEX_KEY_INVALID', file, message);
  for (const file of tree.files('keys/')) {
    const named = KEY_FILE.exec(file)?.[1];
    if (named === undefined) {
      bad(file, 'is not named keys/<40 uppercase hex digits>.asc');
      continue;
    }
    const bytes = await tree.read(file);
    if (bytes === null) continue;
    if (bytes.includes(0x0d)) bad(file, 'holds a carriage return (0x0D), which index files never do');
    let key: Key;
    try {
      key = await readKey({ armoredKey: bytes.toString('utf8') });
    } catch (error) {
      bad(file, `is not an armored OpenPGP key: ${(error as Error).message}`);
      continue;
    }
    if (key.isPrivate()) bad(file, 'holds a PRIVATE key: remove it and revoke the key');
    const fingerprint = key.getFingerprint().toUpperCase();
    if (fingerprint !== named) bad(file, `holds the key ${fingerprint}, not the one its name gives`);
  }
  const signingKey = config?.signing_key ?? null;
  if (signingKey !== null && !tree.has(`keys/${signingKey}.asc`)) {
    bad(`keys/${signingKey}.asc`, "is missing: config.json names it as the registry's signing key");
  }
}
