import type { ErrorObject, ValidateFunction } from 'ajv';
import schemaJson from '../skill.schema.json' with { type: 'json' };
import type { ErrorCode, Issue } from './errors.js';
import { compileManifestValidator } from './manifest-validator.js';
import { printable, validateName } from './name.js';
import { parseSimpleYaml } from './simple-yaml.js';
import { validateRange, validateVersion } from './version.js';
import {
  MANIFEST_FILE,
  MANIFEST_MAX_BYTES,
  type SkillManifest,
  type ValidationMode,
} from './manifest-types.js';
import { fieldPath, parseYaml } from './yaml-text.js';

export * from './manifest-types.js';

export const MANIFEST_SCHEMA: object = schemaJson;

export interface ManifestResult {
  /** The manifest when it has no errors (warnings allowed), else null. */
  manifest: SkillManifest | null;
  errors: Issue[];
  warnings: Issue[];
}

let compiled: ValidateFunction | undefined;

/** Compiled on first use: most commands never read a manifest, and compiling costs start-up time. */
function schemaValidator(): ValidateFunction {
  compiled ??= compileManifestValidator();
  return compiled;
}

/**
 * Parses and validates skill.yaml text. In `load` mode an unknown field is a warning (a newer
 * client may have written it); when publishing it is an error, as the schema says.
 */
export function parseManifest(text: string, mode: ValidationMode = 'publish'): ManifestResult {
  if (Buffer.byteLength(text) > MANIFEST_MAX_BYTES) {
    return fail([
      {
        path: MANIFEST_FILE,
        code: 'MANIFEST_INVALID',
        message: `skill.yaml is larger than ${MANIFEST_MAX_BYTES / 1024} KiB`,
      },
    ]);
  }
  // Most manifests are `key: value` lines and a `dependencies:` block: read without the YAML
  // library (the same value, see simple-yaml.ts), which costs ~10 ms to warm up in a fresh process.
  const simple = parseSimpleYaml(text);
  if (simple !== undefined) return validateManifest(simple, mode);
  const parsed = parseYaml(text, MANIFEST_FILE, 'MANIFEST_INVALID');
  if (parsed.errors.length > 0) return fail(parsed.errors);
  return validateManifest(parsed.value, mode);
}

/** Validates an already-parsed manifest value. */
export function validateManifest(value: unknown, mode: ValidationMode = 'publish'): ManifestResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([
      { path: MANIFEST_FILE, code: 'MANIFEST_INVALID', message: 'skill.yaml must be a mapping of fields' },
    ]);
  }
  const validate = schemaValidator();
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  if (!validate(value)) {
    for (const error of validate.errors ?? []) {
      const issue = issueFromSchemaError(error, value);
      if (issue === null) continue;
      if (mode === 'load' && error.keyword === 'additionalProperties' && error.instancePath === '') {
        warnings.push(issue);
      } else {
        errors.push(issue);
      }
    }
  }
  const record = value as Record<string, unknown>;
  // Semantic rules the schema cannot say; skipped where the schema already failed the field.
  if (typeof record.name === 'string' && !hasIssueAt(errors, 'name')) {
    errors.push(...validateName(record.name, fieldPath(MANIFEST_FILE, ['name'])));
  }
  if (typeof record.version === 'string') {
    errors.push(...validateVersion(record.version, fieldPath(MANIFEST_FILE, ['version'])));
  }
  const dependencies = record.dependencies;
  if (typeof dependencies === 'object' && dependencies !== null && !Array.isArray(dependencies)) {
    for (const [dep, range] of Object.entries(dependencies)) {
      const path = fieldPath(MANIFEST_FILE, ['dependencies', dep]);
      if (typeof range === 'string') errors.push(...validateRange(range, path));
      if (dep === record.name) {
        errors.push({ path, code: 'MANIFEST_INVALID', message: 'a skill cannot depend on itself' });
      }
    }
  }
  return { manifest: errors.length === 0 ? (value as unknown as SkillManifest) : null, errors, warnings };
}

function fail(errors: Issue[]): ManifestResult {
  return { manifest: null, errors, warnings: [] };
}

function hasIssueAt(issues: readonly Issue[], field: string): boolean {
  return issues.some((issue) => issue.path === fieldPath(MANIFEST_FILE, [field]));
}

/** Turns an ajv error into an issue a person can act on, with the field's own error code. */
function issueFromSchemaError(error: ErrorObject, root: object): Issue | null {
  const keys = error.instancePath.split('/').slice(1).map(unescapePointer);
  const field = keys[0] ?? '';
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const path = fieldPath(MANIFEST_FILE, [...keys, extra]);
    return { path, code: 'MANIFEST_INVALID', message: `unknown field "${printable(extra)}"` };
  }
  if (error.keyword === 'propertyNames') return null; // reported again, better, as the name's own error
  const path = fieldPath(MANIFEST_FILE, keys);
  const code = codeForField(keys);
  const value = valueAt(root, keys);
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    const at = [...keys, missing];
    return {
      path: fieldPath(MANIFEST_FILE, at),
      code: codeForField(at),
      message: `the field "${missing}" is required`,
    };
  }
  if (error.keyword === 'type') {
    const expected = String((error.params as { type: string }).type);
    const how = typeof value === 'number' ? ', but YAML read it as a number: quote it' : '';
    const when = value instanceof Date ? ', but YAML read it as a date: quote it' : '';
    return { path, code, message: `${describe(keys)} must be ${article(expected)}${how}${when}` };
  }
  if (error.keyword === 'pattern' || error.keyword === 'format') {
    return {
      path,
      code,
      message: `${describe(keys)} ${PATTERN_HELP[field] ?? 'has a form that is not allowed'}`,
    };
  }
  return { path, code, message: `${describe(keys)} ${error.message ?? 'is not valid'}` };
}

const PATTERN_HELP: Record<string, string> = {
  name: 'must be lowercase letters a-z, digits and single hyphens between them',
  description: 'must not contain "<", ">" or control characters such as newlines',
  license: 'must be an SPDX license expression such as MIT or (MIT OR Apache-2.0)',
  authors: 'must look like "Name <email@example.com>"',
  keywords:
    'must be lowercase letters, digits and hyphens, at most 32 characters, starting with a letter or digit',
  repository: 'must be an https:// URL',
  homepage: 'must be an https:// URL',
};

function codeForField(keys: readonly string[]): ErrorCode {
  if (keys.length === 1 && keys[0] === 'name') return 'NAME_INVALID';
  if (keys.length === 1 && keys[0] === 'version') return 'VERSION_INVALID';
  if (keys.length === 2 && keys[0] === 'dependencies') return 'RANGE_INVALID';
  return 'MANIFEST_INVALID';
}

function describe(keys: readonly string[]): string {
  return keys.length === 0 ? 'skill.yaml' : `"${keys.join('.')}"`;
}

function article(type: string): string {
  return type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : `a ${type}`;
}

function valueAt(root: unknown, keys: readonly string[]): unknown {
  let value = root;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
