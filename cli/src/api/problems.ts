import {
  ERROR_CODES,
  printable,
  ValidationError,
  type ErrorCode,
  type Issue,
  type SkillsErrorOptions,
} from '@skills/schema';

/** An RFC 9457 problem as the registry answers it (docs/openapi.yaml `Problem`). */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  hint?: string | null;
  issues?: Issue[];
  retry_after?: number;
}

/**
 * A request the registry refused. It carries the registry's own code (`version_exists`, …) so
 * scripts can tell refusals apart beyond our code; the report shows it as `registry_code`.
 */
export class RegistryError extends ValidationError {
  readonly registryCode: string;
  readonly status: number;
  /** Seconds the registry asked us to wait (429, 503). */
  readonly retryAfter: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    problem: Problem,
    retryAfter: number | null,
    options: SkillsErrorOptions = {},
  ) {
    super(code, message, problem.issues ?? [], options);
    this.registryCode = problem.code;
    this.status = problem.status;
    this.retryAfter = retryAfter;
  }
}

/** What an API code becomes in the CLI: our code and what the user can do about it. */
interface Mapping {
  code: ErrorCode;
  hint: string | ((problem: Problem, retryAfter: number | null) => string);
}

const LOGIN_AGAIN = 'log in again with `skills login` (or fix SKILLS_TOKEN / SKILLS_REGISTRIES_<NAME>_TOKEN)';
const NEW_KEY =
  'generate a key with `skills keys generate` (ed25519) and register it with `skills keys register`';
const OFFLINE = 'try again later; if it persists, tell the registry operator';

/**
 * The registry's problem codes (docs/API_SPEC.md "Error codes") and the CLI codes they map to.
 * Package refusals use the lower-cased codes of ERRORS.md and map back to them (see below). A
 * code missing here still reaches the user: REGISTRY_REFUSED with the registry's message.
 */
export const PROBLEM_CODES: Readonly<Record<string, Mapping>> = {
  unauthorized: { code: 'AUTH_REQUIRED', hint: 'log in with `skills login`, or set SKILLS_TOKEN' },
  invalid_credential: { code: 'AUTH_INVALID', hint: `the credential expired or was revoked: ${LOGIN_AGAIN}` },
  invalid_login: {
    code: 'LOGIN_FAILED',
    hint: 'check the username and the password; after 10 failures in 15 minutes the registry slows down logins for that name',
  },
  session_required: {
    code: 'AUTH_INVALID',
    hint: 'this needs a login session, not an API token: the command asks for your password (or takes --password-stdin)',
  },
  signup_disabled: { code: 'SIGNUP_DISABLED', hint: 'ask the registry operator for an account' },
  invalid_username: {
    code: 'ACCOUNT_INVALID',
    hint: 'a username is 1-64 lowercase letters, digits and single inner hyphens',
  },
  username_reserved: { code: 'ACCOUNT_INVALID', hint: 'choose another username: this one is reserved' },
  invalid_email: { code: 'ACCOUNT_INVALID', hint: 'give an email address such as ada@example.org' },
  invalid_password: { code: 'ACCOUNT_INVALID', hint: 'choose a password of 10 to 256 characters' },
  username_taken: {
    code: 'USERNAME_TAKEN',
    hint: 'choose another username (names that look alike, such as a1ice and alice, count as taken)',
  },
  insufficient_scope: {
    code: 'TOKEN_SCOPE',
    hint: 'the API token lacks the scope or its name patterns exclude this skill: `skills login` again (all scopes), or use a token made with `skills token create --scope …`',
  },
  not_owner: {
    code: 'NOT_OWNER',
    hint: 'ask an owner (`skills owner list <name>`) to run `skills owner add <name> <you>`, or choose another name',
  },
  name_confusable: {
    code: 'NAME_CONFUSABLE',
    hint: 'choose a name that does not look like another skill (0/o, 1/l, rn/m and hyphens count as alike)',
  },
  rate_limited: {
    code: 'RATE_LIMITED',
    hint: (_problem, retryAfter) =>
      retryAfter === null ? 'wait a minute, then try again' : `wait ${retryAfter} s, then try again`,
  },
  version_exists: {
    code: 'VERSION_EXISTS',
    hint: 'raise the version in skill.yaml and publish again: a version number is never reused, even after a yank',
  },
  signature_invalid: {
    code: 'SIGNATURE_INVALID',
    hint: 'publish again (it signs the tarball anew); if it persists, check the key with `skills keys list`',
  },
  signature_unknown_key: {
    code: 'SIGNATURE_UNKNOWN_KEY',
    hint: 'register the key with `skills keys register`, or sign with a registered key (`--key <fingerprint>`)',
  },
  signature_key_revoked: { code: 'SIGNER_KEY_REVOKED', hint: NEW_KEY },
  signature_key_expired: { code: 'SIGNER_KEY_EXPIRED', hint: NEW_KEY },
  signature_stale: {
    code: 'SIGNATURE_STALE',
    hint: "check this computer's clock (the signature must be made within 5 minutes of the upload), then publish again",
  },
  key_taken: { code: 'KEY_TAKEN', hint: `a key belongs to one account forever: ${NEW_KEY}` },
  key_revoked: { code: 'KEY_REFUSED', hint: `a revocation is final: ${NEW_KEY}` },
  key_invalid: { code: 'KEY_REFUSED', hint: NEW_KEY },
  key_private: { code: 'KEY_REFUSED', hint: 'send only the public key; keep the private one secret' },
  key_unsupported: { code: 'KEY_REFUSED', hint: NEW_KEY },
  key_weak: { code: 'KEY_REFUSED', hint: NEW_KEY },
  key_expired: { code: 'KEY_REFUSED', hint: NEW_KEY },
  key_cannot_sign: { code: 'KEY_REFUSED', hint: NEW_KEY },
  key_proof_invalid: {
    code: 'KEY_PROOF_INVALID',
    hint: 'run `skills keys register` again: it signs a fresh challenge with the key',
  },
  key_challenge_invalid: {
    code: 'KEY_PROOF_INVALID',
    hint: 'run `skills keys register` again: challenges last 10 minutes and are used once',
  },
  revocation_invalid: {
    code: 'KEY_REVOCATION_REFUSED',
    hint: 'send the revocation `skills keys revoke` makes with the private key (or the certificate of `gpg --gen-revoke <FPR>`)',
  },
  revocation_other_key: {
    code: 'KEY_REVOCATION_REFUSED',
    hint: 'the revocation is for another key: check the fingerprint',
  },
  revocation_reason_mismatch: {
    code: 'KEY_REVOCATION_REFUSED',
    hint: 'give the reason the revocation carries; a key declared compromised needs a revocation that says compromised',
  },
  token_required: {
    code: 'AUTH_INVALID',
    hint: 'only an API token can revoke itself: log in again with `skills login`',
  },
  key_not_found: {
    code: 'KEY_NOT_FOUND',
    hint: 'see `skills keys list --remote` for the keys of your account',
  },
  skill_not_found: { code: 'API_NOT_FOUND', hint: 'check the skill name (`skills search <words>`)' },
  version_not_found: { code: 'API_NOT_FOUND', hint: 'check the version (`skills info <name>` lists them)' },
  user_not_found: {
    code: 'API_NOT_FOUND',
    hint: 'check the username: it must be an account on this registry',
  },
  token_not_found: { code: 'API_NOT_FOUND', hint: 'see `skills token list` for the ids of your live tokens' },
  last_owner: { code: 'LAST_OWNER', hint: 'add another owner first (`skills owner add <name> <user>`)' },
  too_many_tokens: {
    code: 'TOO_MANY_TOKENS',
    hint: 'revoke tokens you no longer use: `skills token list`, then `skills token revoke <id>`',
  },
  body_too_large: {
    code: 'ARCHIVE_TOO_LARGE',
    hint: 'leave large files out with `.skillsignore` or `files` in skill.yaml (`skills pack --dry-run` lists them)',
  },
  internal: { code: 'HTTP_ERROR', hint: OFFLINE },
  starting: { code: 'HTTP_ERROR', hint: 'the registry is starting: try again in a few seconds' },
};

const REFUSED_HINT =
  'the registry refused the request: read its message; if skills sent something the registry does not understand, update skills';

/**
 * The SkillsError for a registry answer that is not a success. A problem+json body gives the
 * registry's message and code; anything else (a proxy's HTML page, an empty 502) is HTTP_ERROR.
 */
export function problemError(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  what: string,
): RegistryError {
  const problem = parseProblem(status, body);
  const retryAfter = retryAfterSeconds(headers['retry-after']) ?? problem.retry_after ?? null;
  const mapping = PROBLEM_CODES[problem.code] ?? packageMapping(problem);
  const code = mapping?.code ?? (status >= 500 ? 'HTTP_ERROR' : 'REGISTRY_REFUSED');
  const hint =
    mapping === undefined
      ? (problem.hint ?? (status >= 500 ? OFFLINE : REFUSED_HINT))
      : typeof mapping.hint === 'function'
        ? mapping.hint(problem, retryAfter)
        : mapping.hint;
  const message = `${what}: ${printable(problem.detail, 500)} [${status} ${problem.code}]`;
  return new RegistryError(code, message, problem, retryAfter, { hint });
}

/** A refused package answers the lower-cased code of ERRORS.md (`manifest_invalid`) with its hint. */
function packageMapping(problem: Problem): Mapping | undefined {
  const upper = problem.code.toUpperCase();
  if (!/^[a-z][a-z0-9_]*$/.test(problem.code) || !Object.hasOwn(ERROR_CODES, upper)) return undefined;
  return { code: upper as ErrorCode, hint: problem.hint ?? 'fix the package, then run `skills validate`' };
}

function parseProblem(status: number, body: Buffer): Problem {
  const fallback: Problem = {
    status,
    code: `http_${status}`,
    detail: status >= 500 ? 'the registry failed to answer' : 'the registry refused the request',
  };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return fallback;
  }
  if (typeof value !== 'object' || value === null) return fallback;
  const record = value as Record<string, unknown>;
  if (typeof record['code'] !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(record['code'])) return fallback;
  return {
    status,
    code: record['code'],
    detail: typeof record['detail'] === 'string' ? record['detail'] : fallback.detail,
    ...(typeof record['hint'] === 'string' ? { hint: record['hint'] } : {}),
    ...(Array.isArray(record['issues']) ? { issues: issuesOf(record['issues']) } : {}),
    ...(typeof record['retry_after'] === 'number' ? { retry_after: record['retry_after'] } : {}),
  };
}

/** The registry's issues, kept only when they have the shape of ours (a code we know, or none). */
function issuesOf(list: unknown[]): Issue[] {
  const issues: Issue[] = [];
  for (const item of list.slice(0, 100)) {
    if (typeof item !== 'object' || item === null) continue;
    const { path, code, message } = item as Record<string, unknown>;
    if (typeof path !== 'string' || typeof message !== 'string') continue;
    const known = typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
    issues.push({
      path: printable(path, 200),
      code: known ? (code as ErrorCode) : 'REGISTRY_REFUSED',
      message: printable(message, 500),
    });
  }
  return issues;
}

/** `Retry-After` in seconds (RFC 9110: delay-seconds or an HTTP date). */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
