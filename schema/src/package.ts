import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from './errors.js';
import {
  MANIFEST_FILE,
  MANIFEST_MAX_BYTES,
  parseManifest,
  type SkillManifest,
  type ValidationMode,
} from './manifest.js';
import { parseOpenAiTool, OPENAI_TOOL_FILE } from './openai-tool.js';
import { parseSkillMd, SKILL_MD_FILE, SKILL_MD_MAX_BYTES, type SkillMd } from './skill-md.js';

export interface PackageCheck {
  dir: string;
  /** The manifest with `description` and `license` defaulted from SKILL.md; null when invalid. */
  manifest: SkillManifest | null;
  skillMd: SkillMd | null;
  errors: Issue[];
  warnings: Issue[];
}

export interface ValidatePackageOptions {
  mode?: ValidationMode;
}

/**
 * Checks a package folder against DESIGN §3: SKILL.md and skill.yaml agree, docs/ has a file and
 * `.skill/openai.json`, when present, is one tool. Reads only the files it checks.
 */
export async function validatePackage(
  dir: string,
  options: ValidatePackageOptions = {},
): Promise<PackageCheck> {
  const mode = options.mode ?? 'publish';
  const root = path.resolve(dir);
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const check: PackageCheck = { dir: root, manifest: null, skillMd: null, errors, warnings };

  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    errors.push({ path: '.', code: 'PACKAGE_INVALID', message: `${root} is not a folder` });
    return check;
  }

  const skillMdText = await readText(root, SKILL_MD_FILE, SKILL_MD_MAX_BYTES, 'SKILL_MD_INVALID', errors);
  const skillMdResult = skillMdText === null ? null : parseSkillMd(skillMdText, mode);
  const manifestText = await readText(root, MANIFEST_FILE, MANIFEST_MAX_BYTES, 'MANIFEST_INVALID', errors);
  const manifestResult = manifestText === null ? null : parseManifest(manifestText, mode);
  for (const result of [skillMdResult, manifestResult]) {
    if (result === null) continue;
    errors.push(...result.errors);
    warnings.push(...result.warnings);
  }
  check.skillMd = skillMdResult?.skillMd ?? null;

  const manifest = manifestResult?.manifest ?? null;
  const frontmatter = check.skillMd?.frontmatter;
  if (manifest !== null && frontmatter !== undefined) {
    if (manifest.name !== frontmatter.name) {
      errors.push({
        path: `${MANIFEST_FILE}:name`,
        code: 'PACKAGE_INVALID',
        message: `skill.yaml names "${manifest.name}" but SKILL.md names "${frontmatter.name}": they must be equal`,
      });
    }
    if (path.basename(root) !== manifest.name) {
      warnings.push({
        path: '.',
        code: 'PACKAGE_INVALID',
        message: `the folder is named "${path.basename(root)}"; the Agent Skills specification wants it named "${manifest.name}"`,
      });
    }
    check.manifest = {
      ...manifest,
      description: manifest.description ?? frontmatter.description,
      ...((manifest.license ?? frontmatter.license)
        ? { license: manifest.license ?? frontmatter.license }
        : {}),
    };
  }

  if (!(await hasFile(path.join(root, 'docs')))) {
    (mode === 'load' ? warnings : errors).push({
      path: 'docs/',
      code: 'PACKAGE_INVALID',
      message: 'docs/ must hold at least one file of usage documentation',
    });
  }

  const toolText = await readFile(path.join(root, OPENAI_TOOL_FILE), 'utf8').catch(() => null);
  if (toolText !== null) {
    (mode === 'load' ? warnings : errors).push(...parseOpenAiTool(toolText).errors);
  }
  return check;
}

async function readText(
  root: string,
  file: string,
  maxBytes: number,
  code: Issue['code'],
  errors: Issue[],
): Promise<string | null> {
  const full = path.join(root, file);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) {
    errors.push({ path: file, code, message: `${file} is missing` });
    return null;
  }
  if (info.size > maxBytes) {
    errors.push({ path: file, code, message: `${file} is larger than ${maxBytes / 1024} KiB` });
    return null;
  }
  return readFile(full, 'utf8');
}

/** True when the folder holds a regular file somewhere below it. */
async function hasFile(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) return true;
    if (entry.isDirectory() && (await hasFile(path.join(dir, entry.name)))) return true;
  }
  return false;
}
