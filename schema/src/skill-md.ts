import type { ValidationMode } from './manifest-types.js';
import { parseSkillMdText, type SkillMdResult } from './skill-md-core.js';
import { parseYaml } from './yaml-text.js';

export * from './skill-md-core.js';

/** Parses SKILL.md with the full YAML parser; see `parseSkillMdText`. */
export function parseSkillMd(text: string, mode: ValidationMode = 'publish'): SkillMdResult {
  return parseSkillMdText(text, { mode, yaml: parseYaml });
}
