import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { enums, readKey, revokeKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, type IndexConfig, type IndexLine, SkillsError } from '@skills/schema';
import type { RegistryIndex } from '../src/registry/registry-index.js';
import { checkTrust, SignerStore } from '../src/install/trust.js';
import { Session } from '../src/session.js';
import { tempDir } from './helpers.js';
import { detachedSignature, newKey, type TestKey } from './publisher.js';

const IDENTITY = 'https://trust.example/index/';
const hour = 3600_000;

/** A registry index in memory: keys by fingerprint, each line's signature in a file. */
async function fixture() {
  const root = await tempDir();
  const session = new Session({ env: { HOME: root, SKILLS_HOME: path.join(root, '.skills') }, cwd: root });
  const keys = new Map<string, string>();
  const index: RegistryIndex = {
    registry: {
      name: 'trust',
      record: {
        location: IDENTITY,
        transport: 'http',
        index: IDENTITY,
        url: IDENTITY,
        api: null,
        allowHttp: false,
      },
    },
    config: {} as IndexConfig,
    identity: IDENTITY,
    versions: async () => [],
    latest: () => null,
    publicKey: async (fingerprint) => keys.get(fingerprint)!,
    tarballUrl: (line) => path.join(root, `${line.name}-${line.version}.tgz`),
    signatureUrl: (line) => path.join(root, `${line.name}-${line.version}.tgz.asc`),
  };
  const signers = new SignerStore(session.home);
  const bytes = Buffer.from('the tarball bytes');
  const line = async (
    version: string,
    signer: TestKey | null,
    published = new Date(),
  ): Promise<IndexLine> => {
    const result: IndexLine = {
      v: 1,
      name: 'trusted',
      version,
      deps: {},
      sha256: 'a'.repeat(64),
      size: bytes.length,
      description: '',
      keywords: [],
      license: null,
      yanked: false,
      yank_reason: null,
      published: formatTimestamp(published),
      signer: signer?.fingerprint ?? null,
    };
    if (signer !== null) {
      keys.set(signer.fingerprint, keys.get(signer.fingerprint) ?? signer.armoredPublic);
      await writeFile(index.signatureUrl(result), await detachedSignature(signer.key, bytes, published));
    }
    return result;
  };
  const check = async (of: IndexLine, trustSigner: string | null = null) => {
    const result = await checkTrust({ session, index, line: of, bytes, signers, trustSigner });
    if (result.record !== null) await signers.record(IDENTITY, of.name, result.record);
    await signers.save();
    return result;
  };
  return { root, session, keys, index, signers, line, check };
}

async function failure(promise: Promise<unknown>): Promise<SkillsError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SkillsError);
  return error as SkillsError;
}

describe('trust on install', () => {
  it('records the first signer, accepts it again, and refuses another key unless trusted by name', async () => {
    const { check, line } = await fixture();
    const first = await newKey('First');
    const second = await newKey('Second');
    expect((await check(await line('1.0.0', first))).record?.fingerprint).toBe(first.fingerprint);
    expect((await check(await line('1.1.0', first))).warnings).toEqual([]);
    const error = await failure(check(await line('1.2.0', second)));
    expect(error.code).toBe('SIGNER_CHANGED');
    expect(error.message).toBe(
      `trusted@1.2.0 is signed by ${second.fingerprint}, but trusted was first installed signed by ${first.fingerprint}`,
    );
    expect((await check(await line('1.2.0', second), second.fingerprint)).record?.fingerprint).toBe(
      second.fingerprint,
    );
    // Both are recorded now.
    expect((await check(await line('1.3.0', first))).record?.fingerprint).toBe(first.fingerprint);
  });

  it('accepts a new key that the recorded key certified', async () => {
    const { check, line, keys } = await fixture();
    const first = await newKey('First');
    const second = await newKey('Second');
    await check(await line('1.0.0', first));
    const certified = await (await readKey({ armoredKey: second.armoredPublic })).signAllUsers([first.key]);
    keys.set(second.fingerprint, certified.armor());
    expect((await check(await line('2.0.0', second))).record?.fingerprint).toBe(second.fingerprint);
  });

  it('warns about an unsigned skill on first install, and refuses one once a signer is recorded', async () => {
    const { check, line } = await fixture();
    expect((await check(await line('1.0.0', null))).warnings).toEqual([
      { code: 'SKILL_UNSIGNED', message: 'trusted@1.0.0 is not signed: nothing proves who published it' },
    ]);
    const signer = await newKey();
    await check(await line('1.1.0', signer));
    const error = await failure(check(await line('1.2.0', null)));
    expect(error).toMatchObject({ code: 'SIGNER_CHANGED' });
    expect(error.message).toContain('is not signed');
  });

  it('judges the key at the line’s published time: a later compromise warns, an earlier revocation refuses', async () => {
    const { check, line, keys } = await fixture();
    const signer = await newKey('Old', new Date(Date.now() - 4 * hour));
    const published = await line('1.0.0', signer, new Date(Date.now() - 3 * hour));
    const { privateKey: revoked } = await revokeKey({
      key: signer.key,
      reasonForRevocation: { flag: enums.reasonForRevocation.keyCompromised, string: 'laptop stolen' },
      date: new Date(Date.now() - hour),
      format: 'object',
    });
    keys.set(signer.fingerprint, revoked.toPublic().armor());
    const result = await check(published);
    expect(result.warnings).toEqual([
      { code: 'SIGNER_KEY_COMPROMISED', message: expect.stringContaining('revoked as compromised') },
    ]);
    const after = await line('1.1.0', signer, new Date());
    expect((await failure(check(after))).code).toBe('SIGNER_KEY_REVOKED');
  });

  it('fetches the signature again when the cached copy does not verify', async () => {
    const { check, line, session, root } = await fixture();
    const signer = await newKey();
    const first = await line('1.0.0', signer);
    await check(first);
    const cached = path.join(session.home.cache, 'tarballs', `${first.sha256}.asc`);
    expect(await readFile(cached, 'utf8')).toContain('BEGIN PGP SIGNATURE');
    await writeFile(cached, 'damaged');
    expect((await check(first)).record?.fingerprint).toBe(signer.fingerprint);
    expect(await readFile(cached, 'utf8')).toContain('BEGIN PGP SIGNATURE');
    expect(root).not.toBe('');
  });

  it('refuses a damaged signers file without overwriting it', async () => {
    const { check, line, session } = await fixture();
    const signer = await newKey();
    await check(await line('1.0.0', signer));
    const dir = path.join(session.home.state, 'registries');
    const [folder] = await readdir(dir);
    const file = path.join(dir, folder!, 'signers.json');
    await writeFile(file, '{"version":2}');
    const fresh = new SignerStore(session.home);
    expect((await failure(fresh.recorded(IDENTITY, 'trusted'))).code).toBe('STATE_INVALID');
    expect(await readFile(file, 'utf8')).toBe('{"version":2}');
  });
});
