import { readTextIfExists } from '../fs/read.js';
import {
  isFingerprint,
  isSha256,
  isValidName,
  isValidRange,
  isValidVersion,
  printable,
  SkillsError,
  type ErrorCode,
} from '@skills/schema';
import { writeFileAtomic } from '../fs/atomic.js';

/**
 * `skills.json`: what a project asks for, name → range. A local package is `file:<path>`, relative
 * to the project folder (npm's spelling).
 */
export interface ProjectManifest {
  version: 1;
  skills: Record<string, string>;
}

/** One entry of `skills-lock.json`: exactly what was installed, and what it asked for. */
export interface LockEntry {
  version: string;
  /** The registry's identity, or `file:<path relative to the project>` for a local package. */
  registry: string;
  sha256: string;
  signer: string | null;
  /** The skill's own dependencies as it declares them: name → range. */
  deps: Record<string, string>;
}

export interface Lockfile {
  lockfileVersion: 1;
  skills: Record<string, LockEntry>;
}

export const LOCAL_PREFIX = 'file:';

export function isLocalReference(value: string): boolean {
  return value.startsWith(LOCAL_PREFIX);
}

export async function readProjectManifest(file: string): Promise<ProjectManifest | null> {
  const value = await readJson(file, 'SKILLS_JSON_INVALID');
  if (value === null) return null;
  const problem = manifestProblem(value);
  if (problem !== null) throw invalid('SKILLS_JSON_INVALID', file, problem);
  return value as unknown as ProjectManifest;
}

export async function readLockfile(file: string): Promise<Lockfile | null> {
  const value = await readJson(file, 'LOCK_INVALID');
  if (value === null) return null;
  const problem = lockProblem(value);
  if (problem !== null) throw invalid('LOCK_INVALID', file, problem);
  return value as unknown as Lockfile;
}

export async function writeProjectManifest(file: string, manifest: ProjectManifest): Promise<void> {
  await writeFileAtomic(file, serializeProjectManifest(manifest));
}

export async function writeLockfile(file: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(file, serializeLockfile(lock));
}

/** Sorted by name, 2-space indent, a final newline. */
export function serializeProjectManifest(manifest: ProjectManifest): string {
  const skills: Record<string, string> = {};
  for (const name of Object.keys(manifest.skills).sort()) skills[name] = manifest.skills[name]!;
  return `${JSON.stringify({ version: 1, skills }, null, 2)}\n`;
}

/**
 * DESIGN §6: sorted, 2-space indent, a final newline, no timestamps — the same install gives the
 * same bytes, so the lock diffs only where the install changed.
 */
export function serializeLockfile(lock: Lockfile): string {
  const skills: Record<string, LockEntry> = {};
  for (const name of Object.keys(lock.skills).sort()) {
    const entry = lock.skills[name]!;
    const deps: Record<string, string> = {};
    for (const dep of Object.keys(entry.deps).sort()) deps[dep] = entry.deps[dep]!;
    skills[name] = {
      version: entry.version,
      registry: entry.registry,
      sha256: entry.sha256,
      signer: entry.signer,
      deps,
    };
  }
  return `${JSON.stringify({ lockfileVersion: 1, skills }, null, 2)}\n`;
}

async function readJson(file: string, code: ErrorCode): Promise<Record<string, unknown> | null> {
  const text = await readTextIfExists(file);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(code, file, `it is not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw invalid(code, file, 'it is not a JSON object');
  return value;
}

function manifestProblem(value: Record<string, unknown>): string | null {
  if (value['version'] !== 1) return '"version" must be 1';
  const skills = value['skills'];
  if (!isObject(skills)) return '"skills" must be an object of name → range';
  for (const [name, range] of Object.entries(skills)) {
    if (!isValidName(name)) return `"${printable(name)}" is not a valid skill name`;
    if (typeof range !== 'string') return `the range of ${name} must be a string`;
    if (isLocalReference(range)) {
      if (range.length === LOCAL_PREFIX.length) return `the path of ${name} is empty`;
    } else if (!isValidRange(range)) {
      return `"${printable(range)}" (${name}) is not a valid range`;
    }
  }
  return null;
}

function lockProblem(value: Record<string, unknown>): string | null {
  if (value['lockfileVersion'] !== 1) return '"lockfileVersion" must be 1';
  const skills = value['skills'];
  if (!isObject(skills)) return '"skills" must be an object';
  for (const [name, entry] of Object.entries(skills)) {
    if (!isValidName(name)) return `"${printable(name)}" is not a valid skill name`;
    if (!isObject(entry)) return `${name} is not an object`;
    if (!isValidVersion(entry['version'])) return `${name} has no valid "version"`;
    if (typeof entry['registry'] !== 'string' || entry['registry'] === '') return `${name} has no "registry"`;
    if (!isSha256(entry['sha256'])) return `${name} has no valid "sha256"`;
    if (entry['signer'] !== null && !isFingerprint(entry['signer'])) return `${name} has an invalid "signer"`;
    const deps = entry['deps'];
    if (!isObject(deps)) return `${name} has no "deps" object`;
    for (const [dep, range] of Object.entries(deps)) {
      if (!isValidName(dep) || !isValidRange(range))
        return `${name} has an invalid dependency "${printable(dep)}"`;
    }
  }
  return null;
}

function invalid(code: ErrorCode, file: string, problem: string): SkillsError {
  const hint =
    code === 'LOCK_INVALID'
      ? `fix ${file}, or delete it and run \`skills install\` to write it again`
      : `fix ${file}: it must be {"version":1,"skills":{"<name>":"<range>"}}`;
  return new SkillsError(code, `${file} is not valid: ${problem}`, { hint });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
