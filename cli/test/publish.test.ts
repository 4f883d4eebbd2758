import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTerminal, onlyJson, tempDir, writeSkill } from './helpers.js';
import { errorOf, GENEROUS_LIMITS, PASSWORD, publisher, signedUp, type Person } from './publish-helpers.js';
import { startTestRegistry, type TestRegistryServer } from './registry-server.js';

let registry: TestRegistryServer;
beforeAll(async () => {
  registry = await startTestRegistry({ rateLimits: GENEROUS_LIMITS });
}, 120_000);
afterAll(async () => {
  await registry?.close();
});

async function versionStatus(name: string, version: string): Promise<number> {
  return (await fetch(`${registry.url}/api/v1/skills/${name}/${version}`)).status;
}

async function configOf(someone: Person): Promise<{ signingKey: string | null }> {
  return JSON.parse(await readFile(path.join(someone.root, '.skills', 'config.json'), 'utf8')) as never;
}

describe('skills keys', () => {
  it('generates an ed25519 key with a 0600 private key file, registers it with a proof, and lists both views', async () => {
    const ada = await signedUp(registry, 'key-ada');
    const generated = await ada.json([
      'keys',
      'generate',
      '--name',
      'Ada Lovelace',
      '--email',
      'ada@example.org',
    ]);
    const fingerprint = generated['fingerprint'] as string;
    expect(generated).toMatchObject({
      ok: true,
      user_id: 'Ada Lovelace <ada@example.org>',
      encrypted: false,
      signing_key: true,
    });
    expect(fingerprint).toMatch(/^[0-9A-F]{40}$/);
    const keys = path.join(ada.root, '.skills', 'keys');
    expect((await stat(keys)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(keys, `${fingerprint}.key`))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(keys, `${fingerprint}.key`), 'utf8')).toContain('PGP PRIVATE KEY BLOCK');
    expect((await configOf(ada)).signingKey).toBe(fingerprint);

    const registered = await ada.json(['keys', 'register', '--password-stdin'], { stdin: PASSWORD });
    expect(registered).toMatchObject({ ok: true, fingerprint, created: true, username: 'key-ada' });
    const again = await ada.json(['keys', 'register', fingerprint, '--password-stdin'], { stdin: PASSWORD });
    expect(again).toMatchObject({ ok: true, fingerprint, created: false });

    const local = await ada.json(['keys', 'list']);
    expect(local).toMatchObject({
      signing_key: fingerprint,
      keys: [
        {
          fingerprint,
          signing: true,
          local: {
            user_ids: ['Ada Lovelace <ada@example.org>'],
            algorithm: 'eddsaLegacy (ed25519Legacy)',
            private: true,
            encrypted: false,
            revoked: false,
          },
        },
      ],
    });
    expect(local['keys'] as unknown[]).toHaveLength(1);
    expect((local['keys'] as Array<Record<string, unknown>>)[0]).not.toHaveProperty('registry');
    const remote = await ada.json(['keys', 'list', '--remote', '--password-stdin'], { stdin: PASSWORD });
    expect(remote).toMatchObject({
      registry: 'local',
      keys: [{ fingerprint, registry: { algorithm: 'ed25519', revoked_at: null } }],
    });
  });

  it('refuses a key already registered to another account with KEY_TAKEN', async () => {
    const first = await publisher(registry, 'key-first');
    const second = await signedUp(registry, 'key-second');
    await cp(path.join(first.root, '.skills', 'keys'), path.join(second.root, '.skills', 'keys'), {
      recursive: true,
    });
    const result = await second.skills(['keys', 'register', '--password-stdin', '--json'], {
      stdin: PASSWORD,
    });
    expect(errorOf(result)).toMatchObject({ code: 'KEY_TAKEN', registry_code: 'key_taken' });
    expect(errorOf(result).hint).toContain('skills keys generate');
  });

  it('protects a key with a passphrase and asks for it only when signing', async () => {
    const bea = await signedUp(registry, 'key-bea');
    const generated = await bea.json(['keys', 'generate', '--passphrase-stdin'], {
      stdin: 'a long key passphrase\n',
    });
    expect(generated).toMatchObject({ encrypted: true });
    const fingerprint = generated['fingerprint'] as string;
    const armored = await readFile(path.join(bea.root, '.skills', 'keys', `${fingerprint}.key`), 'utf8');
    expect(armored).not.toContain('a long key passphrase');

    const noTerminal = await bea.skills(['keys', 'register', '--password-stdin', '--json'], {
      stdin: PASSWORD,
    });
    expect(errorOf(noTerminal)).toMatchObject({ code: 'KEY_PASSPHRASE' });
    expect(errorOf(noTerminal).hint).toContain('SKILLS_KEY_PASSPHRASE');
    const wrong = await bea.skills(['keys', 'register', '--password-stdin', '--json'], {
      stdin: PASSWORD,
      env: { ...bea.env, SKILLS_KEY_PASSPHRASE: 'not it' },
    });
    expect(errorOf(wrong)).toMatchObject({ code: 'KEY_PASSPHRASE' });
    const both = await bea.skills(['keys', 'register', '--password-stdin', '--passphrase-stdin', '--json']);
    expect(errorOf(both).code).toBe('USAGE');

    // On a terminal: the passphrase, then the password, both without echo.
    const terminal = fakeTerminal(['a long key passphrase', PASSWORD]);
    const typed = await bea.skills(['keys', 'register'], { stdin: terminal });
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stderr).toContain(`Passphrase for key ${fingerprint}: `);
    expect(terminal.rawModes).toEqual([true, false, true, false]);

    const dir = await writeSkill(bea.root, 'bea-notes');
    const published = await bea.json(['publish', dir], {
      env: { ...bea.env, SKILLS_KEY_PASSPHRASE: 'a long key passphrase' },
    });
    expect(published).toMatchObject({ ok: true, signer: fingerprint });
  });

  it('revokes a key on the registry and here; publishing with it is refused afterwards', async () => {
    const cid = await publisher(registry, 'key-cid');
    const fingerprint = (await configOf(cid)).signingKey!;
    const dir = await writeSkill(cid.root, 'cid-notes');
    expect((await cid.json(['publish', dir]))['ok']).toBe(true);

    const revoked = await cid.json(
      ['keys', 'revoke', fingerprint, '--reason', 'superseded', '--password-stdin'],
      { stdin: PASSWORD },
    );
    expect(revoked).toMatchObject({
      ok: true,
      on_registry: true,
      published: true,
      local: true,
      was_signing_key: true,
    });
    expect((await configOf(cid)).signingKey).toBeNull();
    const list = await cid.json(['keys', 'list', '--remote', '--password-stdin'], { stdin: PASSWORD });
    expect(list['keys']).toEqual([
      expect.objectContaining({
        fingerprint,
        local: expect.objectContaining({ revoked: true }),
        registry: expect.objectContaining({ revocation_reason: 'superseded' }),
      }),
    ]);
    await writeFile(path.join(dir, 'skill.yaml'), 'name: cid-notes\nversion: 1.2.4\nlicense: MIT\n');
    const noKey = await cid.skills(['publish', dir, '--json']);
    expect(errorOf(noKey)).toMatchObject({ code: 'KEY_NONE' });
    const withRevoked = await cid.skills(['publish', dir, '--key', fingerprint, '--json']);
    expect(errorOf(withRevoked)).toMatchObject({ code: 'SIGNER_KEY_REVOKED' });
    const unknown = await cid.skills(['keys', 'revoke', 'F'.repeat(40), '--password-stdin', '--json'], {
      stdin: PASSWORD,
    });
    expect(errorOf(unknown)).toMatchObject({ code: 'KEY_NOT_FOUND', registry_code: 'key_not_found' });
    const bad = await cid.skills(['keys', 'revoke', 'nope', '--json']);
    expect(bad.code).toBe(2);
  });
});

describe('skills publish', () => {
  let ada: Person;
  beforeAll(async () => {
    ada = await publisher(registry, 'pub-ada');
  }, 60_000);

  it('validates, packs, signs and uploads, waits for the index, and prints exactly the DESIGN fields', async () => {
    const dir = await writeSkill(ada.root, 'ada-notes');
    const pack = await ada.json(['pack', dir, '--dry-run']);
    const result = await ada.skills(['publish', dir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = onlyJson(result.stdout);
    expect(Object.keys(json).sort()).toEqual([
      'indexed',
      'name',
      'ok',
      'sha256',
      'signer',
      'size',
      'version',
      'warnings',
    ]);
    expect(json).toEqual({
      ok: true,
      name: 'ada-notes',
      version: '1.2.3',
      sha256: pack['sha256'],
      size: pack['size'],
      signer: (await configOf(ada)).signingKey,
      indexed: true,
      warnings: [],
    });
    const detail = (await (await fetch(`${registry.url}/api/v1/skills/ada-notes/1.2.3`)).json()) as Record<
      string,
      unknown
    >;
    expect(detail).toMatchObject({ indexed: true });

    // The same bytes again (signed anew by the same key) is a safe retry.
    const human = await ada.skills(['publish', dir]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Already published (same bytes, same key): ada-notes@1.2.3');
  });

  it('signs the tarball so that gpg 2.2 verifies it', async (context) => {
    try {
      execFileSync('gpg', ['--version'], { stdio: 'ignore' });
    } catch {
      context.skip('gpg is not installed');
    }
    const dir = await writeSkill(ada.root, 'ada-gpg');
    const published = await ada.json(['publish', dir]);
    const detail = (await (await fetch(`${registry.url}/api/v1/skills/ada-gpg/1.2.3`)).json()) as {
      dl: string;
      sig: string;
    };
    const work = await tempDir();
    const gnupg = path.join(work, 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    await writeFile(path.join(work, 'skill.tgz'), Buffer.from(await (await fetch(detail.dl)).arrayBuffer()));
    await writeFile(path.join(work, 'skill.tgz.asc'), await (await fetch(detail.sig)).text());
    const signer = published['signer'] as string;
    const env = { ...process.env, GNUPGHOME: gnupg };
    execFileSync('gpg', ['--batch', '--import', path.join(ada.root, '.skills', 'keys', `${signer}.asc`)], {
      env,
      stdio: 'ignore',
    });
    const status = execFileSync(
      'gpg',
      [
        '--batch',
        '--status-fd',
        '1',
        '--verify',
        path.join(work, 'skill.tgz.asc'),
        path.join(work, 'skill.tgz'),
      ],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    expect(status).toContain(`[GNUPG:] VALIDSIG ${signer}`);
  });

  it('does everything but the upload with --dry-run', async () => {
    const dir = await writeSkill(ada.root, 'ada-dry');
    const json = await ada.json(['publish', dir, '--dry-run']);
    expect(json).toMatchObject({
      ok: true,
      name: 'ada-dry',
      version: '1.2.3',
      indexed: false,
      dry_run: true,
    });
    expect(json['sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(await versionStatus('ada-dry', '1.2.3')).toBe(404);
  });

  it('refuses other bytes under a published version with VERSION_EXISTS (409)', async () => {
    const dir = await writeSkill(ada.root, 'ada-exists');
    expect((await ada.json(['publish', dir]))['ok']).toBe(true);
    await writeFile(path.join(dir, 'docs', 'README.md'), '# changed\n');
    const result = await ada.skills(['publish', dir, '--json']);
    expect(result.code).toBe(1);
    expect(errorOf(result)).toMatchObject({
      code: 'VERSION_EXISTS',
      registry_code: 'version_exists',
      hint: expect.stringContaining('raise the version in skill.yaml'),
    });
    expect(errorOf(result).message).toContain('[409 version_exists]');
  });

  it('validates exactly like skills validate and uploads nothing for an invalid package', async () => {
    const dir = await writeSkill(ada.root, 'ada-broken', { 'docs/README.md': null });
    const validate = await ada.skills(['validate', dir, '--json']);
    const publish = await ada.skills(['publish', dir, '--json']);
    expect(publish.code).toBe(1);
    expect(onlyJson(publish.stdout)).toEqual(onlyJson(validate.stdout));
    expect(await versionStatus('ada-broken', '1.2.3')).toBe(404);
  });

  it("refuses to publish another user's skill with NOT_OWNER", async () => {
    const dir = await writeSkill(ada.root, 'ada-owned');
    expect((await ada.json(['publish', dir]))['ok']).toBe(true);
    const eve = await publisher(registry, 'pub-eve');
    const theirs = await writeSkill(eve.root, 'ada-owned', {
      'skill.yaml': 'name: ada-owned\nversion: 2.0.0\nlicense: MIT\n',
    });
    const result = await eve.skills(['publish', theirs, '--json']);
    expect(errorOf(result)).toMatchObject({ code: 'NOT_OWNER', registry_code: 'not_owner' });
    expect(errorOf(result).hint).toContain('skills owner add');
    expect(await versionStatus('ada-owned', '2.0.0')).toBe(404);
  });

  it('refuses a signature by a key that is not registered with SIGNATURE_UNKNOWN_KEY', async () => {
    const other = await ada.json(['keys', 'generate', '--name', 'unregistered']);
    expect(other['signing_key']).toBe(false);
    const dir = await writeSkill(ada.root, 'ada-unknown-key');
    const result = await ada.skills(['publish', dir, '--key', other['fingerprint'] as string, '--json']);
    expect(errorOf(result)).toMatchObject({
      code: 'SIGNATURE_UNKNOWN_KEY',
      registry_code: 'signature_unknown_key',
      hint: expect.stringContaining('skills keys register'),
    });
  });

  it('refuses a token without the needed scope with TOKEN_SCOPE', async () => {
    const created = await ada.skills(['token', 'create', '--scope', 'yank', '--password-stdin'], {
      stdin: PASSWORD,
    });
    const yankOnly = created.stdout.trim();
    const dir = await writeSkill(ada.root, 'ada-scope');
    const result = await ada.skills(['publish', dir, '--json'], {
      env: { ...ada.env, SKILLS_TOKEN: yankOnly },
    });
    expect(errorOf(result)).toMatchObject({ code: 'TOKEN_SCOPE', registry_code: 'insufficient_scope' });
    expect(errorOf(result).hint).toContain('skills token create --scope');
  });

  it('needs a login, but --dry-run only warns', async () => {
    const dir = await writeSkill(ada.root, 'ada-login');
    const env = { ...ada.env, SKILLS_HOME: path.join(ada.root, 'other-home') };
    await cp(path.join(ada.root, '.skills'), env.SKILLS_HOME, { recursive: true });
    const config = JSON.parse(await readFile(path.join(env.SKILLS_HOME, 'config.json'), 'utf8')) as {
      credentials: object;
    };
    config.credentials = {};
    await writeFile(path.join(env.SKILLS_HOME, 'config.json'), JSON.stringify(config));
    expect(errorOf(await ada.skills(['publish', dir, '--json'], { env }))).toMatchObject({
      code: 'AUTH_REQUIRED',
    });
    const dry = await ada.json(['publish', dir, '--dry-run'], { env });
    expect(dry).toMatchObject({ ok: true, warnings: [expect.objectContaining({ code: 'AUTH_REQUIRED' })] });
  });

  it('returns at once with --wait 0, warning that the version is not indexed yet', async () => {
    const dir = await writeSkill(ada.root, 'ada-nowait');
    const json = await ada.json(['publish', dir, '--wait', '0']);
    expect(json).toMatchObject({
      ok: true,
      indexed: false,
      warnings: [expect.objectContaining({ code: 'NOT_INDEXED_YET' })],
    });
    expect((await ada.skills(['publish', dir, '--wait', 'soon'])).code).toBe(2);
  });
});

describe('skills yank and skills owner', () => {
  let ada: Person;
  let bob: Person;
  beforeAll(async () => {
    ada = await publisher(registry, 'own-ada');
    bob = await publisher(registry, 'own-bob');
    const dir = await writeSkill(ada.root, 'own-notes');
    expect((await ada.json(['publish', dir]))['ok']).toBe(true);
  }, 60_000);

  it('yanks with a reason and undoes it', async () => {
    expect(await ada.json(['yank', 'own-notes@1.2.3', '--reason', 'breaks on Windows'])).toEqual({
      ok: true,
      name: 'own-notes',
      version: '1.2.3',
      yanked: true,
      yank_reason: 'breaks on Windows',
      warnings: [],
    });
    await registry.indexed();
    const detail = (await (await fetch(`${registry.url}/api/v1/skills/own-notes/1.2.3`)).json()) as {
      line: { yanked: boolean };
    };
    expect(detail.line.yanked).toBe(true);
    expect(await ada.json(['yank', 'own-notes@1.2.3', '--undo'])).toMatchObject({
      ok: true,
      yanked: false,
      yank_reason: null,
    });
  });

  it('refuses yanks of unknown versions, of other people, and bad arguments', async () => {
    expect(errorOf(await ada.skills(['yank', 'own-notes@9.9.9', '--json']))).toMatchObject({
      code: 'API_NOT_FOUND',
      registry_code: 'version_not_found',
    });
    expect(errorOf(await bob.skills(['yank', 'own-notes@1.2.3', '--json']))).toMatchObject({
      code: 'NOT_OWNER',
    });
    for (const argv of [
      ['yank', 'own-notes'],
      ['yank', 'own-notes@^1.0.0'],
      ['yank', 'own-notes@1.2.3', '--undo', '--reason', 'x'],
    ]) {
      expect((await ada.skills([...argv, '--json'])).code, argv.join(' ')).toBe(2);
    }
  });

  it('lists, adds and removes owners; a new owner may publish; the last owner stays', async () => {
    expect(await ada.json(['owner', 'list', 'own-notes'])).toMatchObject({ owners: ['own-ada'] });
    expect(await ada.json(['owner', 'add', 'own-notes', 'own-bob'])).toMatchObject({
      owners: ['own-ada', 'own-bob'],
    });
    const dir = await writeSkill(bob.root, 'own-notes', {
      'skill.yaml': 'name: own-notes\nversion: 1.3.0\nlicense: MIT\n',
    });
    expect(await bob.json(['publish', dir])).toMatchObject({ ok: true, version: '1.3.0', indexed: true });
    expect(await bob.json(['owner', 'remove', 'own-notes', 'own-ada'])).toMatchObject({
      owners: ['own-bob'],
    });
    expect(errorOf(await bob.skills(['owner', 'remove', 'own-notes', 'own-bob', '--json']))).toMatchObject({
      code: 'LAST_OWNER',
      registry_code: 'last_owner',
    });
    expect(errorOf(await ada.skills(['owner', 'add', 'own-notes', 'own-ada', '--json']))).toMatchObject({
      code: 'NOT_OWNER',
    });
    expect(errorOf(await bob.skills(['owner', 'add', 'own-notes', 'nobody-here', '--json']))).toMatchObject({
      code: 'API_NOT_FOUND',
      registry_code: 'user_not_found',
    });
    expect(errorOf(await bob.skills(['owner', 'list', 'no-such-skill', '--json']))).toMatchObject({
      code: 'API_NOT_FOUND',
      registry_code: 'skill_not_found',
    });
    expect((await bob.skills(['owner', 'add', 'Bad Name', 'x', '--json'])).code).toBe(2);
  });
});
