import path from 'node:path';
import { isFingerprint, printable, SkillsError, UsageError, type IndexLine } from '@skills/schema';
import { writeJsonAtomic } from '../fs/atomic.js';
import { readTextIfExists } from '../fs/read.js';
import type { HomePaths } from '../home/paths.js';
import { loadOpenpgp } from '../pgp/openpgp.js';
import { verifyDetached } from '../pgp/verify.js';
import { registryStateDir } from '../registry/pins.js';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { Warning } from '../report.js';
import type { Session } from '../session.js';
import { cacheSignature, fetchSignature, forgetSignature } from './download.js';

/** A key a skill's versions may be signed with, recorded when it was first trusted. */
export interface TrustedSigner {
  fingerprint: string;
  /** The armored public key as it was then, so a certification by it can be checked later. */
  key: string;
  recordedAt: string;
}

/** `state/registries/<…>/signers.json`: per registry, per skill, the keys its versions may be signed with. */
interface SignersFile {
  version: 1;
  skills: Record<string, TrustedSigner[]>;
}

/** How long after `published` a key must still be valid (DESIGN §6; the registry's own window). */
const PUBLISH_WINDOW_MS = 5 * 60 * 1000;

/**
 * The signers recorded in this home (DESIGN §6 "Trust on install"). Global for every scope: trust
 * is the user's, and a project install records into the same state. Read once per command, changed
 * in memory, and saved before index.json, so a crash can only leave a signer recorded for a
 * version that passed every check.
 */
export class SignerStore {
  readonly #home: HomePaths;
  /** One read per registry, shared by the checks that run at once. */
  readonly #files = new Map<string, Promise<SignersFile>>();
  readonly #changed = new Set<string>();

  constructor(home: HomePaths) {
    this.#home = home;
  }

  async recorded(registry: string, name: string): Promise<TrustedSigner[]> {
    return (await this.#load(registry)).skills[name] ?? [];
  }

  async record(registry: string, name: string, signer: TrustedSigner): Promise<void> {
    const file = await this.#load(registry);
    const list = file.skills[name] ?? [];
    if (list.some((one) => one.fingerprint === signer.fingerprint)) return;
    file.skills[name] = [...list, signer];
    this.#changed.add(registry);
  }

  async save(): Promise<void> {
    for (const registry of this.#changed) {
      const file = await this.#files.get(registry)!;
      const skills: Record<string, TrustedSigner[]> = {};
      for (const name of Object.keys(file.skills).sort()) skills[name] = file.skills[name]!;
      await writeJsonAtomic(this.#path(registry), { version: 1, skills });
    }
    this.#changed.clear();
  }

  #path(registry: string): string {
    return path.join(registryStateDir(this.#home, registry), 'signers.json');
  }

  #load(registry: string): Promise<SignersFile> {
    let loading = this.#files.get(registry);
    if (loading === undefined) {
      loading = this.#read(registry);
      this.#files.set(registry, loading);
    }
    return loading;
  }

  async #read(registry: string): Promise<SignersFile> {
    const file = this.#path(registry);
    let loaded: SignersFile = { version: 1, skills: {} };
    const text = await readTextIfExists(file);
    if (text !== null) {
      try {
        const value = JSON.parse(text) as SignersFile;
        if (value.version !== 1 || typeof value.skills !== 'object' || value.skills === null)
          throw new Error('not version 1');
        for (const list of Object.values(value.skills)) {
          if (
            !Array.isArray(list) ||
            list.some((one) => typeof one.fingerprint !== 'string' || typeof one.key !== 'string')
          )
            throw new Error('a bad entry');
        }
        loaded = value;
      } catch (error) {
        throw new SkillsError('STATE_INVALID', `${file} is damaged: ${(error as Error).message}`, {
          hint: 'run `skills sync --reset` to forget what this home pinned and synced (recorded signers too)',
          cause: error,
        });
      }
    }
    return loaded;
  }
}

export interface TrustInput {
  session: Session;
  index: RegistryIndex;
  line: IndexLine;
  /** The tarball, already checked against the line's size and sha256. */
  bytes: Uint8Array;
  signers: SignerStore;
  /** `--trust-signer <FPR>`: accept this key even though it is not the recorded one. */
  trustSigner: string | null;
  /** The signature as `fetchSignature(…, true)` gives it, when the caller started that already. */
  signature?: Promise<{ text: string; cached: boolean }>;
}

export interface TrustResult {
  /** The signer to record once the install succeeds (null: unsigned, nothing to record). */
  record: TrustedSigner | null;
  warnings: Warning[];
}

/**
 * DESIGN §6 "Trust on install": the signature must verify with `keys/<signer>.asc` only, the key
 * valid at the line's `published` + 5 minutes (a revocation made later only warns, and only when
 * it says "compromised"); the signer must be one recorded for this skill, or certified by one,
 * or named with `--trust-signer`; once any signer is recorded, an unsigned version is refused.
 */
export async function checkTrust(input: TrustInput): Promise<TrustResult> {
  const { index, line } = input;
  const label = `${line.name}@${line.version}`;
  const recorded = await input.signers.recorded(index.identity, line.name);
  const warnings: Warning[] = [];
  if (line.signer === null) {
    if (recorded.length > 0) {
      throw new SkillsError(
        'SIGNER_CHANGED',
        `${label} is not signed, but ${line.name} was first installed signed by ${recorded.map((one) => one.fingerprint).join(', ')}`,
        { hint: 'do not install it: ask the publisher why this version is unsigned' },
      );
    }
    warnings.push({
      code: 'SKILL_UNSIGNED',
      message: `${label} is not signed: nothing proves who published it`,
    });
    return { record: null, warnings };
  }
  const publicKey = await index.publicKey(line.signer);
  const at = new Date(Date.parse(line.published) + PUBLISH_WINDOW_MS);
  const verified = await verifyWithRetry(input, publicKey, at);
  for (const revocation of verified.laterRevocations) {
    if (revocation.reason !== 'compromised') continue;
    warnings.push({
      code: 'SIGNER_KEY_COMPROMISED',
      message: `the key ${line.signer} that signed ${label} was revoked as compromised on ${revocation.at.toISOString()}, after this version was published`,
    });
  }
  const signer: TrustedSigner = {
    fingerprint: line.signer,
    key: publicKey,
    recordedAt: new Date().toISOString(),
  };
  if (recorded.length === 0 || recorded.some((one) => one.fingerprint === line.signer)) {
    return { record: signer, warnings };
  }
  if (input.trustSigner === line.signer || (await certifiedByAny(publicKey, recorded))) {
    return { record: signer, warnings };
  }
  throw new SkillsError(
    'SIGNER_CHANGED',
    `${label} is signed by ${line.signer}, but ${line.name} was first installed signed by ${recorded.map((one) => one.fingerprint).join(', ')}`,
    {
      hint: `if the publisher really changed keys, accept the new one with \`--trust-signer ${line.signer}\``,
    },
  );
}

async function verifyWithRetry(
  input: TrustInput,
  publicKey: string,
  at: Date,
): ReturnType<typeof verifyDetached> {
  const { session, index, line } = input;
  let signature = await (input.signature ?? fetchSignature(session, index, line, true));
  for (;;) {
    try {
      const verified = await verifyDetached({
        bytes: input.bytes,
        signature: signature.text,
        publicKey,
        fingerprint: line.signer!,
        at,
      });
      if (!signature.cached) await cacheSignature(session, line.sha256, signature.text);
      return verified;
    } catch (error) {
      if (!signature.cached) throw error;
      // A damaged cached copy proves nothing either way: fetch the registry's.
      await forgetSignature(session, line.sha256);
      signature = await fetchSignature(session, index, line, false);
    }
  }
}

/** Whether a user ID of `armored` carries a valid certification by one of the recorded keys. */
async function certifiedByAny(armored: string, recorded: readonly TrustedSigner[]): Promise<boolean> {
  const openpgp = await loadOpenpgp();
  const key = await openpgp.readKey({ armoredKey: armored });
  for (const one of recorded) {
    let certifier;
    try {
      certifier = await openpgp.readKey({ armoredKey: one.key });
    } catch {
      continue;
    }
    for (const user of key.users) {
      for (const certification of user.otherCertifications) {
        if ((await user.verifyCertificate(certification, [certifier]).catch(() => null)) === true)
          return true;
      }
    }
  }
  return false;
}

/** `--trust-signer <FPR>` (spaces allowed, any case) as a fingerprint; null when not given. */
export function parseTrustSigner(value: string | undefined): string | null {
  if (value === undefined) return null;
  const fingerprint = value.replace(/\s+/g, '').toUpperCase();
  if (!isFingerprint(fingerprint)) {
    throw new UsageError(`--trust-signer "${printable(value)}" is not a key fingerprint`, {
      hint: 'give the 40 hex digits of the key the SIGNER_CHANGED error named',
    });
  }
  return fingerprint;
}
