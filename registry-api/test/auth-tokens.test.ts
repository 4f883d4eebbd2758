import { crc32 } from 'node:zlib';
import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticate, requireAuth } from '../src/auth/middleware.js';
import { authRoutes } from '../src/auth/routes.js';
import {
  authenticateToken,
  generateToken,
  isValidSkillPattern,
  isWellFormedToken,
  MAX_LIVE_TOKENS,
  parseTokenRequest,
  tokenHash,
} from '../src/auth/tokens.js';
import type { RegistryContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { allows, principalOf, TOKEN_SCOPES, type TokenScope } from '../src/http/principal.js';
import { testDatabases } from './databases.js';
import {
  auditActions,
  call,
  countingDatabase,
  countRows,
  login,
  minutesLater,
  mintToken,
  seedUser,
} from './auth-fixtures.js';
import { startRegistry, type TestRegistry } from './harness.js';

/** A route that answers what `allows` says for the calling credential. */
function scopeProbe(ctx: RegistryContext): Router {
  const router = Router();
  router.get('/probe/allows', authenticate(ctx), requireAuth(), (req, res) => {
    const scope = req.query.scope as TokenScope;
    res.json({
      allowed: allows(principalOf(req), scope, req.query.skill as string),
      via: principalOf(req).via,
    });
  });
  return router;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API token strings', () => {
  it('are skl_ + 32 base62 characters + the base62 CRC32 of everything before', () => {
    const token = generateToken();
    expect(token).toMatch(/^skl_[0-9A-Za-z]{38}$/);
    let crc = crc32(token.slice(0, 36));
    let expected = '';
    for (let i = 0; i < 6; i += 1) {
      expected = BASE62[crc % 62] + expected;
      crc = Math.floor(crc / 62);
    }
    expect(token.slice(36)).toBe(expected);
    expect(isWellFormedToken(token)).toBe(true);
  });

  it('are all different and use the whole alphabet', () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    expect(new Set(tokens).size).toBe(200);
    const seen = new Set(tokens.flatMap((token) => [...token.slice(4, 36)]));
    expect(seen.size).toBe(62);
  });

  it('are rejected when mistyped, truncated or made up', () => {
    const token = generateToken();
    const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    for (const bad of [
      flipped,
      token.slice(0, -1),
      `${token}x`,
      token.replace('skl_', 'skx_'),
      `skl_${'A'.repeat(38)}`,
      '',
    ]) {
      expect(isWellFormedToken(bad), bad).toBe(false);
    }
  });

  it('are stored as their SHA-256', () => {
    expect(tokenHash('skl_x').toString('hex')).toBe(
      '85c2d3a817e7caef8bc1ecfcdf97642c116317072e7f6c1a4a5c940625a6d55b',
    );
    expect(tokenHash(generateToken())).toHaveLength(32);
  });
});

describe('skill patterns of a token', () => {
  it('are exact valid names or a valid name prefix followed by *', () => {
    for (const good of ['pdf', 'pdf-tools', 'pdf*', 'pdf-*', 'a*', 'x'.repeat(64), `${'x'.repeat(63)}*`]) {
      expect(isValidSkillPattern(good), good).toBe(true);
    }
    for (const bad of [
      '*',
      '-*',
      'Pdf',
      'pdf--*',
      'pd*f',
      'pdf**',
      'x'.repeat(65),
      `${'x'.repeat(64)}*`,
      '',
    ]) {
      expect(isValidSkillPattern(bad), bad).toBe(false);
    }
  });
});

describe('the token request body', () => {
  const invalid = (body: unknown, path: string | null) => {
    let error: unknown;
    try {
      parseTokenRequest(body);
    } catch (caught) {
      error = caught;
    }
    expect(error, JSON.stringify(body)).toMatchObject({ status: 400, code: 'invalid_body' });
    expect((error as { extra: { issues?: { path: string }[] } }).extra.issues?.[0]?.path ?? null).toBe(path);
  };

  it('takes name and scopes, optional skills and expires_in (default 30 days)', () => {
    expect(parseTokenRequest({ name: 'ci', scopes: ['yank'] })).toEqual({
      name: 'ci',
      scopes: ['yank'],
      skills: null,
      expiresInSeconds: 30 * 86400,
    });
    expect(
      parseTokenRequest({
        name: 'ci',
        scopes: [...TOKEN_SCOPES],
        skills: ['pdf-*', 'demo'],
        expires_in: 90 * 86400,
      }),
    ).toMatchObject({ skills: ['pdf-*', 'demo'], expiresInSeconds: 90 * 86400 });
    expect(parseTokenRequest({ name: 'ci', scopes: ['yank'], skills: null }).skills).toBeNull();
  });

  it('refuses everything else, naming the member', () => {
    invalid(null, null);
    invalid([], null);
    invalid({ name: 'ci', scopes: ['yank'], admin: true }, 'admin');
    invalid({ scopes: ['yank'] }, 'name');
    invalid({ name: '', scopes: ['yank'] }, 'name');
    invalid({ name: 'x'.repeat(65), scopes: ['yank'] }, 'name');
    invalid({ name: 'a\u0000b', scopes: ['yank'] }, 'name');
    invalid({ name: 7, scopes: ['yank'] }, 'name');
    invalid({ name: 'ci' }, 'scopes');
    invalid({ name: 'ci', scopes: 'yank' }, 'scopes');
    invalid({ name: 'ci', scopes: [] }, 'scopes');
    invalid({ name: 'ci', scopes: ['root'] }, 'scopes');
    invalid({ name: 'ci', scopes: ['yank', 'yank'] }, 'scopes');
    invalid({ name: 'ci', scopes: [1] }, 'scopes[0]');
    invalid({ name: 'ci', scopes: ['yank'], skills: [] }, 'skills');
    invalid({ name: 'ci', scopes: ['yank'], skills: ['*'] }, 'skills');
    invalid({ name: 'ci', scopes: ['yank'], skills: ['Bad Name'] }, 'skills');
    invalid({ name: 'ci', scopes: ['yank'], expires_in: 90 * 86400 + 1 }, 'expires_in');
    invalid({ name: 'ci', scopes: ['yank'], expires_in: 59 }, 'expires_in');
    invalid({ name: 'ci', scopes: ['yank'], expires_in: 3600.5 }, 'expires_in');
    invalid({ name: 'ci', scopes: ['yank'], expires_in: '3600' }, 'expires_in');
  });
});

describe('authenticating a malformed token', () => {
  it('never asks the database', async () => {
    const untouchable = {
      query: () => Promise.reject(new Error('the database was asked')),
      exec: () => Promise.reject(new Error('the database was asked')),
    } as unknown as Database;
    const token = generateToken();
    const badChecksum = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    for (const bad of [badChecksum, 'skl_short', `skl_${'!'.repeat(38)}`]) {
      await expect(authenticateToken(untouchable, bad, new Date())).rejects.toMatchObject({
        status: 401,
        code: 'invalid_credential',
      });
    }
  });
});

describe.each(testDatabases)('API tokens on $kind', (database) => {
  let registry: TestRegistry;
  let queries: () => number;
  afterEach(async () => {
    await registry.close();
  });

  async function start(): Promise<string> {
    registry = await startRegistry(database, {
      routers: (ctx) => {
        const counted = countingDatabase(ctx.db);
        queries = counted.queries;
        const view = { ...ctx, db: counted.db };
        return [authRoutes(view), scopeProbe(view)];
      },
    });
    await seedUser(registry.ctx, 'ada');
    return login(registry.url, 'ada');
  }

  async function refusedToken(token: string, detail: RegExp): Promise<void> {
    const answer = await call(registry.url, 'GET', '/api/v1/me', { token });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'invalid_credential' });
    expect(answer.body.detail).toMatch(detail);
  }

  it('mints a token shown once, stored only as its SHA-256', async () => {
    await start();
    registry.setNow(new Date('2030-01-01T00:00:00Z'));
    const session = await login(registry.url, 'ada');
    const answer = await call(registry.url, 'POST', '/api/v1/tokens', {
      token: session,
      body: { name: 'laptop', scopes: ['publish-new', 'yank'], skills: ['pdf-*'], expires_in: 7 * 86400 },
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      id: 1,
      token: expect.stringMatching(/^skl_/),
      name: 'laptop',
      scopes: ['publish-new', 'yank'],
      skills: ['pdf-*'],
      expires_at: '2030-01-08T00:00:00.000Z',
    });
    const token = answer.body.token as string;
    const { rows } = await registry.db.query<{ token_hash: Buffer; created_at: Date }>(
      'SELECT token_hash, created_at FROM api_tokens',
    );
    expect(rows).toEqual([{ token_hash: tokenHash(token), created_at: new Date('2030-01-01T00:00:00Z') }]);
    const dump = JSON.stringify(await registry.db.query('SELECT * FROM api_tokens'));
    expect(dump).not.toContain(token.slice(4));
    expect(await auditActions(registry.db)).toContain('token.create');
  });

  it('authenticates with a token, for reads like /me, and marks it used', async () => {
    const session = await start();
    const { token } = await mintToken(registry.url, session);
    expect(await countRows(registry.db, 'api_tokens', 'last_used_at IS NULL')).toBe(1);
    const me = await call(registry.url, 'GET', '/api/v1/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'ada' });
    const list = await call(registry.url, 'GET', '/api/v1/tokens', { token: session });
    expect((list.body.items as { last_used_at: string | null }[])[0]?.last_used_at).not.toBeNull();
  });

  it('refuses a token with a bad checksum without a database query', async () => {
    const session = await start();
    const { token } = await mintToken(registry.url, session);
    const bad = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const before = queries();
    await refusedToken(bad, /malformed/);
    await refusedToken('skl_tooshort', /malformed/);
    expect(queries()).toBe(before);
  });

  it('refuses a well-formed token the registry never issued', async () => {
    await start();
    await refusedToken(generateToken(), /not known/);
  });

  it('refuses a revoked token', async () => {
    const session = await start();
    const { id, token } = await mintToken(registry.url, session);
    const revoked = await call(registry.url, 'DELETE', `/api/v1/tokens/${id}`, { token: session });
    expect(revoked.status).toBe(204);
    await refusedToken(token, /revoked/);
    expect(await countRows(registry.db, 'api_tokens', 'revoked_at IS NOT NULL')).toBe(1);
    expect(await auditActions(registry.db)).toContain('token.revoke');
    const listed = await call(registry.url, 'GET', '/api/v1/tokens', { token: session });
    expect(listed.body).toEqual({ items: [], total: 0 });
  });

  it('refuses an expired token, and caps the lifetime at 90 days', async () => {
    const session = await start();
    const { token } = await mintToken(registry.url, session, {
      name: 'ci',
      scopes: ['yank'],
      expires_in: 3600,
    });
    expect((await call(registry.url, 'GET', '/api/v1/me', { token })).status).toBe(200);
    registry.setNow(minutesLater(61));
    await refusedToken(token, /expired/);
    const tooLong = await call(registry.url, 'POST', '/api/v1/tokens', {
      token: await login(registry.url, 'ada'),
      body: { name: 'ci', scopes: ['yank'], expires_in: 91 * 86400 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ code: 'invalid_body' });
    expect(await countRows(registry.db, 'api_tokens')).toBe(1);
  });

  it('limits a token to its scopes (allows answers false for another scope)', async () => {
    const session = await start();
    const { token } = await mintToken(registry.url, session, { name: 'ci', scopes: ['yank'] });
    const probe = (scope: string, skill: string) =>
      call(registry.url, 'GET', `/probe/allows?scope=${scope}&skill=${skill}`, { token });
    expect((await probe('yank', 'demo')).body).toEqual({ allowed: true, via: 'token' });
    expect((await probe('publish-new', 'demo')).body).toEqual({ allowed: false, via: 'token' });
    expect((await probe('owners', 'demo')).body).toEqual({ allowed: false, via: 'token' });
    const viaSession = await call(registry.url, 'GET', '/probe/allows?scope=owners&skill=demo', {
      token: session,
    });
    expect(viaSession.body).toEqual({ allowed: true, via: 'session' });
  });

  it('limits a token to its skill patterns (allows answers false for another skill)', async () => {
    const session = await start();
    const { token } = await mintToken(registry.url, session, {
      name: 'ci',
      scopes: ['publish-update'],
      skills: ['pdf-*', 'demo'],
    });
    const probe = async (skill: string) =>
      (await call(registry.url, 'GET', `/probe/allows?scope=publish-update&skill=${skill}`, { token })).body
        .allowed;
    expect(await probe('pdf-tools')).toBe(true);
    expect(await probe('demo')).toBe(true);
    expect(await probe('demo-2')).toBe(false);
    expect(await probe('other')).toBe(false);
    expect(await probe('pdf')).toBe(false);
  });

  it('refuses an API token on /tokens and on logout: they need a session', async () => {
    const session = await start();
    const { id, token } = await mintToken(registry.url, session);
    const attempts = [
      call(registry.url, 'POST', '/api/v1/tokens', { token, body: { name: 'more', scopes: ['yank'] } }),
      call(registry.url, 'GET', '/api/v1/tokens', { token }),
      call(registry.url, 'DELETE', `/api/v1/tokens/${id}`, { token }),
      call(registry.url, 'POST', '/api/v1/auth/logout', { token }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'session_required' });
    }
    expect(await countRows(registry.db, 'api_tokens')).toBe(1);
    expect(await countRows(registry.db, 'api_tokens', 'revoked_at IS NOT NULL')).toBe(0);
  });

  it('lets an API token revoke itself, and only itself, with no scope and no password', async () => {
    const session = await start();
    const narrow = await mintToken(registry.url, session, { name: 'narrow', scopes: ['yank'] });
    const other = await mintToken(registry.url, session, { name: 'other', scopes: ['yank'] });
    const revoked = await call(registry.url, 'DELETE', '/api/v1/tokens/current', { token: narrow.token });
    expect(revoked.status).toBe(204);
    await refusedToken(narrow.token, /revoked/);
    // The other token of the same account is untouched, and the endpoint names no other token.
    expect((await call(registry.url, 'GET', '/api/v1/me', { token: other.token })).status).toBe(200);
    const listed = await call(registry.url, 'GET', '/api/v1/tokens', { token: session });
    expect(listed.body).toMatchObject({ total: 1, items: [{ id: other.id }] });
    const { rows } = await registry.db.query<{ action: string; detail: Record<string, unknown> }>(
      "SELECT action, detail FROM audit_log WHERE action = 'token.revoke'",
    );
    expect(rows).toEqual([
      { action: 'token.revoke', detail: { token_id: narrow.id, name: 'narrow', self: true } },
    ]);
    // Done: the revoked token no longer authenticates, here either.
    const again = await call(registry.url, 'DELETE', '/api/v1/tokens/current', { token: narrow.token });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: 'invalid_credential' });
  });

  it('refuses a session and an anonymous caller on DELETE /tokens/current, revoking nothing', async () => {
    const session = await start();
    await mintToken(registry.url, session);
    const bySession = await call(registry.url, 'DELETE', '/api/v1/tokens/current', { token: session });
    expect(bySession.status).toBe(403);
    expect(bySession.body).toMatchObject({ code: 'token_required' });
    const anonymous = await call(registry.url, 'DELETE', '/api/v1/tokens/current');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'unauthorized' });
    // The session lives on, and so does the token.
    expect((await call(registry.url, 'GET', '/api/v1/me', { token: session })).status).toBe(200);
    expect(await countRows(registry.db, 'api_tokens', 'revoked_at IS NOT NULL')).toBe(0);
    expect(await auditActions(registry.db)).not.toContain('token.revoke');
  });

  it('refuses token management without any credential', async () => {
    await start();
    const answer = await call(registry.url, 'POST', '/api/v1/tokens', {
      body: { name: 'x', scopes: ['yank'] },
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'unauthorized' });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses extra or mistyped members in a token request, writing nothing', async () => {
    const session = await start();
    for (const body of [
      { name: 'ci', scopes: ['yank'], expires: 3600 },
      { name: 'ci', scopes: ['admin'] },
      { name: 'ci', scopes: ['yank'], skills: ['NOPE'] },
    ]) {
      const answer = await call(registry.url, 'POST', '/api/v1/tokens', { token: session, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ code: 'invalid_body' });
    }
    expect(await countRows(registry.db, 'api_tokens')).toBe(0);
    expect(await auditActions(registry.db)).not.toContain('token.create');
  });

  it('lists the caller’s tokens, newest first, paginated, never with the secret', async () => {
    const session = await start();
    const minted = [];
    for (const name of ['one', 'two', 'three'])
      minted.push(await mintToken(registry.url, session, { name, scopes: ['yank'] }));
    const all = await call(registry.url, 'GET', '/api/v1/tokens', { token: session });
    expect(all.body.total).toBe(3);
    const items = all.body.items as Record<string, unknown>[];
    expect(items.map((item) => item.name)).toEqual(['three', 'two', 'one']);
    expect(Object.keys(items[0]!).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'scopes', 'skills'].sort(),
    );
    expect(JSON.stringify(all.body)).not.toContain('skl_');
    const page = await call(registry.url, 'GET', '/api/v1/tokens?page=2&per_page=2', { token: session });
    expect(page.body).toMatchObject({ total: 3, items: [{ name: 'one' }] });
    for (const query of ['page=0', 'per_page=101', 'page=x', 'per_page=']) {
      const bad = await call(registry.url, 'GET', `/api/v1/tokens?${query}`, { token: session });
      expect(bad.status, query).toBe(400);
      expect(bad.body).toMatchObject({ code: 'invalid_query' });
    }
    expect(minted).toHaveLength(3);
  });

  it('lets a user revoke only their own tokens: another user’s answers 404 and stays live', async () => {
    const session = await start();
    await seedUser(registry.ctx, 'bob');
    const bobSession = await login(registry.url, 'bob');
    const bobs = await mintToken(registry.url, bobSession);
    for (const id of [String(bobs.id), '999', 'abc', '0', '1e3']) {
      const answer = await call(registry.url, 'DELETE', `/api/v1/tokens/${id}`, { token: session });
      expect(answer.status, id).toBe(404);
      expect(answer.body).toMatchObject({ code: 'token_not_found' });
    }
    expect(await countRows(registry.db, 'api_tokens', 'revoked_at IS NULL')).toBe(1);
    expect((await call(registry.url, 'GET', '/api/v1/me', { token: bobs.token })).status).toBe(200);
    expect(await auditActions(registry.db)).not.toContain('token.revoke');
    const ownList = await call(registry.url, 'GET', '/api/v1/tokens', { token: session });
    expect(ownList.body).toEqual({ items: [], total: 0 });
  });

  it(`caps an account at ${MAX_LIVE_TOKENS} live tokens`, async () => {
    const session = await start();
    const values = Array.from(
      { length: MAX_LIVE_TOKENS },
      (_, i) =>
        `(1, 't${i}', $1::timestamptz, $1::timestamptz + interval '1 day', ARRAY['yank'], decode(md5('${i}') || md5('${i}x'), 'hex'))`,
    );
    await registry.db.query(
      `INSERT INTO api_tokens (user_id, name, created_at, expires_at, scopes, token_hash) VALUES ${values.join(', ')}`,
      [new Date()],
    );
    const answer = await call(registry.url, 'POST', '/api/v1/tokens', {
      token: session,
      body: { name: 'x', scopes: ['yank'] },
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'too_many_tokens' });
    expect(await countRows(registry.db, 'api_tokens')).toBe(MAX_LIVE_TOKENS);
  });
});
