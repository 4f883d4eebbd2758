import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SkillsError, type IndexLine } from '@skills/schema';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { Report } from '../report.js';
import type { Session } from '../session.js';
import type { InstallCandidate } from './candidates.js';
import { fetchSignature, fetchTarball } from './download.js';
import { inParallel } from './in-parallel.js';
import {
  activeOf,
  writeInstalledIndex,
  type InstalledIndex,
  type InstalledVersion,
} from './installed-index.js';
import { checkAgainstLine, checkTarball } from './package-bytes.js';
import { pausePoint } from './pause.js';
import { MARKER_FILE, placeSkill, removeSkill } from './place.js';
import type { RegistrySet } from './registries.js';
import type { Resolution } from './resolve.js';
import { skillDir, type Scope } from './scope.js';
import { checkTrust, type SignerStore, type TrustedSigner } from './trust.js';
import type { Origin } from './candidates.js';

export interface ApplyInput {
  session: Session;
  report: Report;
  scope: Scope;
  /** index.json as read under the lock this command holds. */
  index: InstalledIndex;
  resolution: Resolution<Origin>;
  registries: RegistrySet;
  signers: SignerStore;
  trustSigner: string | null;
}

/** A skill this command put in place (new, or replacing another version). */
export interface PlacedSkill {
  name: string;
  version: string;
  dir: string;
  /** The version it replaced, if any. */
  previous: string | null;
}

/**
 * What changed in the scope. `placed` and `removed` are what an `--agent` step needs to link new
 * folders and unlink removed ones (cli/src/agents/sync.ts takes exactly these).
 */
export interface ApplyResult {
  index: InstalledIndex;
  placed: PlacedSkill[];
  /** Versions no longer installed: orphans, and versions another version replaced. */
  removed: { name: string; version: string }[];
}

/** A package that passed every check and waits to be placed. */
interface Prepared {
  name: string;
  version: string;
  bytes: Uint8Array;
  record: Omit<InstalledVersion, 'requiredBy'>;
  trusted: TrustedSigner | null;
}

/**
 * Packages fetched and checked, then placed, at once: enough to hide round trips, few enough for
 * any server.
 */
const PACKAGES_AT_ONCE = 8;

/**
 * Makes a scope hold exactly the resolution: first every package to add is fetched and checked
 * (size, sha256, archive rules, skill.yaml against its index line, signature and signer), so a
 * failure anywhere installs nothing; then each is placed with its marker; then the signers are
 * recorded and index.json is written — the moment the new skills become installed; then the
 * folders index.json no longer lists are removed. A crash before index.json leaves folders no
 * reader looks at, which the next command's repair removes. Runs under the home lock.
 */
export async function applyResolution(input: ApplyInput): Promise<ApplyResult> {
  const { scope, index, resolution } = input;
  const names = [...resolution.keys()].sort();
  const kept = new Map<string, Omit<InstalledVersion, 'requiredBy'>>();
  const toFetch: InstallCandidate[] = [];
  for (const name of names) {
    const { candidate } = resolution.get(name)!;
    const current = activeOf(index, name);
    if (current !== null && (await isIntact(scope, current, candidate))) kept.set(name, current);
    else toFetch.push(candidate);
  }
  // Downloads and checks overlap: each package waits on the network more than on the CPU.
  const prepared = await inParallel(toFetch, PACKAGES_AT_ONCE, (candidate) => prepare(input, candidate));
  await pausePoint(input.session.env, 'install:prepared');

  // A version replaced by other bytes under the same number leaves index.json first.
  const replacedInPlace = prepared.filter(
    (one) => index.skills[one.name]?.versions[one.version] !== undefined,
  );
  let current = index;
  if (replacedInPlace.length > 0) {
    current = structuredClone(index);
    for (const one of replacedInPlace) delete current.skills[one.name];
    await writeInstalledIndex(scope.index, current);
  }

  // Each folder is its own: placing them at once overlaps their file-system round trips.
  const placed: PlacedSkill[] = await inParallel(prepared, PACKAGES_AT_ONCE, async (one) => ({
    name: one.name,
    version: one.version,
    dir: await placeSkill(scope, input.session.env, {
      name: one.name,
      version: one.version,
      sha256: one.record.sha256,
      bytes: one.bytes,
    }),
    previous: index.skills[one.name]?.active ?? null,
  }));

  const next: InstalledIndex = { version: 1, skills: {} };
  const byName = new Map(prepared.map((one) => [one.name, one]));
  for (const name of names) {
    const { candidate, requiredBy } = resolution.get(name)!;
    const record = kept.get(name) ?? byName.get(name)!.record;
    next.skills[name] = {
      active: candidate.version,
      versions: {
        [candidate.version]: {
          registry: record.registry,
          sha256: record.sha256,
          files: record.files,
          signer: record.signer,
          requiredBy,
        },
      },
    };
  }
  for (const one of prepared) {
    if (one.trusted !== null) await input.signers.record(one.record.registry, one.name, one.trusted);
  }
  await input.signers.save();
  await pausePoint(input.session.env, 'install:placed');
  await writeInstalledIndex(scope.index, next);

  const removed: ApplyResult['removed'] = [];
  for (const [name, skill] of Object.entries(current.skills)) {
    for (const version of Object.keys(skill.versions)) {
      if (next.skills[name]?.versions[version] !== undefined) continue;
      await removeSkill(scope, name, version);
      removed.push({ name, version });
    }
  }
  return { index: next, placed, removed };
}

/** The installed copy is the chosen one: same version, same source, same bytes, and finished. */
async function isIntact(
  scope: Scope,
  current: { version: string; registry: string; sha256: string },
  candidate: InstallCandidate,
): Promise<boolean> {
  if (current.version !== candidate.version || current.registry !== candidate.source) return false;
  const expected = expectedSha256(candidate);
  if (expected !== null && expected !== current.sha256) return false;
  const marker = path.join(skillDir(scope, candidate.name, candidate.version), MARKER_FILE);
  return stat(marker).then(
    () => true,
    () => false,
  );
}

function expectedSha256(candidate: InstallCandidate): string | null {
  const { origin } = candidate;
  switch (origin.kind) {
    case 'registry':
      return origin.line.sha256;
    case 'locked':
      return origin.entry.sha256;
    case 'local':
      return origin.pkg.sha256;
    case 'installed':
      return origin.record.sha256;
  }
}

async function prepare(input: ApplyInput, candidate: InstallCandidate): Promise<Prepared> {
  const { origin } = candidate;
  const label = `${candidate.name}@${candidate.version}`;
  if (origin.kind === 'local') {
    const { pkg } = origin;
    return {
      name: candidate.name,
      version: candidate.version,
      bytes: pkg.bytes,
      record: { registry: candidate.source, sha256: pkg.sha256, files: pkg.files, signer: null },
      trusted: null,
    };
  }
  let index: RegistryIndex;
  let line: IndexLine;
  if (origin.kind === 'registry') {
    ({ index, line } = origin);
  } else {
    index = await input.registries.byIdentity(candidate.source);
    line = await lineOf(index, candidate);
    const expected = origin.kind === 'locked' ? origin.entry : origin.record;
    const file = origin.kind === 'locked' ? 'skills-lock.json' : 'index.json';
    const differs =
      line.sha256 !== expected.sha256
        ? `sha256 ${line.sha256}, but ${file} records ${expected.sha256}`
        : line.signer !== expected.signer
          ? `signer ${line.signer ?? 'none'}, but ${file} records ${expected.signer ?? 'none'}`
          : !sameDeps(line.deps, candidate.deps)
            ? `other dependencies than ${file} records`
            : null;
    if (differs !== null) {
      throw new SkillsError('LOCK_MISMATCH', `${index.identity} now lists ${label} with ${differs}`, {
        hint: 'a published version never changes: do not trust it, and tell the registry operator',
      });
    }
  }
  input.report.progress(`fetching ${label}…`);
  // The signature and the signer's key travel while the tarball does; failures surface in checkTrust.
  let signature: ReturnType<typeof fetchSignature> | undefined;
  if (line.signer !== null) {
    signature = fetchSignature(input.session, index, line, true);
    signature.catch(() => undefined);
    index.publicKey(line.signer).catch(() => undefined);
  }
  const bytes = await fetchTarball(input.session, index, line);
  const checked = await checkTarball(bytes, label);
  checkAgainstLine(checked.manifest, line, index.identity);
  const trust = await checkTrust({
    session: input.session,
    index,
    line,
    bytes,
    signers: input.signers,
    trustSigner: input.trustSigner,
    ...(signature === undefined ? {} : { signature }),
  });
  for (const warning of trust.warnings) input.report.warning(warning);
  if (line.yanked) {
    input.report.warning({
      code: 'SKILL_YANKED',
      message: `${label} is yanked${line.yank_reason ? ` (${line.yank_reason})` : ''}: installed because it was asked for exactly`,
    });
  }
  return {
    name: candidate.name,
    version: candidate.version,
    bytes,
    record: { registry: index.identity, sha256: line.sha256, files: checked.files, signer: line.signer },
    trusted: trust.record,
  };
}

async function lineOf(index: RegistryIndex, candidate: InstallCandidate): Promise<IndexLine> {
  const line = (await index.versions(candidate.name)).find((one) => one.version === candidate.version);
  if (line === undefined) {
    throw new SkillsError(
      'VERSION_NOT_FOUND',
      `${index.identity} no longer lists ${candidate.name}@${candidate.version}`,
      { hint: 'the version was purged: update to another one with `skills update`' },
    );
  }
  return line;
}

function sameDeps(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a).sort();
  return (
    keys.join('\u0000') === Object.keys(b).sort().join('\u0000') && keys.every((key) => a[key] === b[key])
  );
}
