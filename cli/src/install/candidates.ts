import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest, type IndexLine } from '@skills/schema';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { ActiveSkill, InstalledIndex } from './installed-index.js';
import { activeSkills } from './installed-index.js';
import { localSource, type LocalPackage } from './local-package.js';
import { MARKER_FILE } from './place.js';
import { isLocalReference, LOCAL_PREFIX, type LockEntry, type Lockfile } from './project-files.js';
import type { RegistrySet } from './registries.js';
import type { Candidate, CandidateSource } from './resolve.js';
import { skillDir, type Scope } from './scope.js';

/** What an install needs to have a chosen version in place. */
export type Origin =
  /** An index line: download, check and place it. */
  | { kind: 'registry'; index: RegistryIndex; line: IndexLine }
  /** A folder or `.tgz` given by the user, already packed. */
  | { kind: 'local'; pkg: LocalPackage }
  /** The copy in this scope: nothing to do. */
  | { kind: 'installed'; record: ActiveSkill }
  /** A version the lock names: its index line must still have the locked sha256 and signer. */
  | { kind: 'locked'; entry: LockEntry };

export type InstallCandidate = Candidate<Origin>;

export function lineCandidate(index: RegistryIndex, line: IndexLine): InstallCandidate {
  return {
    name: line.name,
    version: line.version,
    source: index.identity,
    depsSource: index.identity,
    deps: line.deps,
    yanked: line.yanked,
    origin: { kind: 'registry', index, line },
  };
}

export function localCandidate(pkg: LocalPackage): InstallCandidate {
  return {
    name: pkg.manifest.name,
    version: pkg.manifest.version,
    source: localSource(pkg.path),
    depsSource: null,
    deps: pkg.manifest.dependencies ?? {},
    yanked: false,
    origin: { kind: 'local', pkg },
  };
}

/** Every version the registries know of a name, as candidates (none for a local source). */
export function registrySource(registries: RegistrySet): CandidateSource<Origin> {
  return {
    defaultSource: async () => (await registries.selected()).identity,
    versions: async (source, name) => {
      if (isLocalReference(source)) return [];
      const index = await registries.byIdentity(source);
      return (await index.versions(name)).map((line) => lineCandidate(index, line));
    },
    latest: async (source, name) => {
      if (isLocalReference(source)) return null;
      const index = await registries.byIdentity(source);
      const line = index.latest(name);
      return line === null ? null : lineCandidate(index, line);
    },
  };
}

/**
 * The skills installed in a scope as candidates to keep: their dependencies are read from the
 * installed skill.yaml (the package's own word), so keeping them needs no registry. A copy
 * without its marker, or whose skill.yaml cannot be read, is not offered: it gets reinstalled.
 */
export async function installedCandidates(
  scope: Scope,
  index: InstalledIndex,
): Promise<Map<string, InstallCandidate>> {
  const found = new Map<string, InstallCandidate>();
  for (const record of activeSkills(index)) {
    const dir = skillDir(scope, record.name, record.version);
    if (
      !(await stat(path.join(dir, MARKER_FILE)).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const text = await readFile(path.join(dir, 'skill.yaml'), 'utf8').catch(() => null);
    const manifest = text === null ? null : parseManifest(text, 'load').manifest;
    if (manifest === null || manifest.name !== record.name || manifest.version !== record.version) continue;
    found.set(record.name, {
      name: record.name,
      version: record.version,
      source: record.registry,
      depsSource: isLocalReference(record.registry) ? null : record.registry,
      deps: manifest.dependencies ?? {},
      yanked: false,
      origin: { kind: 'installed', record },
    });
  }
  return found;
}

/** A lock's registry entries as candidates (local ones are packed afresh from skills.json instead). */
export function lockedCandidates(lock: Lockfile | null): Map<string, InstallCandidate> {
  const found = new Map<string, InstallCandidate>();
  for (const [name, entry] of Object.entries(lock?.skills ?? {})) {
    if (isLocalReference(entry.registry)) continue;
    found.set(name, {
      name,
      version: entry.version,
      source: entry.registry,
      depsSource: entry.registry,
      deps: entry.deps,
      yanked: false,
      origin: { kind: 'locked', entry },
    });
  }
  return found;
}

/** `file:<relative>` of skills.json and the lock, resolved against the project folder. */
export function projectLocalPath(projectDir: string, reference: string): string {
  return path.resolve(projectDir, reference.slice(LOCAL_PREFIX.length));
}

/** The `file:` reference skills.json and the lock record: relative to the project, `/`-separated. */
export function projectLocalReference(projectDir: string, absolute: string): string {
  const relative = path.relative(projectDir, absolute).split(path.sep).join('/');
  return `${LOCAL_PREFIX}${relative === '' ? '.' : relative}`;
}
