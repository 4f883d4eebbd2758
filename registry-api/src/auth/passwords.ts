import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Password length rule, in code points after NFC normalization (DESIGN §5 leaves it to us). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** What new hashes use: 32 MiB and ~80 ms per hash on the reference machine. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Parameters are read back from the database: a damaged or planted row must not make one login
// allocate gigabytes or spin for minutes.
const MAX_MEMORY = 256 * 1024 * 1024;
const MAX_P = 16;

// The salt of the dummy hash: any fixed value works, its cost is what matters.
const DUMMY_SALT = Buffer.alloc(SALT_BYTES, 0x5a);

/** Why this password is refused, or null when it follows the rule. */
export function passwordProblem(password: string): string | null {
  const length = [...password.normalize('NFC')].length;
  if (length < PASSWORD_MIN_LENGTH)
    return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}

/** A self-describing hash `scrypt$N$r$p$<salt>$<hash>` (base64url), so parameters can change later. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/** Constant-time comparison against a stored hash; a hash we cannot read never matches. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (parsed === null) return dummyVerify(password);
  const derived = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(derived, parsed.hash);
}

/**
 * Spends what a real verification spends and answers false: a login for an unknown user takes as
 * long as one with a wrong password, so timing does not tell which usernames exist.
 */
export async function dummyVerify(password: string): Promise<false> {
  await derive(password, DUMMY_SALT, KEY_BYTES, SCRYPT_PARAMS);
  return false;
}

/** True when a stored hash uses other parameters than new hashes do: rehash it at the next login. */
export function needsRehash(encoded: string): boolean {
  const parsed = parseHash(encoded);
  if (parsed === null) return true;
  const { N, r, p } = parsed.params;
  return (
    N !== SCRYPT_PARAMS.N ||
    r !== SCRYPT_PARAMS.r ||
    p !== SCRYPT_PARAMS.p ||
    parsed.hash.length !== KEY_BYTES
  );
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(encoded: string): ParsedHash | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^[1-9][0-9]{0,9}$/.test(part) ? Number(part) : NaN));
  if (N === undefined || r === undefined || p === undefined) return null;
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) return null;
  if (!Number.isSafeInteger(r) || !Number.isSafeInteger(p) || p > MAX_P) return null;
  if (128 * N * r > MAX_MEMORY) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const hash = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { params: { N, r, p }, salt, hash };
}

function derive(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  // NFC: the same password typed on two systems may arrive composed or decomposed.
  const input = password.normalize('NFC');
  const maxmem = 2 * 128 * params.N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(input, salt, keyLength, { ...params, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
