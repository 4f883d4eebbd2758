import { randomBytes } from 'node:crypto';
import { createMessage, enums, readSignature, verify, type PublicKey, type Signature } from 'openpgp';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import { armorType } from './armor.js';

export const CHALLENGE_TTL_MS = 10 * 60_000;
/** Open challenges kept per user; older ones are dropped when a new one is made. */
export const MAX_OPEN_CHALLENGES = 5;
export const MAX_SIGNATURE_ARMOR_BYTES = 16 * 1024;

/** The exact text a key-registration proof signs (DESIGN §5 keys). */
export function proofMessage(username: string, nonce: string): string {
  return `skills-key:${username}:${nonce}`;
}

/**
 * Checks that `proofArmored` is one detached signature by `key` (its primary key or one of its
 * subkeys) over exactly the bytes of proofMessage(username, nonce). A text-mode signature is
 * accepted too: the message has no line ending, so both modes sign the same bytes.
 */
export async function verifyProof(
  key: PublicKey,
  proofArmored: string,
  username: string,
  nonce: string,
): Promise<void> {
  const invalid = (message: string): ApiError => new ApiError(422, 'key_proof_invalid', message);
  const type = armorType(proofArmored, MAX_SIGNATURE_ARMOR_BYTES, 'key_proof_invalid', 'proof');
  if (type !== 'SIGNATURE') throw invalid(`the proof must be a PGP SIGNATURE, not a PGP ${type}`);
  let signature: Signature;
  try {
    signature = await readSignature({ armoredSignature: proofArmored });
  } catch (error) {
    throw invalid(`the proof cannot be read: ${(error as Error).message}`);
  }
  const [packet, ...more] = signature.packets;
  if (packet === undefined || more.length > 0) throw invalid('the proof must hold exactly one signature');
  if (packet.signatureType !== enums.signature.binary && packet.signatureType !== enums.signature.text)
    throw invalid('the proof must be a detached signature over the challenge text');
  if (key.getKeys(packet.issuerKeyID).length === 0)
    throw invalid(
      `the proof was made by key ${packet.issuerKeyID.toHex().toUpperCase()}, not by the key being registered`,
    );
  try {
    const result = await verify({
      message: await createMessage({ binary: new TextEncoder().encode(proofMessage(username, nonce)) }),
      signature,
      verificationKeys: key,
      expectSigned: true,
      format: 'binary',
      // The key's validity now is judged by readPublisherKey; here, at the moment it signed.
      date: packet.created ?? undefined,
    });
    for (const one of result.signatures) await one.verified;
  } catch (error) {
    throw invalid(
      `the proof is not a signature by this key over "${proofMessage(username, nonce)}": ${(error as Error).message}`,
    );
  }
}

/**
 * A new registration challenge for the user: 32 random bytes, base64url, valid 10 minutes. The
 * user's used and expired challenges are dropped, and open ones beyond the newest few.
 */
export async function createChallenge(q: Queryable, userId: number, now: Date): Promise<string> {
  const nonce = randomBytes(32).toString('base64url');
  await q.query(
    'DELETE FROM key_challenges WHERE user_id = $1 AND (used_at IS NOT NULL OR expires_at <= $2)',
    [userId, now],
  );
  await q.query('INSERT INTO key_challenges (nonce, user_id, expires_at) VALUES ($1, $2, $3)', [
    nonce,
    userId,
    new Date(now.getTime() + CHALLENGE_TTL_MS),
  ]);
  await q.query(
    `DELETE FROM key_challenges WHERE user_id = $1 AND nonce NOT IN (
       SELECT nonce FROM key_challenges WHERE user_id = $1 ORDER BY expires_at DESC, nonce LIMIT $2)`,
    [userId, MAX_OPEN_CHALLENGES],
  );
  return nonce;
}

/** The user's challenges that are neither used nor expired, newest first (at most a few). */
export async function openChallenges(q: Queryable, userId: number, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ nonce: string }>(
    `SELECT nonce FROM key_challenges WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2
     ORDER BY expires_at DESC, nonce`,
    [userId, now],
  );
  return rows.map((row) => row.nonce);
}

/**
 * Marks the user's challenge used, once: a second use, an expired challenge or another user's
 * is refused (`key_challenge_invalid`). Run it in the registration's transaction, so a refusal
 * later on leaves the challenge open.
 */
export async function consumeChallenge(
  q: Queryable,
  userId: number,
  nonce: string,
  now: Date,
): Promise<void> {
  const { rowCount } = await q.query(
    `UPDATE key_challenges SET used_at = $3
     WHERE nonce = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3`,
    [nonce, userId, now],
  );
  if (rowCount === 1) return;
  const { rows } = await q.query<{ used_at: Date | null }>(
    'SELECT used_at FROM key_challenges WHERE nonce = $1 AND user_id = $2',
    [nonce, userId],
  );
  const row = rows[0];
  const why =
    row === undefined
      ? 'is unknown'
      : row.used_at !== null
        ? 'was already used'
        : 'has expired (challenges last 10 minutes)';
  throw new ApiError(
    422,
    'key_challenge_invalid',
    `the key challenge ${why}: get a new one from GET /api/v1/keys/challenge`,
  );
}
