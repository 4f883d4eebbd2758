import { Router, type Request, type Response } from 'express';
import { isValidName } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import { principalOf } from '../http/principal.js';
import { ApiError } from '../http/problem.js';
import { pageOf } from '../http/query.js';
import { enforceRateLimit, refund, type RateLimits } from '../rate-limit.js';
import { auditSourceOf, recordAudit } from './audit.js';
import { objectBody, stringMember } from './body.js';
import { authenticate, requireAuth } from './middleware.js';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { createSession, revokeSession, sessionKeys } from './sessions.js';
import { createToken, listTokens, parseTokenRequest, revokeToken, type TokenRecord } from './tokens.js';
import {
  checkEmail,
  checkPassword,
  checkUsername,
  createUser,
  findLogin,
  findUserByName,
  replacePasswordHash,
} from './users.js';

export interface AuthRoutesOptions {
  /** Overrides of the DESIGN defaults (tests, operators). */
  limits?: Partial<RateLimits>;
}

// Longest string member read before the rules look at it: the rules give the precise refusal,
// this only keeps absurd input from reaching them (the JSON body cap is 64 KiB anyway).
const RAW_MAX = 1024;

/**
 * Accounts and credentials: sign-up, login and logout, the caller's account, and API tokens
 * (DESIGN §5). Token management and logout take only a session JWT, except that an API token may
 * revoke itself (`DELETE /api/v1/tokens/current`).
 */
export function authRoutes(ctx: RegistryContext, options: AuthRoutesOptions = {}): Router {
  const limits: RateLimits = { ...ctx.config.rateLimits, ...options.limits };
  const keys = sessionKeys(ctx.config);
  const signedIn = [authenticate(ctx), requireAuth()];
  const inSession = [authenticate(ctx), requireAuth({ session: true })];
  const router = Router();

  router.post('/api/v1/users', async (req, res) => {
    if (!ctx.config.allowSignup) {
      throw new ApiError(
        403,
        'signup_disabled',
        'this registry does not take sign-ups: ask its operator for an account',
      );
    }
    const fields = objectBody(req.body, ['username', 'email', 'password']);
    const input = {
      // Empty strings pass here so the rules below refuse them with their own codes.
      username: stringMember(fields.username, 'username', RAW_MAX, 0),
      email: stringMember(fields.email, 'email', RAW_MAX, 0),
      password: stringMember(fields.password, 'password', RAW_MAX, 0),
    };
    checkUsername(input.username);
    checkEmail(input.email);
    checkPassword(input.password);
    const now = ctx.now();
    await enforceRateLimit(ctx.db, res, `auth:ip:${clientIp(req)}`, limits.authAttempt, now);
    // The sign-up budget counts accounts created: a taken username gives its token back (the
    // attempt still cost one of the address's auth attempts above).
    const signups = `signup:ip:${clientIp(req)}`;
    await enforceRateLimit(ctx.db, res, signups, limits.signup, now);
    const user = await createUser(ctx.db, input, auditSourceOf(req)).catch(async (error: unknown) => {
      await refund(ctx.db, signups, limits.signup, now);
      throw error;
    });
    res.status(201).json({ username: user.username });
  });

  router.post('/api/v1/auth/login', async (req, res) => {
    const fields = objectBody(req.body, ['username', 'password']);
    const username = stringMember(fields.username, 'username', RAW_MAX);
    const password = stringMember(fields.password, 'password', RAW_MAX);
    const now = ctx.now();
    await enforceRateLimit(ctx.db, res, `auth:ip:${clientIp(req)}`, limits.authAttempt, now);
    if (!isValidName(username)) {
      // No account can have this name; it still pays for a hash, like any unknown user.
      await dummyVerify(password);
      throw invalidLogin();
    }
    // Taken before checking and given back on success: concurrent guesses cannot outrun the count.
    const failures = `login-failed:user:${username}`;
    await enforceRateLimit(ctx.db, res, failures, limits.failedLogin, now);
    const login = await findLogin(ctx.db, username);
    if (login === null) {
      await dummyVerify(password);
      throw invalidLogin();
    }
    if (!(await verifyPassword(password, login.passwordHash))) {
      await recordAudit(ctx.db, auditSourceOf(req), {
        action: 'auth.login_failed',
        subject: `user:${username}`,
      });
      throw invalidLogin();
    }
    await refund(ctx.db, failures, limits.failedLogin, now);
    const source = { actorId: login.user.id, ip: req.ip ?? null };
    if (needsRehash(login.passwordHash)) {
      const passwordHash = await hashPassword(password);
      await ctx.db.tx(async (q) => {
        await replacePasswordHash(q, login.user.id, passwordHash);
        await recordAudit(q, source, { action: 'user.password_rehash', subject: `user:${username}` });
      });
    }
    const session = await createSession(ctx.db, keys, login.user, now, source);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token: session.token, expires_at: session.expiresAt.toISOString() });
  });

  router.post('/api/v1/auth/logout', ...inSession, async (req, res) => {
    const principal = principalOf(req);
    const session = { jti: principal.credentialId, username: principal.username };
    await revokeSession(ctx.db, session, ctx.now(), auditSourceOf(req));
    res.status(204).end();
  });

  router.get('/api/v1/me', ...signedIn, async (req, res) => {
    const user = await findUserByName(ctx.db, principalOf(req).username);
    if (user === null) throw new ApiError(401, 'unauthorized', 'the account no longer exists');
    res.json({
      username: user.username,
      email: user.email,
      is_admin: user.isAdmin,
      created_at: user.createdAt.toISOString(),
    });
  });

  router.post('/api/v1/tokens', ...inSession, async (req, res) => {
    const input = parseTokenRequest(req.body);
    const principal = principalOf(req);
    const user = { id: principal.userId, username: principal.username };
    const { token, record } = await createToken(ctx.db, user, input, ctx.now(), auditSourceOf(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({
      id: record.id,
      token,
      name: record.name,
      scopes: record.scopes,
      skills: record.skills,
      expires_at: record.expiresAt.toISOString(),
    });
  });

  router.get('/api/v1/tokens', ...inSession, async (req, res) => {
    const { page, perPage } = pageOf(req.query);
    const { items, total } = await listTokens(ctx.db, principalOf(req).userId, {
      limit: perPage,
      offset: (page - 1) * perPage,
    });
    res.json({ items: items.map(tokenJson), total });
  });

  // Before `/:id`. The one token route an API token may call, and only on itself: logging out
  // without a password. A session has its own way out (POST /auth/logout).
  router.delete('/api/v1/tokens/current', ...signedIn, async (req, res) => {
    const principal = principalOf(req);
    if (principal.via !== 'token') {
      throw new ApiError(
        403,
        'token_required',
        'only an API token can revoke itself here; a session ends with POST /api/v1/auth/logout',
      );
    }
    const user = { id: principal.userId, username: principal.username };
    // false only when a concurrent request revoked it first: the caller's wish holds either way.
    await revokeToken(ctx.db, user, Number(principal.credentialId), ctx.now(), auditSourceOf(req), {
      self: true,
    });
    res.status(204).end();
  });

  router.delete('/api/v1/tokens/:id', ...inSession, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(req);
    const id = /^[1-9][0-9]{0,14}$/.test(req.params.id) ? Number(req.params.id) : null;
    const user = { id: principal.userId, username: principal.username };
    // Another user's token is "not found", not "forbidden": ids must not reveal whose tokens exist.
    if (id === null || !(await revokeToken(ctx.db, user, id, ctx.now(), auditSourceOf(req)))) {
      throw new ApiError(
        404,
        'token_not_found',
        `you have no live token with id "${req.params.id.slice(0, 20)}"`,
      );
    }
    res.status(204).end();
  });

  return router;
}

/** One answer for a wrong password and an unknown user, so the answer does not reveal which. */
function invalidLogin(): ApiError {
  return new ApiError(401, 'invalid_login', 'the username or the password is wrong');
}

function clientIp(req: Request): string {
  return req.ip ?? 'unknown';
}

function tokenJson(record: TokenRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    scopes: record.scopes,
    skills: record.skills,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
  };
}
