import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.js';
import { authRoutes, type AuthRoutesOptions } from '../src/auth/routes.js';
import { testDatabases } from './databases.js';
import { auditActions, call, countRows, PASSWORD, seedUser } from './auth-fixtures.js';
import { startRegistry, type TestRegistry } from './harness.js';

describe.each(testDatabases)('login on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry.close();
  });

  async function start(options: AuthRoutesOptions = {}): Promise<void> {
    registry = await startRegistry(database, { routers: (ctx) => [authRoutes(ctx, options)] });
    await seedUser(registry.ctx, 'ada');
  }

  const attempt = (username: string, password: string) =>
    call(registry.url, 'POST', '/api/v1/auth/login', { body: { username, password } });

  it('answers a wrong password and an unknown user alike: 401 invalid_login, no session', async () => {
    await start();
    const wrong = await attempt('ada', 'not the password');
    const unknown = await attempt('nobody', 'not the password');
    const impossible = await attempt('Not A Name!', 'not the password');
    for (const answer of [wrong, unknown, impossible]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'invalid_login', detail: wrong.body.detail });
    }
    expect(await countRows(registry.db, 'sessions')).toBe(0);
    // Failures are audited against accounts that exist, not against every name tried.
    expect(await auditActions(registry.db)).toEqual(['user.create', 'auth.login_failed']);
  });

  it('throttles failed logins per username: 10, then 429 with Retry-After, then allowed again later', async () => {
    await start();
    const start_ = new Date('2030-01-01T00:00:00Z');
    registry.setNow(start_);
    for (let i = 0; i < 10; i += 1) expect((await attempt('ada', `wrong password ${i}`)).status).toBe(401);
    const throttled = await attempt('ada', PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ code: 'rate_limited' });
    // 10 per 15 minutes: one attempt regained every 90 seconds.
    expect(throttled.headers.get('retry-after')).toBe('90');
    expect(await countRows(registry.db, 'sessions')).toBe(0);
    // Another username is not affected.
    await seedUser(registry.ctx, 'bob');
    expect((await attempt('bob', PASSWORD)).status).toBe(200);
    registry.setNow(new Date(start_.getTime() + 89_000));
    expect((await attempt('ada', PASSWORD)).status).toBe(429);
    registry.setNow(new Date(start_.getTime() + 90_000));
    const allowed = await attempt('ada', PASSWORD);
    expect(allowed.status).toBe(200);
    expect(await countRows(registry.db, 'sessions')).toBe(2);
  });

  it('does not count successful logins against the username', async () => {
    await start({ limits: { failedLogin: { burst: 2, perSecond: 1 / 900 } } });
    for (let i = 0; i < 4; i += 1) expect((await attempt('ada', PASSWORD)).status).toBe(200);
    expect((await attempt('ada', 'wrong password')).status).toBe(401);
    expect((await attempt('ada', PASSWORD)).status).toBe(200);
  });

  it('takes 30 auth attempts a minute from one address (configurable), then 429', async () => {
    await start({ limits: { authAttempt: { burst: 3, perSecond: 3 / 60 } } });
    for (let i = 0; i < 3; i += 1) expect((await attempt('nobody', 'wrong password')).status).toBe(401);
    const throttled = await attempt('ada', PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('20');
    expect(await countRows(registry.db, 'sessions')).toBe(0);
  });

  it('refuses extra members and wrong types in the login body', async () => {
    await start();
    for (const body of [
      { username: 'ada', password: PASSWORD, remember: true },
      { username: 'ada' },
      { username: 'ada', password: 12345678901 },
      ['ada', PASSWORD],
    ]) {
      const answer = await call(registry.url, 'POST', '/api/v1/auth/login', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ code: 'invalid_body' });
    }
    expect(await countRows(registry.db, 'sessions')).toBe(0);
    expect(await countRows(registry.db, 'rate_buckets')).toBe(0);
  });

  it('rehashes a password stored with older parameters at the next login', async () => {
    await start();
    const old = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
    await registry.db.query("UPDATE users SET password_hash = $1 WHERE username = 'ada'", [old]);
    expect((await attempt('ada', PASSWORD)).status).toBe(200);
    const { rows } = await registry.db.query<{ password_hash: string }>('SELECT password_hash FROM users');
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await auditActions(registry.db)).toContain('user.password_rehash');
    expect((await attempt('ada', PASSWORD)).status).toBe(200);
  });
});
