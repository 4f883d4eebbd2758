import path from 'node:path';
import { MANIFEST_FILE, type SkillManifest, type YamlParser } from '@skills/schema/load';
import type { Diagnostics } from './diagnostics.js';
import { label, type InstalledSkill } from './installed-index.js';

/**
 * Reads an installed skill.yaml. The full schema (ajv) is not applied: the registry checked the
 * manifest at publish and the CLI again before install, and compiling the schema costs ~115 ms of
 * an agent's start-up (docs/DECISIONS.md). What is checked is what the loader hands out: the name
 * and version equal index.json's, and the types of the fields adapters read.
 */
export function checkManifest(
  skill: InstalledSkill,
  text: string,
  yaml: YamlParser,
  diagnostics: Diagnostics,
): SkillManifest | null {
  const place = {
    skill: skill.name,
    version: skill.version,
    scope: skill.scope,
    path: path.join(skill.dir, MANIFEST_FILE),
  };
  const parsed = yaml(text, MANIFEST_FILE, 'MANIFEST_INVALID');
  if (parsed.errors.length > 0) {
    diagnostics.issues('error', parsed.errors, place);
    return null;
  }
  const value = parsed.value;
  if (!isObject(value)) {
    diagnostics.error('MANIFEST_INVALID', `skill.yaml of ${label(skill)} is not a mapping of fields`, place);
    return null;
  }
  if (value.name !== skill.name) {
    diagnostics.error(
      'SKILL_MANIFEST_MISMATCH',
      `skill.yaml of ${label(skill)} names ${JSON.stringify(value.name)} but SKILL.md and index.json name "${skill.name}"`,
      { ...place, field: 'skill.yaml:name' },
    );
    return null;
  }
  if (value.version !== skill.version) {
    diagnostics.error(
      'SKILL_MANIFEST_MISMATCH',
      `skill.yaml of ${label(skill)} has version ${JSON.stringify(value.version)} but index.json records ${skill.version}`,
      { ...place, field: 'skill.yaml:version' },
    );
    return null;
  }
  const wrong = FIELD_CHECKS.filter(([field, check]) => field in value && !check(value[field]));
  for (const [field, , expected] of wrong) {
    diagnostics.error('MANIFEST_INVALID', `"${field}" in skill.yaml of ${label(skill)} must be ${expected}`, {
      ...place,
      field: `skill.yaml:${field}`,
    });
  }
  return wrong.length === 0 ? (value as unknown as SkillManifest) : null;
}

const isString = (value: unknown) => typeof value === 'string';
const isStringList = (value: unknown) => Array.isArray(value) && value.every(isString);
const FIELD_CHECKS: [string, (value: unknown) => boolean, string][] = [
  ['description', isString, 'a string'],
  ['license', isString, 'a string'],
  ['authors', isStringList, 'a list of strings'],
  ['keywords', isStringList, 'a list of strings'],
  [
    'dependencies',
    (value) => isObject(value) && Object.values(value).every(isString),
    'a mapping of names to ranges',
  ],
  ['extensions', (value) => isObject(value) && Object.values(value).every(isObject), 'a mapping of mappings'],
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
