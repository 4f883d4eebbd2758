/**
 * `@skills/loader`: what agent programs import to use the skills `skills install` put in place.
 * Reads only; pulls in no HTTP, git, tar or OpenPGP code, nor ajv; loads the YAML library only
 * when a file needs it. See docs/EXAMPLES.md and docs/ROUNDTABLE.md.
 */
export { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode, type Scope } from './diagnostics.js';
export { discoverSkills, type DiscoverResult } from './discover.js';
export {
  loadSkill,
  loadSkills,
  type LoadedSkill,
  type LoadOptions,
  type LoadResult,
  type LoadSkillResult,
} from './load.js';
export type { DiscoverOptions } from './options.js';
export type { SkillInfo } from './skill-info.js';
export { formatSkillsForPrompt, type PromptOptions } from './adapters/prompt.js';
export { toOpenAiTools, type OpenAiToolsResult } from './adapters/openai.js';
export {
  loadRoundtableSkills,
  ROUNDTABLE_MIN_PROMPT_WORDS,
  ROUNDTABLE_SKILLS_DIR,
  serializeRoundtableSkill,
  toRoundtableSkill,
  type RoundtableOptions,
  type RoundtableSkill,
  type RoundtableSkillResult,
  type RoundtableSkillsResult,
} from './adapters/roundtable.js';
export type { OpenAiTool, SkillFrontmatter, SkillManifest } from '@skills/schema/load';
