import type { ErrorCode, Issue } from './errors.js';
import { fieldPath } from './field-path.js';
import type { ValidationMode } from './manifest-types.js';
import { NAME_MAX_LENGTH, NAME_PATTERN, printable } from './name.js';
import { parseSimpleYaml } from './simple-yaml.js';
import type { YamlResult } from './yaml-text.js';

/** SKILL.md frontmatter: exactly the keys of the Agent Skills specification. */
export interface SkillFrontmatter {
  name: string;
  description: string;
  license?: string;
  compatibility?: string;
  metadata?: Record<string, string>;
  'allowed-tools'?: string;
}

export interface SkillMd {
  frontmatter: SkillFrontmatter;
  /** The Markdown after the frontmatter. */
  body: string;
}

export interface SkillMdResult {
  skillMd: SkillMd | null;
  errors: Issue[];
  warnings: Issue[];
}

export const SKILL_MD_FILE = 'SKILL.md';
export const SKILL_MD_MAX_BYTES = 512 * 1024;
export const DESCRIPTION_MAX_LENGTH = 1024;
export const COMPATIBILITY_MAX_LENGTH = 500;

const ALLOWED_KEYS = new Set([
  'name',
  'description',
  'license',
  'compatibility',
  'metadata',
  'allowed-tools',
]);
// `<` and `>` are refused because agents paste descriptions into XML-like prompt blocks.
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const DESCRIPTION_FORBIDDEN = /[<>\u0000-\u001f\u007f]/;

/** The full YAML parser (`parseYaml`), passed in so that this module does not load it. */
export type YamlParser = (text: string, file: string, code: ErrorCode) => YamlResult;

export interface ParseSkillMdOptions {
  /** Default `publish`. */
  mode?: ValidationMode;
  /**
   * The full YAML parser. Without it a frontmatter outside the simple subset (`parseSimpleYaml`)
   * is not parsed and the result is undefined: call again with the parser.
   */
  yaml?: YamlParser;
  /**
   * `text` is only the start of SKILL.md, up to at least the end of the frontmatter: the size and
   * body rules are skipped and `body` is whatever followed the frontmatter in `text`.
   */
  head?: boolean;
}

/**
 * Parses SKILL.md. `publish` is the specification's strict reading; `load` turns every rule that
 * does not stop the skill from being used into a warning, so one sloppy skill still loads. A skill
 * without frontmatter, name or description cannot be used and stays an error in both modes.
 * `parseSkillMd` is this with the YAML parser given; readers that must not load the YAML library
 * up front (the loader) call this one.
 */
export function parseSkillMdText(
  text: string,
  options: ParseSkillMdOptions & { yaml: YamlParser },
): SkillMdResult;
export function parseSkillMdText(text: string, options?: ParseSkillMdOptions): SkillMdResult | undefined;
export function parseSkillMdText(text: string, options: ParseSkillMdOptions = {}): SkillMdResult | undefined {
  const mode = options.mode ?? 'publish';
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const soft = mode === 'load' ? warnings : errors;
  const issue = (keys: string[], message: string): Issue => ({
    path: fieldPath(SKILL_MD_FILE, keys),
    code: 'SKILL_MD_INVALID',
    message,
  });

  if (options.head !== true && Buffer.byteLength(text) > SKILL_MD_MAX_BYTES) {
    return {
      skillMd: null,
      errors: [issue([], `SKILL.md is larger than ${SKILL_MD_MAX_BYTES / 1024} KiB`)],
      warnings,
    };
  }
  const split = splitFrontmatter(text);
  if (split === null) {
    const message = 'SKILL.md must start with YAML frontmatter between two "---" lines';
    return { skillMd: null, errors: [issue([], message)], warnings };
  }
  if (split.crlf) soft.push(issue([], 'SKILL.md uses CRLF line endings; use LF'));
  let data: unknown = parseSimpleYaml(split.yaml);
  if (data === undefined) {
    if (options.yaml === undefined) return undefined;
    const parsed = options.yaml(split.yaml, SKILL_MD_FILE, 'SKILL_MD_INVALID');
    if (parsed.errors.length > 0) return { skillMd: null, errors: parsed.errors, warnings };
    data = parsed.value;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      skillMd: null,
      errors: [issue([], 'the SKILL.md frontmatter must be a mapping of fields')],
      warnings,
    };
  }
  const fields = data as Record<string, unknown>;

  for (const key of Object.keys(fields)) {
    if (!ALLOWED_KEYS.has(key)) {
      const extra = key === 'version' ? ': the version belongs in skill.yaml' : '';
      soft.push(
        issue(
          [key],
          `unknown frontmatter field "${printable(key)}"${extra}; the Agent Skills specification allows only ${[...ALLOWED_KEYS].join(', ')}`,
        ),
      );
    }
  }

  const { name, description } = fields;
  if (typeof name !== 'string' || name.length === 0) {
    errors.push(issue(['name'], 'the frontmatter needs a "name" string'));
  } else if (name.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(name)) {
    soft.push({
      path: fieldPath(SKILL_MD_FILE, ['name']),
      code: 'NAME_INVALID',
      message: `"${printable(name)}" is not a valid name: use 1 to ${NAME_MAX_LENGTH} lowercase letters a-z, digits and single hyphens between them`,
    });
  }
  if (typeof description !== 'string' || description.trim().length === 0) {
    errors.push(issue(['description'], 'the frontmatter needs a non-empty "description" string'));
  } else {
    if (description.length > DESCRIPTION_MAX_LENGTH) {
      soft.push(
        issue(
          ['description'],
          `the description is longer than ${DESCRIPTION_MAX_LENGTH} characters (${description.length})`,
        ),
      );
    }
    if (DESCRIPTION_FORBIDDEN.test(description)) {
      soft.push(
        issue(
          ['description'],
          'the description must not contain "<", ">" or control characters such as newlines',
        ),
      );
    }
  }
  for (const key of ['license', 'compatibility', 'allowed-tools'] as const) {
    if (key in fields && typeof fields[key] !== 'string')
      soft.push(issue([key], `"${key}" must be a string`));
  }
  if (typeof fields.compatibility === 'string' && fields.compatibility.length > COMPATIBILITY_MAX_LENGTH) {
    soft.push(
      issue(['compatibility'], `"compatibility" is longer than ${COMPATIBILITY_MAX_LENGTH} characters`),
    );
  }
  if ('metadata' in fields && !isStringMap(fields.metadata)) {
    soft.push(issue(['metadata'], '"metadata" must map strings to strings (quote numbers and dates)'));
  }
  if (options.head !== true && split.body.trim().length === 0) {
    warnings.push(issue([], 'SKILL.md has no instructions after the frontmatter'));
  }

  if (errors.length > 0) return { skillMd: null, errors, warnings };
  return {
    skillMd: { frontmatter: fields as unknown as SkillFrontmatter, body: split.body },
    errors,
    warnings,
  };
}

export interface Split {
  yaml: string;
  body: string;
  crlf: boolean;
}

/** Splits SKILL.md text at its frontmatter; null when it has none (or it is not closed). */
export function splitFrontmatter(text: string): Split | null {
  const crlf = text.startsWith('---\r\n');
  const normalised = crlf ? text.replaceAll('\r\n', '\n') : text;
  if (!normalised.startsWith('---\n')) return null;
  const end = normalised.indexOf('\n---', 3);
  if (end === -1) return null;
  const after = normalised.indexOf('\n', end + 4);
  const closing = normalised.slice(end + 4, after === -1 ? undefined : after);
  if (closing.trim() !== '') return null;
  return { yaml: normalised.slice(4, end + 1), body: after === -1 ? '' : normalised.slice(after + 1), crlf };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
