import { afterEach, describe, expect, it } from 'vitest';
import { authRoutes, type AuthRoutesOptions } from '../src/auth/routes.js';
import { createUser, findUserByName, listUsers, setAdmin } from '../src/auth/users.js';
import type { RegistryConfig } from '../src/config.js';
import { testDatabases } from './databases.js';
import { auditActions, call, countRows, PASSWORD, seedUser } from './auth-fixtures.js';
import { startRegistry, type TestRegistry } from './harness.js';

describe.each(testDatabases)('accounts on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry.close();
  });

  async function start(config: Partial<RegistryConfig> = {}, options: AuthRoutesOptions = {}): Promise<void> {
    registry = await startRegistry(database, { routers: (ctx) => [authRoutes(ctx, options)], config });
  }

  const signUp = (body: unknown) => call(registry.url, 'POST', '/api/v1/users', { body });
  const person = (username: string) => ({ username, email: `${username}@example.org`, password: PASSWORD });

  async function refusedSignUp(body: unknown, status: number, code: string): Promise<void> {
    const before = await countRows(registry.db, 'users');
    const answer = await signUp(body);
    expect(answer.status, JSON.stringify(body)).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code });
    expect(await countRows(registry.db, 'users')).toBe(before);
  }

  it('signs up a user, storing only an scrypt hash of the password', async () => {
    await start();
    const answer = await signUp(person('ada'));
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ username: 'ada' });
    const { rows } = await registry.db.query<Record<string, unknown>>('SELECT * FROM users');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      username: 'ada',
      skeleton: 'ada',
      email: 'ada@example.org',
      is_admin: false,
    });
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    const { rows: audit } = await registry.db.query('SELECT actor_id, action, subject, ip FROM audit_log');
    expect(audit).toEqual([
      {
        actor_id: null,
        action: 'user.create',
        subject: 'user:ada',
        ip: expect.stringMatching(/127\.0\.0\.1/),
      },
    ]);
  });

  it('refuses sign-up when the registry does not take them', async () => {
    await start({ allowSignup: false });
    await refusedSignUp(person('ada'), 403, 'signup_disabled');
    expect(await auditActions(registry.db)).toEqual([]);
  });

  it('refuses a taken username and any username that looks like it', async () => {
    await start();
    expect((await signUp(person('ada-lovelace'))).status).toBe(201);
    await refusedSignUp(person('ada-lovelace'), 409, 'username_taken');
    for (const alike of ['adalovelace', 'ada-iovelace', 'ada-1ovelace', 'ada-lovel-ace']) {
      await refusedSignUp(person(alike), 409, 'username_taken');
    }
    const answer = await signUp(person('adal0velace'));
    expect(answer.body.detail).toMatch(/looks like "ada-lovelace"/);
    expect(await auditActions(registry.db)).toEqual(['user.create']);
  });

  it('refuses reserved usernames and their look-alikes', async () => {
    await start();
    for (const name of ['admin', 'adm1n', 'registry', 'api', 'root', 'r0ot', 'support', 'con']) {
      await refusedSignUp(person(name), 400, 'username_reserved');
    }
  });

  it('refuses usernames that break the name rule', async () => {
    await start();
    for (const name of ['Ada', 'ada_l', '-ada', 'ada-', 'a--b', '', 'x'.repeat(65), 'ádà']) {
      await refusedSignUp(person(name), 400, 'invalid_username');
    }
  });

  it('refuses bad email addresses and passwords outside 10 to 256 characters', async () => {
    await start();
    for (const email of [
      'ada',
      'ada@',
      'ada@host',
      'a da@example.org',
      'ada@exa\u0001mple.org',
      `${'a'.repeat(250)}@x.org`,
    ]) {
      await refusedSignUp({ ...person('ada'), email }, 400, 'invalid_email');
    }
    await refusedSignUp({ ...person('ada'), password: 'short-pw1' }, 400, 'invalid_password');
    await refusedSignUp({ ...person('ada'), password: 'p'.repeat(257) }, 400, 'invalid_password');
  });

  it('refuses extra members, missing members, wrong types and non-JSON bodies', async () => {
    await start();
    await refusedSignUp({ ...person('ada'), is_admin: true }, 400, 'invalid_body');
    await refusedSignUp({ username: 'ada', password: PASSWORD }, 400, 'invalid_body');
    await refusedSignUp({ ...person('ada'), password: 1234567890123 }, 400, 'invalid_body');
    await refusedSignUp([person('ada')], 400, 'invalid_body');
    const form = await fetch(`${registry.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=ada&email=ada%40example.org&password=correct+horse+battery',
    });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ code: 'invalid_body' });
    expect(await countRows(registry.db, 'users')).toBe(0);
  });

  it('takes 5 sign-ups an hour from one address, then answers 429 with Retry-After', async () => {
    await start();
    registry.setNow(new Date('2030-01-01T00:00:00Z'));
    for (let i = 0; i < 5; i += 1) expect((await signUp(person(`user-${'abcde'[i]}`))).status).toBe(201);
    const refused = await signUp(person('user-f'));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBe(720); // one sign-up regained every 12 minutes
    expect(refused.body.retry_after).toBe(retryAfter);
    expect(await countRows(registry.db, 'users')).toBe(5);
    registry.setNow(new Date('2030-01-01T00:12:00Z'));
    expect((await signUp(person('user-f'))).status).toBe(201);
    expect((await signUp(person('user-g'))).status).toBe(429);
  });

  it('does not count a refused sign-up (taken name) against the address’s sign-up budget', async () => {
    await start({}, { limits: { signup: { burst: 1, perSecond: 1 / 3600 } } });
    await seedUser(registry.ctx, 'ada');
    for (let i = 0; i < 3; i += 1) await refusedSignUp(person('ada'), 409, 'username_taken');
    expect((await signUp(person('bob'))).status).toBe(201);
    await refusedSignUp(person('carol'), 429, 'rate_limited');
  });

  it('creates, finds, lists and promotes users for the operator commands, auditing each change', async () => {
    await start();
    const admin = await createUser(registry.db, { ...person('operator-one'), isAdmin: true });
    expect(admin).toMatchObject({ username: 'operator-one', isAdmin: true });
    await seedUser(registry.ctx, 'bob');
    expect(await findUserByName(registry.db, 'bob')).toMatchObject({ username: 'bob', isAdmin: false });
    expect(await findUserByName(registry.db, 'nobody')).toBeNull();
    expect((await listUsers(registry.db)).map((user) => user.username)).toEqual(['bob', 'operator-one']);
    expect(await setAdmin(registry.db, 'bob', true)).toMatchObject({ isAdmin: true });
    expect(await setAdmin(registry.db, 'bob', false)).toMatchObject({ isAdmin: false });
    await expect(setAdmin(registry.db, 'nobody', true)).rejects.toMatchObject({
      status: 404,
      code: 'user_not_found',
    });
    expect(await auditActions(registry.db)).toEqual([
      'user.create',
      'user.create',
      'user.admin_grant',
      'user.admin_revoke',
    ]);
    const json = JSON.stringify(await listUsers(registry.db));
    expect(json).not.toContain('scrypt');
  });

  it('answers /me with the account, and 401 without a credential', async () => {
    await start();
    await seedUser(registry.ctx, 'ada');
    const login = await call(registry.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'ada', password: PASSWORD },
    });
    const me = await call(registry.url, 'GET', '/api/v1/me', { token: login.body.token as string });
    expect(me.body).toEqual({
      username: 'ada',
      email: 'ada@example.org',
      is_admin: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});
