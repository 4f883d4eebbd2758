import type { Request } from 'express';
import { ApiError } from './problem.js';

/** What an API token may do (DESIGN §5 Auth). A session JWT may do everything its user may. */
export const TOKEN_SCOPES = ['publish-new', 'publish-update', 'yank', 'owners'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Who is calling, once a credential was checked. */
export interface Principal {
  userId: number;
  username: string;
  isAdmin: boolean;
  via: 'session' | 'token';
  /** The session's jti, or the API token's id. */
  credentialId: string;
  /** null for a session (all scopes). */
  scopes: readonly TokenScope[] | null;
  /** Exact names or `prefix*` patterns the token is limited to; null for any skill. */
  skills: readonly string[] | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The caller, or 401 when the route was reached without a credential. */
export function principalOf(req: Request): Principal {
  if (req.principal === undefined)
    throw new ApiError(401, 'unauthorized', 'this needs a session or an API token');
  return req.principal;
}

/**
 * May this principal act on `skill` with `scope`? A session may do anything; a token only within
 * its scopes and name patterns. Ownership is checked separately, against SQL.
 */
export function allows(principal: Principal, scope: TokenScope, skill: string): boolean {
  if (principal.via === 'session') return true;
  if (principal.scopes !== null && !principal.scopes.includes(scope)) return false;
  if (principal.skills === null) return true;
  return principal.skills.some((pattern) =>
    pattern.endsWith('*') ? skill.startsWith(pattern.slice(0, -1)) : skill === pattern,
  );
}
