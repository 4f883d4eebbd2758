/**
 * `@skills/schema/load`: the parts of the package format that reading installed skills needs —
 * SKILL.md rules, `.skill/openai.json`, the manifest's shape, project detection and the error
 * codes — without what the root entry loads up front (ajv and the compiled manifest schema,
 * semver, the YAML library, the index line types). The YAML parser comes on demand from
 * `loadYamlParser()`. Agent programs import the loader at start-up; see docs/DECISIONS.md.
 */
import type { YamlParser } from './skill-md-core.js';

export { ERROR_CODES, type ErrorCode, type Issue } from './errors.js';
export type * from './manifest-types.js';
export { MANIFEST_FILE, MANIFEST_MAX_BYTES } from './manifest-types.js';
export { isValidName, NAME_MAX_LENGTH, NAME_PATTERN, printable } from './name.js';
export * from './openai-tool.js';
export * from './project.js';
export { parseSimpleYaml } from './simple-yaml.js';
export * from './skill-md-core.js';

/** The full YAML 1.1 parser of `@skills/schema` (`parseYaml`), loaded on first call. */
export async function loadYamlParser(): Promise<YamlParser> {
  const { parseYaml } = await import('./yaml-text.js');
  return parseYaml;
}
