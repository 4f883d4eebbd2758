import { Router } from 'express';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticate, requireAuth } from '../src/auth/middleware.js';
import { authRoutes } from '../src/auth/routes.js';
import { SESSION_AUDIENCE, sessionKeys, verifySession } from '../src/auth/sessions.js';
import { principalOf } from '../src/http/principal.js';
import type { RegistryContext } from '../src/context.js';
import { testDatabases } from './databases.js';
import {
  auditActions,
  call,
  countingDatabase,
  countRows,
  login,
  minutesLater,
  seedUser,
} from './auth-fixtures.js';
import { startRegistry, type TestRegistry } from './harness.js';

/** A route that shows who the registry thinks is calling (or that nobody is). */
function whoami(ctx: RegistryContext): Router {
  const router = Router();
  router.get('/probe/whoami', authenticate(ctx), (req, res) => {
    res.json({ principal: req.principal ?? null });
  });
  // Mounted twice, as when the app authenticates every request and a route asks again.
  router.get('/probe/twice', authenticate(ctx), authenticate(ctx), (req, res) => {
    res.json({ username: principalOf(req).username });
  });
  router.get('/probe/admin', authenticate(ctx), requireAuth({ admin: true }), (req, res) => {
    res.json({ admin: principalOf(req).username });
  });
  return router;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the session issuer', () => {
  it('is the public URL when one is configured, so registries sharing a secret stay apart', () => {
    expect(sessionKeys({ jwtSecret: 's', publicUrl: 'https://skills.example.org' }).issuer).toBe(
      'https://skills.example.org',
    );
    expect(sessionKeys({ jwtSecret: 's', publicUrl: null }).issuer).toBe('skills-registry');
  });
});

describe.each(testDatabases)('session tokens on $kind', (database) => {
  let registry: TestRegistry;
  let queries: () => number;
  afterEach(async () => {
    await registry.close();
  });

  async function start(): Promise<void> {
    registry = await startRegistry(database, {
      routers: (ctx) => {
        const counted = countingDatabase(ctx.db);
        queries = counted.queries;
        const view = { ...ctx, db: counted.db };
        return [authRoutes(view), whoami(view)];
      },
    });
    await seedUser(registry.ctx, 'ada');
  }

  /** A token signed with the registry's own secret: only its claims are wrong. */
  function forge(claims: Record<string, unknown>, options: jwt.SignOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      sub: '1',
      jti: crypto.randomUUID(),
      iat: now,
      nbf: now,
      exp: now + 600,
    };
    for (const [key, value] of Object.entries(claims)) {
      if (value === undefined) delete payload[key];
      else payload[key] = value;
    }
    return jwt.sign(payload, registry.ctx.config.jwtSecret, {
      algorithm: 'HS256',
      audience: SESSION_AUDIENCE,
      issuer: 'skills-registry',
      ...options,
    });
  }

  async function refused(token: string, message?: RegExp): Promise<void> {
    const before = queries();
    const answer = await call(registry.url, 'GET', '/api/v1/me', { token });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'invalid_credential' });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    if (message !== undefined) expect(answer.body.detail).toMatch(message);
    // Everything refused on its face is refused before the database is asked.
    expect(queries() - before).toBe(0);
  }

  it('logs in with a pinned HS256 token for one hour, bound to its audience and issuer', async () => {
    await start();
    const now = new Date('2030-01-01T00:00:00Z');
    registry.setNow(now);
    const answer = await call(registry.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'ada', password: 'correct horse battery' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body.expires_at).toBe('2030-01-01T01:00:00.000Z');
    const token = answer.body.token as string;
    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    expect(decoded.payload).toMatchObject({ aud: 'skills-session', iss: 'skills-registry', sub: '1' });
    const { rows } = await registry.db.query<{ jti: string; expires_at: Date }>(
      'SELECT jti, expires_at FROM sessions',
    );
    expect(rows).toEqual([
      { jti: (decoded.payload as jwt.JwtPayload).jti, expires_at: new Date('2030-01-01T01:00:00Z') },
    ]);
    const me = await call(registry.url, 'GET', '/api/v1/me', { token });
    expect(me.body).toMatchObject({ username: 'ada', email: 'ada@example.org', is_admin: false });
    expect(await auditActions(registry.db)).toEqual(['user.create', 'session.create']);
  });

  it('refuses an unsigned token (alg none)', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: '1',
      jti: crypto.randomUUID(),
      iat: now,
      exp: now + 600,
      aud: SESSION_AUDIENCE,
      iss: 'skills-registry',
    };
    await refused(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`);
    await refused(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}`);
  });

  it('refuses HS256 signed with another key, and other algorithms', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: '1', jti: crypto.randomUUID(), iat: now, exp: now + 600 };
    const options = { audience: SESSION_AUDIENCE, issuer: 'skills-registry' };
    await refused(
      jwt.sign(claims, 'another-secret-another-secret-another-secret', { ...options, algorithm: 'HS256' }),
    );
    await refused(jwt.sign(claims, registry.ctx.config.jwtSecret, { ...options, algorithm: 'HS512' }));
  });

  it('refuses an expired session, after the hour has passed', async () => {
    await start();
    const token = await login(registry.url, 'ada');
    expect((await call(registry.url, 'GET', '/api/v1/me', { token })).status).toBe(200);
    registry.setNow(minutesLater(61));
    await refused(token, /expired/);
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    await refused(forge({ nbf: now + 300 }));
  });

  it('refuses a token claiming more than an hour of life, even when correctly signed', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    registry.setNow(minutesLater(90));
    await refused(forge({ iat: now, nbf: now, exp: now + 24 * 3600 }));
  });

  it('refuses a token for another audience or another issuer', async () => {
    await start();
    await refused(forge({}, { audience: 'skills-api' }));
    await refused(forge({}, { issuer: 'https://elsewhere.example.org' }));
  });

  it('refuses tokens with missing or malformed claims', async () => {
    await start();
    await refused(forge({ jti: 'not-a-uuid' }));
    await refused(forge({ sub: 'ada' }));
    await refused(forge({ exp: undefined }));
    await refused('not.a.jwt');
    await refused('garbage');
  });

  it('refuses a well-signed token whose jti the registry never issued', async () => {
    await start();
    const answer = await call(registry.url, 'GET', '/api/v1/me', { token: forge({}) });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'invalid_credential' });
  });

  it('revokes the session at logout: the same token is refused afterwards', async () => {
    await start();
    const token = await login(registry.url, 'ada');
    const logout = await call(registry.url, 'POST', '/api/v1/auth/logout', { token });
    expect(logout.status).toBe(204);
    expect(await countRows(registry.db, 'sessions', 'revoked_at IS NOT NULL')).toBe(1);
    const again = await call(registry.url, 'GET', '/api/v1/me', { token });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: 'invalid_credential' });
    expect((await call(registry.url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(401);
    expect(await auditActions(registry.db)).toEqual(['user.create', 'session.create', 'session.revoke']);
  });

  it('forgets expired sessions of a user at their next login', async () => {
    await start();
    await login(registry.url, 'ada');
    registry.setNow(minutesLater(120));
    await login(registry.url, 'ada');
    expect(await countRows(registry.db, 'sessions')).toBe(1);
  });

  it('verifies a session directly against the database', async () => {
    await start();
    const token = await login(registry.url, 'ada');
    const keys = sessionKeys(registry.ctx.config);
    await expect(verifySession(registry.db, keys, token, new Date())).resolves.toMatchObject({
      username: 'ada',
    });
    await expect(
      verifySession(registry.db, { ...keys, issuer: 'other' }, token, new Date()),
    ).rejects.toMatchObject({
      code: 'invalid_credential',
    });
  });

  it('lets a request without a credential through as anonymous, and refuses a malformed header', async () => {
    await start();
    expect((await call(registry.url, 'GET', '/probe/whoami')).body).toEqual({ principal: null });
    for (const authorization of ['Basic YWRhOnB3', 'Bearer', 'Bearer ', 'bearer a b', 'Token abc']) {
      const answer = await call(registry.url, 'GET', '/probe/whoami', { authorization });
      expect(answer.status, authorization).toBe(401);
      expect(answer.body).toMatchObject({ code: 'invalid_credential' });
    }
    const anonymous = await call(registry.url, 'GET', '/api/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'unauthorized' });
  });

  it('checks a credential once per request even when authenticate is mounted twice', async () => {
    await start();
    const token = await login(registry.url, 'ada');
    const before = queries();
    const answer = await call(registry.url, 'GET', '/probe/twice', { token });
    expect(answer.body).toEqual({ username: 'ada' });
    expect(queries() - before).toBe(1);
  });

  it('sets the session principal for later handlers', async () => {
    await start();
    const token = await login(registry.url, 'ada');
    const answer = await call(registry.url, 'GET', '/probe/whoami', { authorization: `bearer ${token}` });
    expect(answer.body.principal).toMatchObject({
      username: 'ada',
      via: 'session',
      scopes: null,
      skills: null,
      isAdmin: false,
    });
  });

  it('keeps admin routes to administrators, read fresh from the database on every request', async () => {
    await start();
    await seedUser(registry.ctx, 'root-user', { isAdmin: true });
    const ada = await login(registry.url, 'ada');
    const admin = await login(registry.url, 'root-user');
    const refusedAnswer = await call(registry.url, 'GET', '/probe/admin', { token: ada });
    expect(refusedAnswer.status).toBe(403);
    expect(refusedAnswer.body).toMatchObject({ code: 'admin_required' });
    expect((await call(registry.url, 'GET', '/probe/admin', { token: admin })).body).toEqual({
      admin: 'root-user',
    });
    await registry.db.query("UPDATE users SET is_admin = false WHERE username = 'root-user'");
    expect((await call(registry.url, 'GET', '/probe/admin', { token: admin })).status).toBe(403);
  });
});
