/** The manifest's shape and file name, apart from its validator (which loads ajv). */

/** The Roundtable consumer block (DESIGN §3 `extensions.roundtable`). */
export interface RoundtableExtension {
  domain: string;
  name?: string;
  systemPrompt?: string;
  expertiseAreas?: string[];
}

/** skill.yaml, as described by `schema/skill.schema.json`. */
export interface SkillManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  authors?: string[];
  keywords?: string[];
  repository?: string;
  homepage?: string;
  dependencies?: Record<string, string>;
  files?: string[];
  extensions?: { roundtable?: RoundtableExtension } & Record<string, Record<string, unknown> | undefined>;
}

export const MANIFEST_FILE = 'skill.yaml';
export const MANIFEST_MAX_BYTES = 64 * 1024;

export type ValidationMode = 'publish' | 'load';
