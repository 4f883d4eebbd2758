import type { Scope } from './diagnostics.js';

/** What discovery tells about one installed skill: enough to list it, nothing from its body. */
export interface SkillInfo {
  name: string;
  /** From SKILL.md's frontmatter: the text agents show the model. */
  description: string;
  /** The active version recorded in index.json. */
  version: string;
  /** The absolute path of the installed folder, `<tree>/<name>/<version>`. */
  dir: string;
  scope: Scope;
  /**
   * The sha256 (64 lowercase hex digits) of the tarball this version was installed from, as
   * index.json records it: the same bytes give the same digest on every machine, so it names the
   * skill's exact contents (a cache key for prompts built from it).
   */
  digest: string;
}
