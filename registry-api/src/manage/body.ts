import { invalidBody, objectBody, stringMember } from '../auth/body.js';

export const REASON_MAX_LENGTH = 1024;

/**
 * The optional `{reason}` of a yank or purge: at most 1,024 characters on one line (it ends up in
 * an index line and in people's terminals). No body, `{}` or an empty reason mean none. Unknown
 * members are refused, like every JSON body of the API.
 */
export function reasonOf(body: unknown): string | null {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0))
    return null;
  const fields = objectBody(body, [], ['reason']);
  if (fields.reason === undefined || fields.reason === null) return null;
  const reason = stringMember(fields.reason, 'reason', REASON_MAX_LENGTH, 0);
  if (/\p{Cc}/u.test(reason)) throw invalidBody('reason', 'must be one line, without control characters');
  return reason.trim() === '' ? null : reason;
}

/** The `{username}` of an owner change. */
export function usernameOf(body: unknown): string {
  const fields = objectBody(body, ['username']);
  return stringMember(fields.username, 'username', 64);
}
