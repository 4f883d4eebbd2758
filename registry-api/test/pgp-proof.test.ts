import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { ApiError } from '../src/http/problem.js';
import {
  CHALLENGE_TTL_MS,
  consumeChallenge,
  createChallenge,
  MAX_OPEN_CHALLENGES,
  openChallenges,
  proofMessage,
  verifyProof,
} from '../src/pgp/proof.js';
import { testDatabases } from './databases.js';
import { detachedSignature, insertUser, later, MINUTE, newKey, type TestKey } from './pgp-helpers.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).code;
  }
  throw new Error('it was accepted');
}

describe('key registration proofs', () => {
  let key: TestKey;
  let other: TestKey;
  beforeAll(async () => {
    [key, other] = await Promise.all([newKey(), newKey()]);
  });

  it('sign skills-key:<username>:<nonce>', () => {
    expect(proofMessage('ada', 'n0nce')).toBe('skills-key:ada:n0nce');
  });

  it('verify a detached signature by the key over exactly that text', async () => {
    const proof = await detachedSignature(key.privateKey, proofMessage('ada', 'abc'));
    await verifyProof(key.publicKey, proof, 'ada', 'abc');
  });

  it('refuse a proof over another nonce or username, by another key, or not a signature', async () => {
    const proof = await detachedSignature(key.privateKey, proofMessage('ada', 'abc'));
    expect(await codeOf(verifyProof(key.publicKey, proof, 'ada', 'abd'))).toBe('key_proof_invalid');
    expect(await codeOf(verifyProof(key.publicKey, proof, 'bob', 'abc'))).toBe('key_proof_invalid');
    const byOther = await detachedSignature(other.privateKey, proofMessage('ada', 'abc'));
    expect(await codeOf(verifyProof(key.publicKey, byOther, 'ada', 'abc'))).toBe('key_proof_invalid');
    expect(await codeOf(verifyProof(key.publicKey, key.armored, 'ada', 'abc'))).toBe('key_proof_invalid');
    expect(await codeOf(verifyProof(key.publicKey, 'nope', 'ada', 'abc'))).toBe('key_proof_invalid');
    const both = await detachedSignature([key.privateKey, other.privateKey], proofMessage('ada', 'abc'));
    expect(await codeOf(verifyProof(key.publicKey, both, 'ada', 'abc'))).toBe('key_proof_invalid');
    const garbled = proof.replace(/\n[A-Za-z0-9+/]{24}/, '\nAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(await codeOf(verifyProof(key.publicKey, garbled, 'ada', 'abc'))).toBe('key_proof_invalid');
  });
});

describe.each(testDatabases)('key challenges on $kind', (database) => {
  let db: Database;
  const now = new Date('2030-01-01T00:00:00Z');
  beforeAll(async () => {
    db = await database.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('are 32 random bytes in base64url, valid 10 minutes', async () => {
    const user = await insertUser(db);
    const nonce = await createChallenge(db, user.id, now);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.query<{ user_id: number; expires_at: Date; used_at: Date | null }>(
      'SELECT user_id, expires_at, used_at FROM key_challenges WHERE nonce = $1',
      [nonce],
    );
    expect(rows).toEqual([{ user_id: user.id, expires_at: later(now, CHALLENGE_TTL_MS), used_at: null }]);
    expect(await createChallenge(db, user.id, now)).not.toBe(nonce);
  });

  it('are used once, by their own user, before they expire', async () => {
    const [ada, bob] = [await insertUser(db), await insertUser(db)];
    const nonce = await createChallenge(db, ada.id, now);
    expect(await codeOf(consumeChallenge(db, bob.id, nonce, now))).toBe('key_challenge_invalid');
    await consumeChallenge(db, ada.id, nonce, later(now, MINUTE));
    expect(await codeOf(consumeChallenge(db, ada.id, nonce, later(now, MINUTE)))).toBe(
      'key_challenge_invalid',
    );
    const late = await createChallenge(db, ada.id, now);
    expect(await codeOf(consumeChallenge(db, ada.id, late, later(now, 10 * MINUTE)))).toBe(
      'key_challenge_invalid',
    );
    expect(await codeOf(consumeChallenge(db, ada.id, 'unknown', now))).toBe('key_challenge_invalid');
  });

  it('list the open ones newest first, and keep only a few open per user', async () => {
    const user = await insertUser(db);
    expect(await openChallenges(db, user.id, now)).toEqual([]);
    const nonces: string[] = [];
    for (let i = 0; i < MAX_OPEN_CHALLENGES + 3; i++)
      nonces.push(await createChallenge(db, user.id, later(now, i * 1000)));
    expect(await openChallenges(db, user.id, later(now, 10_000))).toEqual(
      nonces.slice(-MAX_OPEN_CHALLENGES).reverse(),
    );
    const { rowCount } = await db.query('SELECT nonce FROM key_challenges WHERE user_id = $1', [user.id]);
    expect(rowCount).toBe(MAX_OPEN_CHALLENGES);
    // Used and expired ones are cleared when the next one is made.
    await consumeChallenge(db, user.id, nonces.at(-1)!, later(now, 10_000));
    const next = await createChallenge(db, user.id, later(now, 11 * MINUTE));
    const left = await db.query<{ nonce: string }>('SELECT nonce FROM key_challenges WHERE user_id = $1', [
      user.id,
    ]);
    expect(left.rows.map((r) => r.nonce)).toEqual([next]);
  });
});
