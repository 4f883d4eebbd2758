import { isFingerprint, isSha256, isValidName, isValidVersion, printable, SkillsError } from '@skills/schema';
import { writeJsonAtomic } from '../fs/atomic.js';
import { readTextIfExists } from '../fs/read.js';

/** One installed version of a skill, as index.json records it (DESIGN §6 Files). */
export interface InstalledVersion {
  /** The registry's identity (`RegistryIndex.identity`), or `file:<path>` for a local package. */
  registry: string;
  /** sha256 of the tarball it was installed from. */
  sha256: string;
  /** Every file of the installed folder (the marker aside) → its sha256; `/`-separated paths. */
  files: Record<string, string>;
  signer: string | null;
  /**
   * Who needs it: the names of installed skills that depend on it, and {@link REQUESTED} when the
   * user asked for it (a `skills install <name>`, or the project's skills.json).
   */
  requiredBy: string[];
}

export interface InstalledSkill {
  active: string;
  versions: Record<string, InstalledVersion>;
}

/** `index.json` of a global home or a project's `.skills/`. */
export interface InstalledIndex {
  version: 1;
  skills: Record<string, InstalledSkill>;
}

/**
 * The `requiredBy` entry of a skill the user asked for. It cannot be a skill name (names have no
 * `@`), so a reader tells "the user wants it" from "another skill needs it" without a new field.
 */
export const REQUESTED = '@user';

export const INSTALLED_INDEX_FILE = 'index.json';

export function emptyIndex(): InstalledIndex {
  return { version: 1, skills: {} };
}

/** The active version of each skill, flattened: what most callers want. */
export interface ActiveSkill extends InstalledVersion {
  name: string;
  version: string;
}

export function activeSkills(index: InstalledIndex): ActiveSkill[] {
  return Object.keys(index.skills)
    .sort()
    .map((name) => {
      const skill = index.skills[name]!;
      return { name, version: skill.active, ...skill.versions[skill.active]! };
    });
}

export function activeOf(index: InstalledIndex, name: string): ActiveSkill | null {
  const skill = index.skills[name];
  if (skill === undefined) return null;
  return { name, version: skill.active, ...skill.versions[skill.active]! };
}

/** Reads index.json; a missing file is an empty index, a damaged one an error (never overwritten). */
export async function readInstalledIndex(file: string): Promise<InstalledIndex> {
  const text = await readTextIfExists(file);
  if (text === null) return emptyIndex();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(file, `it is not JSON (${(error as Error).message})`, error);
  }
  const problem = indexProblem(value);
  if (problem !== null) throw damaged(file, problem);
  return value as InstalledIndex;
}

/**
 * Writes index.json atomically, names and versions sorted so the file changes only where the
 * install did. Readers (the loader, another `skills list`) see the old file or the new one.
 */
export async function writeInstalledIndex(file: string, index: InstalledIndex): Promise<void> {
  const skills: Record<string, InstalledSkill> = {};
  for (const name of Object.keys(index.skills).sort()) {
    const skill = index.skills[name]!;
    const versions: Record<string, InstalledVersion> = {};
    for (const version of Object.keys(skill.versions).sort()) {
      const record = skill.versions[version]!;
      versions[version] = {
        registry: record.registry,
        sha256: record.sha256,
        files: sortedRecord(record.files),
        signer: record.signer,
        requiredBy: [...new Set(record.requiredBy)].sort(),
      };
    }
    skills[name] = { active: skill.active, versions };
  }
  await writeJsonAtomic(file, { version: 1, skills });
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!;
  return sorted;
}

function indexProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value['version'] !== 1) return '"version" must be 1';
  const skills = value['skills'];
  if (!isObject(skills)) return '"skills" must be an object';
  for (const [name, skill] of Object.entries(skills)) {
    const where = `skills["${printable(name)}"]`;
    if (!isValidName(name)) return `${where} is not a valid skill name`;
    if (!isObject(skill) || !isObject(skill['versions'])) return `${where} has no "versions" object`;
    const active = skill['active'];
    if (typeof active !== 'string' || !isObject(skill['versions'][active]))
      return `${where}.active does not name one of its versions`;
    for (const [version, record] of Object.entries(skill['versions'])) {
      const problem = versionProblem(version, record);
      if (problem !== null) return `${where}.versions["${printable(version)}"] ${problem}`;
    }
  }
  return null;
}

function versionProblem(version: string, record: unknown): string | null {
  if (!isValidVersion(version)) return 'is not a valid version';
  if (!isObject(record)) return 'is not an object';
  if (typeof record['registry'] !== 'string' || record['registry'] === '') return 'has no "registry"';
  if (!isSha256(record['sha256'])) return 'has no valid "sha256"';
  const signer = record['signer'];
  if (signer !== null && !isFingerprint(signer)) return 'has an invalid "signer"';
  const files = record['files'];
  if (!isObject(files) || Object.values(files).some((digest) => !isSha256(digest)))
    return 'has no valid "files" map';
  if (Object.keys(files).some((file) => !isSafeRelativePath(file)))
    return 'records a file outside its folder';
  const requiredBy = record['requiredBy'];
  if (!Array.isArray(requiredBy) || requiredBy.some((entry) => typeof entry !== 'string'))
    return 'has no valid "requiredBy" list';
  return null;
}

/** `a/b.md`: relative, `/`-separated, no empty, `.` or `..` segment — never a way out of the folder. */
export function isSafeRelativePath(file: string): boolean {
  return (
    file !== '' &&
    !file.includes('\\') &&
    !file.includes('\0') &&
    file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

function damaged(file: string, problem: string, cause?: unknown): SkillsError {
  return new SkillsError('INSTALLED_INDEX_INVALID', `${file} is damaged: ${problem}`, {
    hint: `move ${file} aside and install the skills again (nothing was changed)`,
    cause,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
