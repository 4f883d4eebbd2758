import { Diagnostics, type Diagnostic } from '../diagnostics.js';
import { loadSkills, type LoadedSkill, type LoadOptions } from '../load.js';

/**
 * Roundtable (AlexZan/roundtable-cli) reads experts from `.roundtable/skills/<id>.yaml` and checks
 * them with its own validator: `id`, `name`, `description`, `version`, `domain` and `systemPrompt`
 * are required non-empty strings, `id` matches `^[a-z0-9-]+$`, `version` is exactly X.Y.Z, the
 * prompt has at least 20 words (`trim().split(/\s+/)`), `keywords` and `tags` are lists of strings
 * and `author` a string. This is that shape, built from an installed skill.
 */
export interface RoundtableSkill {
  /** The skill's name. */
  id: string;
  /** `extensions.roundtable.name`, else the skill's name. */
  name: string;
  description: string;
  /** The skill's version without a pre-release suffix. */
  version: string;
  /** `extensions.roundtable.domain`, else `defaultDomain`. */
  domain: string;
  /** `authors`, joined with ", "; absent when there are none. */
  author?: string;
  keywords: string[];
  /** The keywords again: Roundtable groups experts by tags. */
  tags: string[];
  /** `extensions.roundtable.systemPrompt`, else the SKILL.md body, trimmed. */
  systemPrompt: string;
}

export interface RoundtableOptions {
  /** The domain of skills without an `extensions.roundtable` block. Default `general`. */
  defaultDomain?: string;
}

export interface RoundtableSkillResult {
  /** Null when the skill cannot be a Roundtable expert; `diagnostics` says why. */
  skill: RoundtableSkill | null;
  diagnostics: Diagnostic[];
}

export interface RoundtableSkillsResult {
  skills: RoundtableSkill[];
  diagnostics: Diagnostic[];
  project: string | null;
  home: string;
}

export const ROUNDTABLE_MIN_PROMPT_WORDS = 20;
/** Where Roundtable looks for skills, relative to the folder it runs in. */
export const ROUNDTABLE_SKILLS_DIR = '.roundtable/skills';

export function toRoundtableSkill(
  skill: LoadedSkill,
  options: RoundtableOptions = {},
): RoundtableSkillResult {
  const diagnostics = new Diagnostics();
  const place = { skill: skill.name, version: skill.version, scope: skill.scope };
  const block = skill.extensions.roundtable;
  const field = (key: string): string | undefined => {
    const value = block?.[key];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const wrong = ['domain', 'name', 'systemPrompt'].filter(
    (key) => block !== undefined && key in block && field(key) === undefined,
  );
  if (block !== undefined && !('domain' in block)) wrong.unshift('domain');
  if (wrong.length > 0) {
    for (const key of wrong) {
      diagnostics.error(
        'MANIFEST_INVALID',
        `extensions.roundtable.${key} of ${skill.name} must be a non-empty string`,
        {
          ...place,
          field: `skill.yaml:extensions.roundtable.${key}`,
        },
      );
    }
    return { skill: null, diagnostics: diagnostics.list };
  }

  const systemPrompt = (field('systemPrompt') ?? skill.body).trim();
  const words = systemPrompt === '' ? 0 : systemPrompt.split(/\s+/).length;
  if (words < ROUNDTABLE_MIN_PROMPT_WORDS) {
    diagnostics.error(
      'ROUNDTABLE_PROMPT_TOO_SHORT',
      `${skill.name}'s system prompt has ${words} words; Roundtable needs at least ${ROUNDTABLE_MIN_PROMPT_WORDS}, so it is not exported`,
      place,
    );
    return { skill: null, diagnostics: diagnostics.list };
  }
  const version = skill.version.split('-')[0] ?? skill.version;
  if (version !== skill.version) {
    diagnostics.warning(
      'ROUNDTABLE_VERSION_PRERELEASE',
      `${skill.name} ${skill.version} is exported to Roundtable as ${version}: it accepts only X.Y.Z`,
      place,
    );
  }
  const keywords = [...(skill.manifest.keywords ?? [])];
  const authors = skill.manifest.authors ?? [];
  return {
    skill: {
      id: skill.name,
      name: field('name') ?? skill.name,
      description: skill.description,
      version,
      domain: field('domain') ?? options.defaultDomain ?? 'general',
      ...(authors.length > 0 ? { author: authors.join(', ') } : {}),
      keywords,
      tags: [...keywords],
      systemPrompt,
    },
    diagnostics: diagnostics.list,
  };
}

/** `loadSkills`, then `toRoundtableSkill` on each: what replaces Roundtable's own `loadAllSkills`. */
export async function loadRoundtableSkills(
  options: LoadOptions & RoundtableOptions = {},
): Promise<RoundtableSkillsResult> {
  const loaded = await loadSkills(options);
  const skills: RoundtableSkill[] = [];
  const diagnostics = [...loaded.diagnostics];
  for (const skill of loaded.skills) {
    const result = toRoundtableSkill(skill, options);
    diagnostics.push(...result.diagnostics);
    if (result.skill !== null) skills.push(result.skill);
  }
  return { skills, diagnostics, project: loaded.project, home: loaded.home };
}

/**
 * The YAML file Roundtable reads (`.roundtable/skills/<id>.yaml`). Every scalar is written
 * double-quoted in JSON syntax, which YAML 1.1 and 1.2 (js-yaml, as Roundtable uses it) read back
 * as the same string, so no value can turn into a number, boolean or date. The system prompt is a
 * literal block when its characters allow one, for people who open the file. Same input, same bytes.
 */
export function serializeRoundtableSkill(skill: RoundtableSkill): string {
  const lines = [
    `# Exported by skills from the installed skill "${skill.id}"; \`skills update\` rewrites this file.`,
    `id: ${JSON.stringify(skill.id)}`,
    `name: ${JSON.stringify(skill.name)}`,
    `description: ${JSON.stringify(skill.description)}`,
    `version: ${JSON.stringify(skill.version)}`,
    `domain: ${JSON.stringify(skill.domain)}`,
  ];
  if (skill.author !== undefined) lines.push(`author: ${JSON.stringify(skill.author)}`);
  lines.push(...list('keywords', skill.keywords), ...list('tags', skill.tags));
  if (BLOCK_SAFE.test(skill.systemPrompt) && skill.systemPrompt === skill.systemPrompt.trim()) {
    const block = skill.systemPrompt.split('\n').map((line) => (line === '' ? '' : `  ${line}`));
    lines.push('systemPrompt: |-', ...block);
  } else {
    lines.push(`systemPrompt: ${JSON.stringify(skill.systemPrompt)}`);
  }
  return `${lines.join('\n')}\n`;
}

function list(key: string, values: readonly string[]): string[] {
  return values.length === 0 ? [`${key}: []`] : [`${key}:`, ...values.map((v) => `  - ${JSON.stringify(v)}`)];
}

// Printable YAML characters, newlines and tabs: anything else (a carriage return, a control
// character, U+2028, a byte-order mark) cannot stand in a literal block and is escaped instead.
const BLOCK_SAFE =
  /^[\n\t\x20-\x7e\u{a0}-\u{2027}\u{202a}-\u{d7ff}\u{e000}-\u{fefe}\u{ff00}-\u{fffd}\u{10000}-\u{10ffff}]*$/u;
