import path from 'node:path';
import type { SkillInfo } from '../skill-info.js';

export interface PromptOptions {
  /** `xml` (default): the `<available_skills>` block of agentskills.io. `markdown`: a list. */
  format?: 'xml' | 'markdown';
  /**
   * What to show as each skill's location. Default: the absolute path of its SKILL.md, which a
   * file-reading agent opens when the skill applies. A tool-based agent may give another handle.
   */
  location?: (skill: SkillInfo) => string;
}

/**
 * The block an agent puts into its system prompt so the model knows which skills exist
 * (agentskills.io, "Integrate skills"): name, description and location of each, in the order
 * given. Each value is put on one line (runs of whitespace and control characters become one
 * space); in XML, `&`, `<` and `>` are escaped, all that element text needs. No skills give "".
 */
export function formatSkillsForPrompt(skills: readonly SkillInfo[], options: PromptOptions = {}): string {
  if (skills.length === 0) return '';
  const location = options.location ?? ((skill: SkillInfo) => path.join(skill.dir, 'SKILL.md'));
  if (options.format === 'markdown') {
    const items = skills.map(
      (skill) =>
        `- **${oneLine(skill.name)}**: ${oneLine(skill.description)}\n  Location: ${oneLine(location(skill))}`,
    );
    return `## Available skills\n\n${items.join('\n')}`;
  }
  const items = skills.map((skill) =>
    [
      '  <skill>',
      `    <name>${xmlText(skill.name)}</name>`,
      `    <description>${xmlText(skill.description)}</description>`,
      `    <location>${xmlText(location(skill))}</location>`,
      '  </skill>',
    ].join('\n'),
  );
  return `<available_skills>\n${items.join('\n')}\n</available_skills>`;
}

// eslint-disable-next-line no-control-regex -- control characters are what this removes
const SPACE_AND_CONTROL = /[\s\u0000-\u001f\u007f-\u009f\ufffe\uffff]+/g;

function oneLine(text: string): string {
  return text.replace(SPACE_AND_CONTROL, ' ').trim();
}

function xmlText(text: string): string {
  return oneLine(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
