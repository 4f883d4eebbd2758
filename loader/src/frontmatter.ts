import path from 'node:path';
import { loadYamlParser, parseSkillMdText, type SkillMd, type YamlParser } from '@skills/schema/load';
import type { Diagnostics } from './diagnostics.js';
import { label, type InstalledSkill } from './installed-index.js';

/**
 * Parses SKILL.md and checks that it names the skill index.json records. The YAML library is
 * loaded only when a frontmatter needs it (most take the simple path of `parseSimpleYaml`).
 */
export class SkillMdReader {
  private yaml: YamlParser | undefined;

  constructor(private readonly diagnostics: Diagnostics) {}

  /** `head`: the text is only the start of the file (discovery). */
  async parse(skill: InstalledSkill, text: string, head: boolean): Promise<SkillMd | null> {
    const options = { mode: 'load', head } as const;
    const result =
      parseSkillMdText(text, options) ??
      parseSkillMdText(text, { ...options, yaml: await this.yamlParser() });
    if (result.errors.length > 0 || result.warnings.length > 0) {
      this.diagnostics.issues('error', result.errors, place(skill));
      this.diagnostics.issues('warning', result.warnings, place(skill));
    }
    const skillMd = result.skillMd;
    if (skillMd === null) return null;
    if (skillMd.frontmatter.name !== skill.name) {
      this.diagnostics.error(
        'SKILL_MANIFEST_MISMATCH',
        `SKILL.md of ${label(skill)} names "${skillMd.frontmatter.name}", not "${skill.name}"`,
        { ...place(skill), field: 'SKILL.md:name' },
      );
      return null;
    }
    return skillMd;
  }

  async yamlParser(): Promise<YamlParser> {
    this.yaml ??= await loadYamlParser();
    return this.yaml;
  }
}

/** Built only when there is something to report: discovery calls `parse` for every skill. */
function place(skill: InstalledSkill) {
  return {
    skill: skill.name,
    version: skill.version,
    scope: skill.scope,
    path: path.join(skill.dir, 'SKILL.md'),
  };
}
