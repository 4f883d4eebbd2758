import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokenName } from '../src/account/login-token.js';
import { fakeTerminal, onlyJson } from './helpers.js';
import { errorOf, filesUnder, GENEROUS_LIMITS, PASSWORD, person, signedUp } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

async function config(root: string): Promise<{ credentials: Record<string, Record<string, string | null>> }> {
  return JSON.parse(await readFile(path.join(root, '.skills', 'config.json'), 'utf8')) as never;
}

/** What the registry says about a token, asked directly over HTTP. */
async function me(token: string): Promise<number> {
  return (await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('skills signup and login', () => {
  it('signs up, stores only an API token bound to the API origin in a 0600 config.json, and never shows the password', async () => {
    const ada = await person(registry, 'ada');
    const signup = await ada.json(['signup', '-u', 'ada', '--email', 'ada@example.org', '--password-stdin'], {
      stdin: `${PASSWORD}\n`,
    });
    expect(signup).toMatchObject({
      ok: true,
      registry: 'local',
      api: `${registry.url}/api/v1`,
      username: 'ada',
    });

    const file = path.join(ada.root, '.skills', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { credentials } = await config(ada.root);
    expect(Object.keys(credentials)).toEqual([registry.url]);
    const stored = credentials[registry.url]!;
    expect(stored).toMatchObject({ username: 'ada', tokenId: signup['token_id'] });
    expect(stored['token']).toMatch(/^skl_[0-9A-Za-z]{38}$/);
    expect(await me(stored['token']!)).toBe(200);

    const whoami = await ada.json(['whoami']);
    expect(whoami).toMatchObject({ ok: true, username: 'ada', email: 'ada@example.org', is_admin: false });
    expect(whoami['token_expires_at']).toBe(signup['expires_at']);

    // The password is nowhere: not in any output, not in any file; no session JWT was kept.
    for (const output of ada.outputs) expect(output).not.toContain(PASSWORD);
    for (const { file: name, text } of await filesUnder(ada.root)) {
      expect(text, name).not.toContain(PASSWORD);
      expect(text, name).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    }
  });

  it('names the login token after the host and the time, with all four scopes, 30 days by default', async () => {
    expect(loginTokenName(new Date('2026-01-02T03:04:05Z'), 'laptop')).toBe(
      'skills-cli on laptop, 2026-01-02 03:04Z',
    );
    expect(loginTokenName(new Date(0), 'höst\n'.repeat(20)).length).toBeLessThanOrEqual(64);
    const bob = await signedUp(registry, 'bob-tokens');
    const list = await bob.json(['token', 'list', '--password-stdin'], { stdin: PASSWORD });
    const tokens = list['tokens'] as Array<Record<string, unknown>>;
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({
      scopes: ['publish-new', 'publish-update', 'yank', 'owners'],
      skills: null,
      this_computer: true,
    });
    expect(tokens[0]!['name']).toMatch(/^skills-cli on .+, \d{4}-\d\d-\d\d \d\d:\d\dZ$/);
    const days = (Date.parse(tokens[0]!['expires_at'] as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('logs in again with a password typed at a prompt without echo, and revokes the token it replaces', async () => {
    const carol = await signedUp(registry, 'carol');
    const first = (await config(carol.root)).credentials[registry.url]!;
    const terminal = fakeTerminal([PASSWORD]);
    const login = await carol.skills(['login', '--expires-in', '7d'], { stdin: terminal });
    expect(login.code, login.stderr).toBe(0);
    expect(terminal.rawModes).toEqual([true, false]);
    expect(login.stderr).toContain(`Password for carol at ${registry.url}: `);
    expect(login.stderr).not.toContain(PASSWORD);
    expect(login.stdout).toContain('Revoked the token this computer held before');
    const second = (await config(carol.root)).credentials[registry.url]!;
    expect(second['token']).not.toBe(first['token']);
    expect(await me(first['token']!)).toBe(401);
    expect(await me(second['token']!)).toBe(200);
    expect((await stat(path.join(carol.root, '.skills', 'config.json'))).mode & 0o777).toBe(0o600);
    const days = (Date.parse(second['expiresAt']!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it('refuses a wrong password with LOGIN_FAILED and changes nothing', async () => {
    const dave = await signedUp(registry, 'dave');
    const before = await readFile(path.join(dave.root, '.skills', 'config.json'), 'utf8');
    const result = await dave.skills(['login', '--password-stdin', '--json'], { stdin: 'not the password' });
    expect(result.code).toBe(1);
    expect(errorOf(result)).toMatchObject({ code: 'LOGIN_FAILED', registry_code: 'invalid_login' });
    expect(errorOf(result).message).toContain('[401 invalid_login]');
    expect(errorOf(result).hint).toContain('check the username and the password');
    expect(await readFile(path.join(dave.root, '.skills', 'config.json'), 'utf8')).toBe(before);
  });

  it('never takes a password as an argument, and needs a terminal or --password-stdin', async () => {
    const erin = await person(registry, 'erin');
    const argument = await erin.skills(['login', '-u', 'erin', '--password', PASSWORD, '--json']);
    expect(argument.code).toBe(2);
    expect(errorOf(argument).code).toBe('USAGE');
    const noTerminal = await erin.skills(['login', '-u', 'erin', '--json']);
    expect(noTerminal.code).toBe(2);
    expect(errorOf(noTerminal)).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('stdin is not a terminal'),
    });
    expect(errorOf(noTerminal).hint).toContain('--password-stdin');
    const twoLines = await erin.skills(['login', '-u', 'erin', '--password-stdin', '--json'], {
      stdin: 'a\nb\n',
    });
    expect(errorOf(twoLines)).toMatchObject({
      code: 'USAGE',
      message: '--password-stdin: stdin holds more than one line',
    });
    const badExpiry = await erin.skills([
      'login',
      '-u',
      'erin',
      '--password-stdin',
      '--expires-in',
      '91d',
      '--json',
    ]);
    expect(errorOf(badExpiry)).toMatchObject({ code: 'USAGE', hint: 'give between 1 minute and 90 days' });
  });

  it('maps sign-up refusals to codes with hints', async () => {
    await signedUp(registry, 'frank');
    const other = await person(registry, 'frank2');
    const taken = await other.skills(
      ['signup', '-u', 'frank', '--email', 'f@example.org', '--password-stdin', '--json'],
      {
        stdin: PASSWORD,
      },
    );
    expect(errorOf(taken)).toMatchObject({ code: 'USERNAME_TAKEN', registry_code: 'username_taken' });
    const short = await other.skills(
      ['signup', '-u', 'frank-other', '--email', 'f@example.org', '--password-stdin', '--json'],
      {
        stdin: 'short',
      },
    );
    expect(errorOf(short)).toMatchObject({
      code: 'ACCOUNT_INVALID',
      registry_code: 'invalid_password',
      hint: 'choose a password of 10 to 256 characters',
    });
    const badName = await other.skills(
      ['signup', '-u', 'Frank!', '--email', 'f@example.org', '--password-stdin', '--json'],
      {
        stdin: PASSWORD,
      },
    );
    expect(badName.code).toBe(2);
    const noEmail = await other.skills(['signup', '-u', 'frank3', '--password-stdin', '--json'], {
      stdin: PASSWORD,
    });
    expect(errorOf(noEmail).code).toBe('USAGE');
  });

  it('asks twice for the password at sign-up on a terminal and refuses two different ones', async () => {
    const gina = await person(registry, 'gina');
    const differ = await gina.skills(['signup', '-u', 'gina', '--email', 'gina@example.org', '--json'], {
      stdin: fakeTerminal([PASSWORD, 'something else entirely']),
    });
    expect(errorOf(differ)).toMatchObject({ code: 'USAGE', message: 'the two passwords differ' });
    const same = await gina.skills(['signup', '-u', 'gina', '--email', 'gina@example.org'], {
      stdin: fakeTerminal([PASSWORD, PASSWORD]),
    });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('Signed up on local');
  });
});

describe('skills whoami with a bad token', () => {
  it('says AUTH_REQUIRED when not logged in, and AUTH_INVALID for a revoked or malformed token', async () => {
    const hal = await person(registry, 'hal');
    expect(errorOf(await hal.skills(['whoami', '--json']))).toMatchObject({
      code: 'AUTH_REQUIRED',
      hint: 'run `skills login`, or set SKILLS_TOKEN',
    });
    const malformed = await hal.skills(['whoami', '--json'], {
      env: { ...hal.env, SKILLS_TOKEN: 'skl_nonsense' },
    });
    expect(errorOf(malformed)).toMatchObject({ code: 'AUTH_INVALID', registry_code: 'invalid_credential' });
    expect(errorOf(malformed).hint).toContain('skills login');

    const ivy = await signedUp(registry, 'ivy');
    const token = (await config(ivy.root)).credentials[registry.url]!;
    const revoked = await ivy.json(['token', 'revoke', token['tokenId']!, '--password-stdin'], {
      stdin: PASSWORD,
    });
    expect(revoked).toMatchObject({ ok: true, forgotten: true });
    // Forgotten here; sent anyway through SKILLS_TOKEN, the registry refuses it.
    const again = await ivy.skills(['whoami', '--json'], {
      env: { ...ivy.env, SKILLS_TOKEN: token['token']! },
    });
    expect(errorOf(again)).toMatchObject({ code: 'AUTH_INVALID', registry_code: 'invalid_credential' });
  });

  it('says AUTH_INVALID for an expired token', async () => {
    const jo = await signedUp(registry, 'jo');
    // Expire the stored token in the registry's database, as time would.
    await registry.running.ctx.db.query(
      "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE username = 'jo')",
    );
    expect(errorOf(await jo.skills(['whoami', '--json']))).toMatchObject({ code: 'AUTH_INVALID' });
  });
});

describe('skills logout', () => {
  it('revokes the token on the registry without a password, and forgets it here', async () => {
    const kim = await signedUp(registry, 'kim');
    const stored = (await config(kim.root)).credentials[registry.url]!;
    const logout = await kim.json(['logout']);
    expect(logout).toMatchObject({ ok: true, logged_out: true, revoked: true, warnings: [] });
    expect((await config(kim.root)).credentials).toEqual({});
    expect((await stat(path.join(kim.root, '.skills', 'config.json'))).mode & 0o777).toBe(0o600);
    expect(await me(stored['token']!)).toBe(401);
    expect(await kim.json(['logout'])).toMatchObject({ ok: true, logged_out: false });
    // --password-stdin is gone: logout needs no password.
    expect((await kim.skills(['logout', '--password-stdin'])).code).toBe(2);
  });

  it('revokes the stored token, not SKILLS_TOKEN, and says that one is still sent', async () => {
    const lee = await signedUp(registry, 'lee');
    const stored = (await config(lee.root)).credentials[registry.url]!;
    const created = await lee.json(
      ['token', 'create', '--name', 'ci', '--scope', 'yank', '--password-stdin'],
      {
        stdin: PASSWORD,
      },
    );
    const other = created['token'] as string;
    const logout = await lee.json(['logout'], { env: { ...lee.env, SKILLS_TOKEN: other } });
    expect(logout).toMatchObject({ ok: true, logged_out: true, revoked: true });
    expect(logout['warnings']).toEqual([
      { code: 'TOKEN_NOT_REVOKED', message: expect.stringContaining('SKILLS_TOKEN is set') },
    ]);
    expect(await me(stored['token']!)).toBe(401);
    expect(await me(other)).toBe(200);
  });

  it('forgets a token the registry no longer accepts', async () => {
    const max = await signedUp(registry, 'max');
    const stored = (await config(max.root)).credentials[registry.url]!;
    const revoked = await max.json(['token', 'revoke', stored['tokenId']!, '--password-stdin'], {
      stdin: PASSWORD,
    });
    expect(revoked).toMatchObject({ ok: true, forgotten: true });
    // Put back, as a copy of config.json from before would have it.
    const file = path.join(max.root, '.skills', 'config.json');
    const current = JSON.parse(await readFile(file, 'utf8')) as { credentials: Record<string, unknown> };
    current.credentials[registry.url] = stored;
    await writeFile(file, JSON.stringify(current), { mode: 0o600 });
    expect(await max.json(['logout'])).toMatchObject({ ok: true, logged_out: true, revoked: false });
    expect((await config(max.root)).credentials).toEqual({});
  });

  it('keeps the token when the registry cannot be reached', async () => {
    const down = await unreachableRegistry();
    const ned = await person(registry, 'ned');
    expect((await ned.skills(['registry', 'add', 'down', down.url])).code).toBe(0);
    const file = path.join(ned.root, '.skills', 'config.json');
    const current = JSON.parse(await readFile(file, 'utf8')) as { credentials: Record<string, unknown> };
    const credential = { token: `skl_${'A'.repeat(38)}`, username: 'ned', tokenId: '7', expiresAt: null };
    current.credentials[down.url] = credential;
    await writeFile(file, JSON.stringify(current), { mode: 0o600 });
    await down.close();
    const result = await ned.skills(['logout', '--registry', 'down', '--json']);
    expect(errorOf(result).code).toBe('REGISTRY_UNREACHABLE');
    expect((await config(ned.root)).credentials[down.url]).toEqual(credential);
  });
});

/** A registry whose config.json answers, so it can be added, and which is then shut down. */
async function unreachableRegistry(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url !== '/config.json') return void res.writeHead(404).end();
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        format: 1,
        epoch: 'e1',
        name: 'down',
        url: `${base}/`,
        dl: `${base}/dl/{prefix}/{name}/{name}-{version}.tgz`,
        sig: null,
        api: `${base}/api/v1`,
        signing_key: null,
        auth_required: false,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('skills token', () => {
  it('creates a scoped token printed once, lists it and revokes it', async () => {
    const nia = await signedUp(registry, 'nia');
    const created = await nia.skills(
      [
        'token',
        'create',
        '--name',
        'ci',
        '--scope',
        'publish-update',
        '--skill',
        'nia-*',
        '--expires-in',
        '1d',
        '--password-stdin',
      ],
      { stdin: PASSWORD },
    );
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^skl_[0-9A-Za-z]{38}$/);
    expect(created.stderr).toContain('It is shown this once');
    expect(await me(secret)).toBe(200);
    expect(await readFile(path.join(nia.root, '.skills', 'config.json'), 'utf8')).not.toContain(secret);

    const list = await nia.json(['token', 'list', '--password-stdin'], { stdin: PASSWORD });
    const ci = (list['tokens'] as Array<Record<string, unknown>>).find((token) => token['name'] === 'ci');
    expect(ci).toMatchObject({ scopes: ['publish-update'], skills: ['nia-*'], this_computer: false });
    const revoked = await nia.json(['token', 'revoke', String(ci!['id']), '--password-stdin'], {
      stdin: PASSWORD,
    });
    expect(revoked).toMatchObject({ ok: true, forgotten: false });
    expect(await me(secret)).toBe(401);

    const unknown = await nia.skills(['token', 'revoke', '999999', '--password-stdin', '--json'], {
      stdin: PASSWORD,
    });
    expect(errorOf(unknown)).toMatchObject({ code: 'API_NOT_FOUND', registry_code: 'token_not_found' });
  });

  it('refuses bad token options before asking for anything', async () => {
    const olga = await signedUp(registry, 'olga');
    for (const argv of [
      ['token', 'create'],
      ['token', 'create', '--scope', 'admin'],
      ['token', 'create', '--scope', 'yank', '--skill', '../x'],
      ['token', 'create', '--scope', 'yank', '--expires-in', '10'],
      ['token', 'revoke', 'abc'],
    ]) {
      const result = await olga.skills([...argv, '--json']);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(onlyJson(result.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    }
  });
});
