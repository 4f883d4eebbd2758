import type { Request, RequestHandler, Response } from 'express';
import type { RegistryContext } from '../context.js';
import type { Principal } from '../http/principal.js';
import { ApiError } from '../http/problem.js';
import { sessionKeys, verifySession } from './sessions.js';
import { authenticateToken, TOKEN_PREFIX } from './tokens.js';

// Requests already looked at: `authenticate` may be mounted app-wide and again on a route.
const authenticated = new WeakSet<Request>();

/**
 * Reads `Authorization: Bearer <credential>` and sets `req.principal`: an `skl_` credential is an
 * API token, anything else a session JWT. No header is an anonymous request; a header that does
 * not authenticate is 401 `invalid_credential`, never a quiet fall-back to anonymous, so a client
 * with a broken token learns it at once instead of seeing someone else's view.
 */
export function authenticate(ctx: RegistryContext): RequestHandler {
  return async (req, res, next) => {
    if (authenticated.has(req)) return next();
    authenticated.add(req);
    const header = req.get('authorization');
    if (header === undefined) return next();
    try {
      req.principal = await principalFor(ctx, credentialOf(header));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) challenge(res);
      throw error;
    }
    next();
  };
}

export interface RequireAuthOptions {
  /** Only a session JWT: API tokens may not manage tokens, keys or the account (DESIGN §5). */
  session?: boolean;
  admin?: boolean;
}

/** 401 `unauthorized` without a credential, 403 `session_required` or `admin_required` as asked. */
export function requireAuth(options: RequireAuthOptions = {}): RequestHandler {
  return (req, res, next) => {
    const principal = req.principal;
    if (principal === undefined) {
      challenge(res);
      throw new ApiError(401, 'unauthorized', 'this needs a session or an API token');
    }
    if (options.session === true && principal.via !== 'session') {
      throw new ApiError(
        403,
        'session_required',
        'API tokens cannot do this: log in and use the session token',
      );
    }
    if (options.admin === true && !principal.isAdmin) {
      throw new ApiError(403, 'admin_required', 'only a registry administrator can do this');
    }
    next();
  };
}

function credentialOf(header: string): string {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (match === null) {
    throw new ApiError(401, 'invalid_credential', 'send the credential as "Authorization: Bearer <token>"');
  }
  return match[1]!;
}

async function principalFor(ctx: RegistryContext, credential: string): Promise<Principal> {
  const now = ctx.now();
  if (credential.startsWith(TOKEN_PREFIX)) {
    const token = await authenticateToken(ctx.db, credential, now);
    return {
      userId: token.userId,
      username: token.username,
      isAdmin: token.isAdmin,
      via: 'token',
      credentialId: String(token.tokenId),
      scopes: token.scopes,
      skills: token.skills,
    };
  }
  const session = await verifySession(ctx.db, sessionKeys(ctx.config), credential, now);
  return {
    userId: session.userId,
    username: session.username,
    isAdmin: session.isAdmin,
    via: 'session',
    credentialId: session.jti,
    scopes: null,
    skills: null,
  };
}

/** RFC 6750: a 401 names the scheme the client should use. */
function challenge(res: Response): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="skills"');
}
