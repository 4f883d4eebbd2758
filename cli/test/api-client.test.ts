import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemError, PROBLEM_CODES, retryAfterSeconds } from '../src/api/problems.js';
import { multipartBody } from '../src/api/multipart.js';
import { Decoder } from '../src/api/decode.js';
import { ERROR_CODES } from '@skills/schema';
import { onlyJson, writeSkill } from './helpers.js';
import { errorOf, GENEROUS_LIMITS, person, publisher, type Person } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  // Generous, except failed logins: two per username, so a test can meet a real 429.
  const limits = { ...(JSON.parse(GENEROUS_LIMITS) as object), failedLogin: { burst: 2, perMinute: 0.01 } };
  registry = await startTestRegistry({ rateLimits: JSON.stringify(limits) });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

/** Rewrites the one pin.json of a person's home. */
async function editPin(someone: Person, change: (pin: Record<string, unknown>) => void): Promise<void> {
  const dir = path.join(someone.root, '.skills', 'state', 'registries');
  const [folder] = await readdir(dir);
  const file = path.join(dir, folder!, 'pin.json');
  const pin = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  change(pin);
  await writeFile(file, JSON.stringify(pin));
}

interface EditableConfig {
  registries: Record<string, { api: string | null }>;
}

async function editConfig(someone: Person, change: (config: EditableConfig) => void): Promise<void> {
  const file = path.join(someone.root, '.skills', 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as EditableConfig;
  change(config);
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
}

describe('the registry API client', () => {
  it('refuses to call an API that no longer matches the pinned one (REGISTRY_API_CHANGED)', async () => {
    const ada = await publisher(registry, 'api-ada');
    await editConfig(ada, (config) => {
      config.registries['local']!.api = 'https://elsewhere.example/api/v1';
    });
    const dir = await writeSkill(ada.root, 'api-notes');
    for (const argv of [
      ['whoami'],
      ['publish', dir],
      ['owner', 'list', 'api-notes'],
      ['login', '--password-stdin'],
    ]) {
      const error = errorOf(await ada.skills([...argv, '--json'], { stdin: 'x' }));
      expect(error.code, argv.join(' ')).toBe('REGISTRY_API_CHANGED');
      expect(error.message).toContain(`${registry.url}/api/v1 was pinned`);
      expect(error.hint).toContain('--api https://elsewhere.example/api/v1');
    }
  });

  it('refuses plain http to a host that is not loopback (HTTP_INSECURE), before sending the token', async () => {
    const bob = await publisher(registry, 'api-bob');
    const insecure = 'http://registry.example.test/api/v1';
    await editConfig(bob, (config) => {
      config.registries['local']!.api = insecure;
    });
    await editPin(bob, (pin) => {
      pin['api'] = insecure;
    });
    const env = { ...bob.env, SKILLS_TOKEN: 'skl_would-be-sent' };
    for (const argv of [['whoami'], ['yank', 'x@1.0.0'], ['login', '--password-stdin']]) {
      const error = errorOf(await bob.skills([...argv, '--json'], { env, stdin: 'x' }));
      expect(error, argv.join(' ')).toMatchObject({
        code: 'HTTP_INSECURE',
        message: expect.stringContaining('registry.example.test'),
      });
    }
  });

  it('says clearly that a registry without an API is read-only (REGISTRY_READ_ONLY)', async () => {
    const cy = await person(registry, 'api-cy');
    const index = path.join(cy.root, 'read-only-index');
    await mkdir(index);
    await writeFile(
      path.join(index, 'config.json'),
      JSON.stringify({
        format: 1,
        epoch: 'e1',
        name: 'read-only',
        url: null,
        dl: 'https://mirror.example/dl/{prefix}/{name}/{name}-{version}.tgz',
        sig: null,
        api: null,
        signing_key: null,
        auth_required: false,
      }),
    );
    expect((await cy.skills(['registry', 'add', 'mirror', index])).code).toBe(0);
    const dir = await writeSkill(cy.root, 'cy-notes');
    for (const argv of [
      ['whoami'],
      ['publish', dir, '--dry-run'],
      ['yank', 'cy-notes@1.2.3'],
      ['login', '--password-stdin'],
    ]) {
      const error = errorOf(await cy.skills([...argv, '--registry', 'mirror', '--json'], { stdin: 'x' }));
      expect(error, argv.join(' ')).toMatchObject({
        code: 'REGISTRY_READ_ONLY',
        message: 'the registry "mirror" has no publish API',
      });
      expect(error.hint).toContain('read-only');
    }
  });

  it('needs a configured registry: a bare URL has no pinned API to trust', async () => {
    const dee = await person(registry, 'api-dee');
    const error = errorOf(await dee.skills(['whoami', '--registry', 'https://other.example/', '--json']));
    expect(error).toMatchObject({
      code: 'REGISTRY_UNKNOWN',
      hint: expect.stringContaining('skills registry add'),
    });
    const missing = errorOf(await dee.skills(['whoami', '--registry', 'nope', '--json']));
    expect(missing.code).toBe('REGISTRY_UNKNOWN');
  });

  it('says when the pins were cleared', async () => {
    const eve = await person(registry, 'api-eve');
    await rm(path.join(eve.root, '.skills', 'state'), { recursive: true });
    expect(errorOf(await eve.skills(['whoami', '--json']))).toMatchObject({
      code: 'STATE_INVALID',
      message: 'nothing is pinned for the registry "local"',
    });
  });

  it('sends the stored token only to the API origin it was minted for', async () => {
    const fay = await publisher(registry, 'api-fay');
    const stored = JSON.parse(await readFile(path.join(fay.root, '.skills', 'config.json'), 'utf8')) as {
      credentials: Record<string, { token: string }>;
    };
    expect(Object.keys(stored.credentials)).toEqual([registry.url]);
    // Another origin (localhost instead of 127.0.0.1) for the same server has no credential.
    await editConfig(fay, (config) => {
      const api = `${registry.url.replace('127.0.0.1', 'localhost')}/api/v1`;
      config.registries['local']!.api = api;
    });
    await editPin(fay, (pin) => {
      pin['api'] = `${registry.url.replace('127.0.0.1', 'localhost')}/api/v1`;
    });
    expect(errorOf(await fay.skills(['whoami', '--json']))).toMatchObject({ code: 'AUTH_REQUIRED' });
  });
});

describe('registry problems', () => {
  const problem = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    problemError(
      status,
      headers,
      Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      'publishing x@1.0.0',
    );

  it('maps every code to one of ours', () => {
    for (const mapping of Object.values(PROBLEM_CODES))
      expect(Object.hasOwn(ERROR_CODES, mapping.code)).toBe(true);
  });

  it("keeps the registry's message and code, with our code and hint", () => {
    const error = problem(409, {
      code: 'version_exists',
      detail: 'x@1.0.0 was published with other bytes',
      status: 409,
    });
    expect(error).toMatchObject({ code: 'VERSION_EXISTS', registryCode: 'version_exists', status: 409 });
    expect(error.message).toBe(
      'publishing x@1.0.0: x@1.0.0 was published with other bytes [409 version_exists]',
    );
  });

  it('says how long to wait when rate limited', () => {
    const error = problem(
      429,
      { code: 'rate_limited', detail: 'too many requests' },
      { 'retry-after': '42' },
    );
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 42, hint: 'wait 42 s, then try again' });
    expect(problem(429, { code: 'rate_limited', detail: 'slow down', retry_after: 7 }).retryAfter).toBe(7);
    expect(
      retryAfterSeconds('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')),
    ).toBe(60);
    expect(retryAfterSeconds('soon')).toBeNull();
  });

  it('turns a package refusal back into its catalogue code, with the issues', () => {
    const issues = [{ path: 'skill.yaml:version', code: 'VERSION_INVALID', message: 'not semver' }];
    const error = problem(422, {
      code: 'manifest_invalid',
      detail: 'bad manifest',
      hint: 'fix skill.yaml',
      issues,
    });
    expect(error).toMatchObject({ code: 'MANIFEST_INVALID', hint: 'fix skill.yaml', issues });
  });

  it('keeps an unknown code visible, and treats a body that is no problem as HTTP_ERROR', () => {
    expect(problem(418, { code: 'teapot', detail: 'short and stout' })).toMatchObject({
      code: 'REGISTRY_REFUSED',
      registryCode: 'teapot',
    });
    expect(problem(502, '<html>Bad Gateway</html>')).toMatchObject({
      code: 'HTTP_ERROR',
      registryCode: 'http_502',
    });
    expect(problem(400, { code: 'NOT A CODE', detail: 'x' }).registryCode).toBe('http_400');
  });

  it('shows registry_code in the JSON failure', async () => {
    const gus = await person(registry, 'api-gus');
    const result = await gus.skills(['login', '-u', 'api-gus', '--password-stdin', '--json'], {
      stdin: 'wrong password',
    });
    expect(onlyJson(result.stdout)).toEqual({
      ok: false,
      error: {
        code: 'LOGIN_FAILED',
        message: 'logging in as api-gus: the username or the password is wrong [401 invalid_login]',
        hint: expect.any(String),
        registry_code: 'invalid_login',
      },
    });
  });

  it('reports a real 429 as RATE_LIMITED with the seconds from Retry-After', async () => {
    const hana = await person(registry, 'api-hana');
    const login = ['login', '-u', 'api-hana', '--password-stdin', '--json'];
    for (let i = 0; i < 2; i += 1) {
      expect(errorOf(await hana.skills(login, { stdin: 'wrong password' })).code).toBe('LOGIN_FAILED');
    }
    const limited = errorOf(await hana.skills(login, { stdin: 'wrong password' }));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', registry_code: 'rate_limited' });
    expect(limited.message).toContain('[429 rate_limited]');
    expect(limited.hint).toMatch(/^wait \d+ s, then try again$/);
  });

  it('builds a multipart body the registry reads', () => {
    const { bytes, contentType } = multipartBody([
      { name: 'tarball', fileName: 'x.tgz', contentType: 'application/gzip', bytes: Buffer.from([1, 2]) },
      { name: 'signature', bytes: Buffer.from('sig') },
    ]);
    const boundary = contentType.split('boundary=')[1]!;
    expect(bytes.toString('latin1')).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="x.tgz"\r\nContent-Type: application/gzip\r\n\r\n\u0001\u0002\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="signature"\r\n\r\nsig\r\n--${boundary}--\r\n`,
    );
  });

  it('refuses a registry answer of the wrong shape with HTTP_ERROR, naming the field', () => {
    const answer = Decoder.object({ n: 'x', s: 1, list: [1], items: 'no', b: 'yes' }, 'GET /me');
    expect(() => Decoder.object([], 'GET /me')).toThrow(
      "the registry's answer to GET /me is not a JSON object",
    );
    expect(() => answer.string('s')).toThrow('has no string "s"');
    expect(() => answer.stringOrNull('s')).toThrow('"s" is not a string or null');
    expect(() => answer.number('n')).toThrow('has no number "n"');
    expect(() => answer.numberOrNull('n')).toThrow('"n" is not a number or null');
    expect(() => answer.boolean('b')).toThrow('has no boolean "b"');
    expect(() => answer.strings('list')).toThrow('"list" is not a list of strings');
    expect(() => answer.objects('items')).toThrow('"items" is not a list');
    expect(answer.stringsOrNull('missing')).toBeNull();
  });
});
