import type { Diagnostic } from './diagnostics.js';
import { Diagnostics } from './diagnostics.js';
import { SkillMdReader } from './frontmatter.js';
import { chooseInstalled } from './installed-index.js';
import { resolveContext, type DiscoverOptions } from './options.js';
import { checkInstalled, readSkillMdHead } from './read-files.js';
import type { SkillInfo } from './skill-info.js';

export interface DiscoverResult {
  /** One per name, sorted by name; a project's skill wins over a global one. */
  skills: SkillInfo[];
  /** Problems found, in the order met; one bad skill is left out, never thrown. */
  diagnostics: Diagnostic[];
  /** The project found from `cwd` (the folder holding `skills.json`), or null. */
  project: string | null;
  /** The global installed tree (`$SKILLS_HOME`), whether or not it was read. */
  home: string;
}

/**
 * Lists the installed skills: names, descriptions, versions and folders from index.json and the
 * frontmatter of each SKILL.md (only the first 4 KiB of the file is read). It checks the
 * `.skills-ok` marker and that SKILL.md names the skill; `loadSkills` checks the rest. Never
 * throws for a bad skill or tree: see `diagnostics`.
 */
export async function discoverSkills(options: DiscoverOptions = {}): Promise<DiscoverResult> {
  const context = resolveContext(options);
  const diagnostics = new Diagnostics();
  const reader = new SkillMdReader(diagnostics);
  const skills: SkillInfo[] = [];
  for (const skill of chooseInstalled(context, diagnostics)) {
    if (!checkInstalled(skill, diagnostics)) continue;
    const head = readSkillMdHead(skill, diagnostics);
    if (head === null) continue;
    const skillMd = await reader.parse(skill, head, true);
    if (skillMd === null) continue;
    skills.push({
      name: skill.name,
      description: skillMd.frontmatter.description,
      version: skill.version,
      dir: skill.dir,
      scope: skill.scope,
      digest: skill.sha256,
    });
  }
  return { skills, diagnostics: diagnostics.list, project: context.project, home: context.home };
}
