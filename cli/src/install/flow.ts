import { printable, SkillsError } from '@skills/schema';
import type { Report } from '../report.js';
import type { Session } from '../session.js';
import { applyResolution, type ApplyResult } from './apply.js';
import {
  installedCandidates,
  localCandidate,
  lockedCandidates,
  projectLocalPath,
  projectLocalReference,
  registrySource,
  type InstallCandidate,
  type Origin,
} from './candidates.js';
import { activeSkills, readInstalledIndex, REQUESTED, type InstalledIndex } from './installed-index.js';
import { readLocalPackage, type LocalPackage } from './local-package.js';
import {
  isLocalReference,
  readLockfile,
  readProjectManifest,
  writeLockfile,
  writeProjectManifest,
  type Lockfile,
  type ProjectManifest,
} from './project-files.js';
import type { OpenRegistryIndex } from './registries.js';
import { RegistrySet } from './registries.js';
import { repairScope } from './repair.js';
import { resolve, type CandidateSource, type Resolution, type RootRequest } from './resolve.js';
import { skillDir, type Scope } from './scope.js';
import { SignerStore } from './trust.js';
import { pausePoint } from './pause.js';

/** What the command line asked for: a name with an optional range, or a packed local package. */
export type Request = { name: string; range: string | null } | { local: LocalPackage };

export interface FlowOptions {
  session: Session;
  report: Report;
  scope: Scope;
  openIndex: OpenRegistryIndex;
  /** `--registry`: the command line's names resolve there only. */
  registryOption: string | undefined;
  trustSigner: string | null;
  requests: readonly Request[];
  /** `--frozen`: install the lock exactly or fail; never write it. */
  frozen?: boolean;
  /** `update`: names whose installed or locked versions are not kept (all of them with `'all'`). */
  refresh?: ReadonlySet<string> | 'all';
  /** `update --latest`: roots whose range is lifted, then rewritten to `^<new version>`. */
  latest?: ReadonlySet<string> | 'all';
}

export interface FlowResult {
  result: ApplyResult;
  /** Every chosen skill: name → version. */
  chosen: Map<string, string>;
  /** index.json before the command, for "what changed" messages. */
  before: InstalledIndex;
}

/**
 * One install or update of a scope, under the home lock: repair what a crashed run left, read
 * what is installed (and the project's skills.json and lock), resolve, apply, and record the
 * project's files. The command line's requests join what the scope already asks for: the
 * global home's requested skills stay at their versions; a project's skills.json keeps its ranges.
 */
export async function runInstall(options: FlowOptions): Promise<FlowResult> {
  const { session, report, scope } = options;
  return session.withLock(async () => {
    await pausePoint(session.env, 'install:locked');
    const before = await readInstalledIndex(scope.index);
    for (const left of await repairScope(scope, before))
      report.progress(`removed ${left}, left by an install that did not finish`);
    const registries = new RegistrySet(session, options.registryOption, options.openIndex);
    const cliSource = options.registryOption === undefined ? null : (await registries.selected()).identity;
    const installed = await installedCandidates(scope, before);
    const refresh = options.refresh ?? new Set<string>();
    // A local package has no other versions to move to: update keeps it as it is.
    const isLocal = (name: string): boolean =>
      isLocalReference(before.skills[name] ? activeRegistry(before, name) : '');
    const keep = (name: string): boolean => isLocal(name) || (refresh !== 'all' && !refresh.has(name));
    const lifted = (name: string): boolean =>
      options.latest === 'all' || (options.latest !== undefined && options.latest.has(name));

    const roots: RootRequest[] = [];
    const named = new Set(
      options.requests.map((request) => ('local' in request ? request.local.manifest.name : request.name)),
    );
    for (const request of options.requests) roots.push(requestRoot(request, cliSource, 'the command line'));

    let manifest: ProjectManifest | null = null;
    let lock: Lockfile | null = null;
    const preferred = new Map<string, InstallCandidate>();
    let source: CandidateSource<Origin> = registrySource(registries);
    if (scope.project === null) {
      for (const record of activeSkills(before)) {
        if (!record.requiredBy.includes(REQUESTED) || named.has(record.name)) continue;
        roots.push({
          name: record.name,
          range: keep(record.name) ? record.version : lifted(record.name) ? null : `^${record.version}`,
          source: record.registry,
          label: 'installed',
        });
      }
      for (const [name, candidate] of installed) if (keep(name)) preferred.set(name, candidate);
    } else {
      const project = scope.project;
      manifest = (await readProjectManifest(project.manifest)) ?? { version: 1, skills: {} };
      lock = await readLockfile(project.lock);
      if (options.frozen && lock === null) {
        throw new SkillsError('LOCK_OUTDATED', `${project.lock} does not exist`, {
          hint: 'run `skills install` without --frozen to write it, and commit it',
        });
      }
      for (const [name, range] of Object.entries(manifest.skills).sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (named.has(name)) continue;
        if (isLocalReference(range)) {
          const absolute = projectLocalPath(project.dir, range);
          const kind = /\.(tgz|tar\.gz)$/.test(absolute) ? 'tarball' : 'dir';
          const pkg = await readLocalPackage(report, kind, absolute, session.cwd);
          checkLocalName(pkg, name, project.manifest);
          roots.push(requestRoot({ local: pkg }, null, 'skills.json'));
        } else {
          roots.push({ name, range: lifted(name) ? null : range, source: cliSource, label: 'skills.json' });
        }
      }
      if (!options.frozen)
        for (const [name, candidate] of installed) if (keep(name)) preferred.set(name, candidate);
      for (const [name, candidate] of lockedCandidates(lock)) if (keep(name)) preferred.set(name, candidate);
      if (options.frozen) source = frozenSource(project.lock);
      for (const root of roots) {
        const locked = lock?.skills[root.name];
        if (root.fixed === undefined || locked === undefined) continue;
        const sha256 = (root.fixed.origin as Extract<Origin, { kind: 'local' }>).pkg.sha256;
        if (locked.sha256 === sha256) continue;
        if (options.frozen) {
          throw new SkillsError(
            'LOCK_OUTDATED',
            `${root.name} now packs to sha256 ${sha256}, but ${project.lock} records ${locked.sha256}`,
            { hint: 'run `skills install` without --frozen to record the new digest, and commit the lock' },
          );
        }
        report.warning({
          code: 'LOCAL_SOURCE_CHANGED',
          message: `${root.name} (${locked.registry}) changed since the lock was written: recording its new digest`,
        });
      }
    }

    const resolution = await resolve<Origin>({ roots, preferred, source });
    if (options.frozen && lock !== null && scope.project !== null)
      checkFrozen(resolution, lock, scope.project);
    const result = await applyResolution({
      session,
      report,
      scope,
      index: before,
      resolution,
      registries,
      signers: new SignerStore(session.home),
      trustSigner: options.trustSigner,
    });
    const chosen = new Map([...resolution].map(([name, skill]) => [name, skill.candidate.version]));
    if (scope.project !== null && manifest !== null && !options.frozen) {
      const project = scope.project;
      for (const request of options.requests) {
        if ('local' in request) {
          manifest.skills[request.local.manifest.name] = projectLocalReference(
            project.dir,
            request.local.path,
          );
        } else {
          manifest.skills[request.name] = request.range ?? `^${chosen.get(request.name)!}`;
        }
      }
      for (const name of Object.keys(manifest.skills)) {
        if (lifted(name) && !isLocalReference(manifest.skills[name]!))
          manifest.skills[name] = `^${chosen.get(name)!}`;
      }
      await writeProjectManifest(project.manifest, manifest);
      await writeLockfile(project.lock, lockOf(result.index, resolution, project.dir));
    }
    return { result, chosen, before };
  });
}

function requestRoot(request: Request, source: string | null, label: string): RootRequest {
  if ('local' in request) {
    const candidate = localCandidate(request.local);
    return {
      name: candidate.name,
      range: candidate.version,
      source: candidate.source,
      label,
      fixed: candidate,
    };
  }
  return { name: request.name, range: request.range, source, label };
}

function checkLocalName(pkg: LocalPackage, name: string, manifestFile: string): void {
  if (pkg.manifest.name === name) return;
  throw new SkillsError(
    'SKILLS_JSON_INVALID',
    `${manifestFile} lists ${pkg.path} as ${name}, but that package is named ${printable(pkg.manifest.name)}`,
    { hint: `rename the entry in skills.json to ${pkg.manifest.name}` },
  );
}

/** `--frozen`: every choice must come from the lock; needing a registry means the lock falls short. */
function frozenSource(lockFile: string): CandidateSource<Origin> {
  return {
    defaultSource: () => Promise.resolve('(the lock)'),
    versions: (_source, name) =>
      Promise.reject(
        new SkillsError(
          'LOCK_OUTDATED',
          `${lockFile} does not satisfy skills.json: ${name} is missing from it or its locked version does not fit`,
          { hint: 'run `skills install` without --frozen to update the lock, and commit it' },
        ),
      ),
  };
}

/** `--frozen` also fails when the lock lacks a chosen skill, or holds more than skills.json needs. */
function checkFrozen(
  resolution: Resolution<Origin>,
  lock: Lockfile,
  project: NonNullable<Scope['project']>,
): void {
  for (const [name, skill] of resolution) {
    const locked = lock.skills[name];
    if (locked !== undefined && locked.version === skill.candidate.version) continue;
    throw new SkillsError(
      'LOCK_OUTDATED',
      `${project.lock} does not satisfy skills.json: it ${locked === undefined ? 'lacks' : 'locks another version of'} ${name}`,
      { hint: 'run `skills install` without --frozen to update the lock, and commit it' },
    );
  }
  const extra = Object.keys(lock.skills).filter((name) => !resolution.has(name));
  if (extra.length > 0) {
    throw new SkillsError(
      'LOCK_OUTDATED',
      `${project.lock} holds ${extra.join(', ')}, which skills.json no longer needs`,
      { hint: 'run `skills install` without --frozen to update the lock, and commit it' },
    );
  }
}

/** skills-lock.json for what the scope now holds. */
function lockOf(index: InstalledIndex, resolution: Resolution<Origin>, projectDir: string): Lockfile {
  const lock: Lockfile = { lockfileVersion: 1, skills: {} };
  for (const record of activeSkills(index)) {
    const registry = isLocalReference(record.registry)
      ? projectLocalReference(projectDir, record.registry.slice('file:'.length))
      : record.registry;
    lock.skills[record.name] = {
      version: record.version,
      registry,
      sha256: record.sha256,
      signer: record.signer,
      deps: { ...(resolution.get(record.name)?.candidate.deps ?? {}) },
    };
  }
  return lock;
}

/** `{name, version, dir}` of the chosen skills the command placed or was asked for. */
export function reportedSkills(
  scope: Scope,
  flow: FlowResult,
  asked: ReadonlySet<string>,
): { name: string; version: string; dir: string }[] {
  const placed = new Set(flow.result.placed.map((one) => one.name));
  return [...flow.chosen]
    .filter(([name]) => placed.has(name) || asked.has(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, version]) => ({ name, version, dir: skillDir(scope, name, version) }));
}

function activeRegistry(index: InstalledIndex, name: string): string {
  const skill = index.skills[name]!;
  return skill.versions[skill.active]!.registry;
}
