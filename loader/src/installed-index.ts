import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { INSTALLED_INDEX_FILE, isValidName } from '@skills/schema/load';
import type { Diagnostics, Scope } from './diagnostics.js';
import type { Context, ScopeRoot } from './options.js';

/**
 * Reads `index.json` (DESIGN §6): `{"version":1,"skills":{name:{"active","versions":{v:{registry,
 * sha256, files:{path:sha256}, signer, requiredBy}}}}}`. Only what the loader uses is checked, and
 * only for the skills it returns: `active`, and the active version's `sha256` (and `files`, when
 * loading). The other fields belong to the CLI.
 */

/** One skill chosen to be read: its tree, name, active version and that version's record. */
export interface InstalledSkill {
  scope: Scope;
  name: string;
  version: string;
  /** `<tree>/<name>/<version>`. */
  dir: string;
  /** The sha256 of the tarball it was installed from. */
  sha256: string;
  /** The raw record of the active version; `installedFiles` reads `files` from it. */
  record: Record<string, unknown>;
}

/**
 * The skills to read, one per name, sorted by name: a name recorded in the project's tree is taken
 * from there even when its record is broken (the project chose that version; loading the global
 * one instead would hand the agent another), so a broken project record hides the global skill.
 */
export function chooseInstalled(context: Context, diagnostics: Diagnostics): InstalledSkill[] {
  const chosen = new Map<string, { root: ScopeRoot; entry: unknown }>();
  for (const root of context.roots) {
    const skills = readIndex(root, diagnostics);
    if (skills === null) continue;
    for (const [name, entry] of Object.entries(skills)) {
      if (context.names !== null && !context.names.has(name)) continue;
      if (!chosen.has(name)) chosen.set(name, { root, entry });
    }
  }
  for (const name of context.names ?? []) {
    if (!chosen.has(name)) {
      const where = context.roots.map((root) => root.dir).join(' or ') || 'no scope';
      diagnostics.error('SKILL_NOT_INSTALLED', `the skill "${name}" is not installed in ${where}`, {
        skill: name,
      });
    }
  }
  const installed: InstalledSkill[] = [];
  for (const name of [...chosen.keys()].sort()) {
    const { root, entry } = chosen.get(name) as { root: ScopeRoot; entry: unknown };
    const skill = activeVersion(root, name, entry, diagnostics);
    if (skill !== null) installed.push(skill);
  }
  return installed;
}

/** The `files` map of a record, checked: safe relative paths to sha256 digests. Null when broken. */
export function installedFiles(skill: InstalledSkill, diagnostics: Diagnostics): Map<string, string> | null {
  const files = skill.record.files;
  const place = { skill: skill.name, version: skill.version, scope: skill.scope, path: indexFile(skill) };
  if (!isObject(files)) {
    diagnostics.error(
      'INSTALLED_ENTRY_INVALID',
      `index.json records no "files" map for ${label(skill)}`,
      place,
    );
    return null;
  }
  const map = new Map<string, string>();
  for (const [file, digest] of Object.entries(files)) {
    if (!isSafeRelativePath(file) || typeof digest !== 'string' || !SHA256.test(digest)) {
      diagnostics.error(
        'INSTALLED_ENTRY_INVALID',
        `index.json records the file ${JSON.stringify(file)} of ${label(skill)} with a bad path or digest`,
        place,
      );
      return null;
    }
    map.set(file, digest);
  }
  return map;
}

export function label(skill: { name: string; version: string }): string {
  return `${skill.name}@${skill.version}`;
}

function indexFile(skill: InstalledSkill): string {
  return path.join(skill.dir, '..', '..', INSTALLED_INDEX_FILE);
}

/** The `skills` object of a tree's index.json, or null when there is none or it is broken. */
function readIndex(root: ScopeRoot, diagnostics: Diagnostics): Record<string, unknown> | null {
  const file = path.join(root.dir, INSTALLED_INDEX_FILE);
  const place = { scope: root.scope, path: file };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      reportMissingIndex(root, diagnostics);
    } else {
      diagnostics.error('INSTALLED_INDEX_INVALID', `${file} cannot be read: ${String(code)}`, place);
    }
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    diagnostics.error(
      'INSTALLED_INDEX_INVALID',
      `${file} is not valid JSON: ${(error as Error).message}`,
      place,
    );
    return null;
  }
  if (!isObject(value) || value.version !== 1 || !isObject(value.skills)) {
    const version = isObject(value) ? value.version : undefined;
    const message =
      isObject(value) && typeof version === 'number' && version > 1
        ? `${file} is version ${version}; this loader reads version 1`
        : `${file} is not {"version":1,"skills":{…}}`;
    diagnostics.error('INSTALLED_INDEX_INVALID', message, place);
    return null;
  }
  return value.skills;
}

/**
 * No index.json is normal for a tree nothing was installed into (a home holding only config.json).
 * Skill folders without one mean the index was lost: say so, since nothing in them will load.
 */
function reportMissingIndex(root: ScopeRoot, diagnostics: Diagnostics): void {
  let entries: string[];
  try {
    entries = readdirSync(root.dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isValidName(entry.name) && !NOT_SKILLS.has(entry.name))
      .map((entry) => entry.name);
  } catch {
    return; // no tree at all
  }
  if (entries.length === 0) return;
  diagnostics.warning(
    'INSTALLED_INDEX_MISSING',
    `${root.dir} holds skill folders (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}) but no ${INSTALLED_INDEX_FILE}; none of them is loaded`,
    { scope: root.scope, path: path.join(root.dir, INSTALLED_INDEX_FILE) },
  );
}

// Folders of $SKILLS_HOME that are not skills (DESIGN §6): `state/` (and `.cache/`, not a name).
const NOT_SKILLS = new Set(['state']);

function activeVersion(
  root: ScopeRoot,
  name: string,
  entry: unknown,
  diagnostics: Diagnostics,
): InstalledSkill | null {
  const fail = (why: string): null => {
    diagnostics.error('INSTALLED_ENTRY_INVALID', `index.json's record of "${name}" ${why}`, {
      skill: name,
      scope: root.scope,
      path: path.join(root.dir, INSTALLED_INDEX_FILE),
    });
    return null;
  };
  if (!isValidName(name)) return fail('has a name that is not a valid skill name');
  if (!isObject(entry)) return fail('is not an object');
  const { active, versions } = entry;
  if (typeof active !== 'string' || !isVersion(active)) return fail('has no valid "active" version');
  if (!isObject(versions) || !isObject(versions[active])) {
    return fail(`has no record of its active version ${active}`);
  }
  const record = versions[active];
  if (typeof record.sha256 !== 'string' || !SHA256.test(record.sha256)) {
    return fail(`has no valid "sha256" for ${active}`);
  }
  return {
    scope: root.scope,
    name,
    version: active,
    // Name and version were checked above: neither holds a separator or is `.`/`..`.
    dir: childPath(root.dir, name, active),
    sha256: record.sha256,
    record,
  };
}

const SHA256 = /^[0-9a-f]{64}$/;
// Strict SemVer 2.0 without build metadata (DESIGN §3), as the regular expression semver.org gives.
// Checked here without the semver package: a version is also a folder name, so nothing else passes.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

function isVersion(value: string): boolean {
  return value.length <= 64 && SEMVER.test(value);
}

/** A path as the archive rules allow it (DESIGN §3): relative, `/`-separated, printable ASCII, no `.` or `..`. */
function isSafeRelativePath(file: string): boolean {
  if (file.length === 0 || file.length > 255 || !/^[\x20-\x7e]+$/.test(file) || file.includes('\\')) {
    return false;
  }
  return file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * `path.join` for segments known to be plain names under a resolved folder: a string concatenation,
 * since `join` normalises and, called thousands of times at start-up, that shows in a profile.
 */
export function childPath(dir: string, ...names: string[]): string {
  return dir.endsWith(path.sep) ? dir + names.join(path.sep) : [dir, ...names].join(path.sep);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
