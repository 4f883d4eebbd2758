import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  MANIFEST_FILE,
  MANIFEST_MAX_BYTES,
  OPENAI_TOOL_FILE,
  parseOpenAiTool,
  SKILL_MD_FILE,
  SKILL_MD_MAX_BYTES,
  type OpenAiTool,
  type SkillFrontmatter,
  type SkillManifest,
} from '@skills/schema/load';
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import { SkillMdReader } from './frontmatter.js';
import { chooseInstalled, installedFiles, label, type InstalledSkill } from './installed-index.js';
import { verifyFiles } from './integrity.js';
import { checkManifest } from './manifest-check.js';
import { resolveContext, type DiscoverOptions } from './options.js';
import { checkInstalled, readSkillFile } from './read-files.js';
import type { SkillInfo } from './skill-info.js';

export interface LoadOptions extends DiscoverOptions {
  /**
   * Hash every installed file and compare it with the sha256 index.json records; a skill with a
   * changed, missing or added file is left out with a diagnostic. Default false: it reads every
   * file of every skill.
   */
  integrity?: boolean;
}

/** An installed skill with its contents. */
export interface LoadedSkill extends SkillInfo {
  frontmatter: SkillFrontmatter;
  /** The SKILL.md instructions after the frontmatter. */
  body: string;
  /** skill.yaml as parsed (its name and version checked against index.json). */
  manifest: SkillManifest;
  /** The package's files as index.json records them: `/`-separated relative paths, sorted. */
  files: string[];
  /** `manifest.extensions`, or `{}`. */
  extensions: Record<string, Record<string, unknown>>;
  /** The tool of `.skill/openai.json`, when the skill has a valid one. */
  openaiTool: OpenAiTool | null;
  /** `verified` when loaded with `integrity: true` (and so every file matched). */
  integrity: 'verified' | 'unchecked';
}

export interface LoadResult {
  skills: LoadedSkill[];
  diagnostics: Diagnostic[];
  project: string | null;
  home: string;
}

export interface LoadSkillResult {
  /** Null when the skill is not installed or cannot be loaded; `diagnostics` says why. */
  skill: LoadedSkill | null;
  diagnostics: Diagnostic[];
  project: string | null;
  home: string;
}

/**
 * Loads every installed skill (or `options.names`) as `discoverSkills` finds them, adding the
 * SKILL.md body, skill.yaml, the file list, `extensions` and the OpenAI tool. Never throws for a
 * bad skill or tree: see `diagnostics`.
 */
export async function loadSkills(options: LoadOptions = {}): Promise<LoadResult> {
  const context = resolveContext(options);
  const diagnostics = new Diagnostics();
  const reader = new SkillMdReader(diagnostics);
  const yaml = await reader.yamlParser(); // every skill.yaml needs the full parser
  const skills: LoadedSkill[] = [];
  for (const skill of chooseInstalled(context, diagnostics)) {
    const loaded = await loadOne(skill, options.integrity === true, reader, yaml, diagnostics);
    if (loaded !== null) skills.push(loaded);
  }
  return { skills, diagnostics: diagnostics.list, project: context.project, home: context.home };
}

/** Loads one skill by name, from the project if it has it, else from the global tree. */
export async function loadSkill(
  name: string,
  options: Omit<LoadOptions, 'names'> = {},
): Promise<LoadSkillResult> {
  const { skills, ...rest } = await loadSkills({ ...options, names: [name] });
  return { skill: skills[0] ?? null, ...rest };
}

async function loadOne(
  skill: InstalledSkill,
  integrity: boolean,
  reader: SkillMdReader,
  yaml: Awaited<ReturnType<SkillMdReader['yamlParser']>>,
  diagnostics: Diagnostics,
): Promise<LoadedSkill | null> {
  if (!checkInstalled(skill, diagnostics)) return null;
  const recorded = installedFiles(skill, diagnostics);
  if (recorded === null) return null;
  const skillMdBytes = readSkillFile(skill, SKILL_MD_FILE, diagnostics, SKILL_MD_MAX_BYTES);
  if (skillMdBytes === null) return null;
  const skillMd = await reader.parse(skill, skillMdBytes.toString('utf8'), false);
  if (skillMd === null) return null;
  const manifestBytes = readSkillFile(skill, MANIFEST_FILE, diagnostics, MANIFEST_MAX_BYTES);
  if (manifestBytes === null) return null;
  const manifest = checkManifest(skill, manifestBytes.toString('utf8'), yaml, diagnostics);
  if (manifest === null) return null;

  const alreadyRead = new Map([
    [SKILL_MD_FILE, skillMdBytes],
    [MANIFEST_FILE, manifestBytes],
  ]);
  const openaiTool = readOpenAiTool(skill, alreadyRead, diagnostics);
  if (integrity && !verifyFiles(skill, recorded, alreadyRead, diagnostics)) return null;
  return {
    name: skill.name,
    description: skillMd.frontmatter.description,
    version: skill.version,
    dir: skill.dir,
    scope: skill.scope,
    digest: skill.sha256,
    frontmatter: skillMd.frontmatter,
    body: skillMd.body,
    manifest,
    files: [...recorded.keys()].sort(),
    extensions: (manifest.extensions ?? {}) as Record<string, Record<string, unknown>>,
    openaiTool,
    integrity: integrity ? 'verified' : 'unchecked',
  };
}

/** The skill's OpenAI tool; a missing file is no tool, a bad one a warning (the skill still loads). */
function readOpenAiTool(
  skill: InstalledSkill,
  alreadyRead: Map<string, Buffer>,
  diagnostics: Diagnostics,
): OpenAiTool | null {
  const file = path.join(skill.dir, OPENAI_TOOL_FILE);
  const place = { skill: skill.name, version: skill.version, scope: skill.scope, path: file };
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      diagnostics.warning(
        'SKILL_FILE_UNREADABLE',
        `${OPENAI_TOOL_FILE} of ${label(skill)} cannot be read: ${String(code)}`,
        place,
      );
    }
    return null;
  }
  alreadyRead.set(OPENAI_TOOL_FILE, bytes);
  const { tool, errors } = parseOpenAiTool(bytes.toString('utf8'));
  diagnostics.issues('warning', errors, place);
  return tool;
}
