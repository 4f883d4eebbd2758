import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import semver from 'semver';
import { validate } from 'skills-ref';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isReservedName, isValidName } from '../src/name.js';
import { validatePackage } from '../src/package.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
const SCHEMA_FILE = fileURLToPath(new URL('../skill.schema.json', import.meta.url));

const SPEC_KEYS = new Set(['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools']);
const AUTHOR = 'Skills Examples <examples@skills.dev>';

interface Manifest {
  name?: unknown;
  version?: unknown;
  description?: unknown;
  license?: unknown;
  authors?: unknown;
  dependencies?: Record<string, unknown>;
  extensions?: { roundtable?: { systemPrompt?: unknown } };
}

interface Example {
  folder: string;
  dir: string;
  frontmatter: Record<string, unknown>;
  body: string;
  manifest: Manifest;
}

/**
 * Every folder of examples/ holding a SKILL.md or a skill.yaml is a skill package. Folders starting
 * with a dot are skipped; so is anything else that is no package (DESIGN §1 puts an agent program
 * that uses the loader here too).
 */
function readExamples(): Example[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => path.join(EXAMPLES_DIR, entry.name))
    .filter((dir) => existsSync(path.join(dir, 'SKILL.md')) || existsSync(path.join(dir, 'skill.yaml')))
    .sort()
    .map((dir) => {
      const skillMd = readFileSync(path.join(dir, 'SKILL.md'), 'utf8');
      const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(skillMd);
      const frontmatter = (match ? parseYaml(match[1] ?? '') : {}) as Record<string, unknown>;
      const manifest = parseYaml(readFileSync(path.join(dir, 'skill.yaml'), 'utf8')) as Manifest;
      return { folder: path.basename(dir), dir, frontmatter, body: match?.[2] ?? '', manifest };
    });
}

/** Paths of all files under dir, relative to it, with forward slashes. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? [rel + '/', ...listFiles(dir, rel)] : [rel];
  });
}

const examples = readExamples();
const versions = new Map(examples.map((e) => [String(e.manifest.name), String(e.manifest.version)]));
const validateManifestSchema = new Ajv({ allErrors: true }).compile(
  JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object,
);

describe('examples/', () => {
  it('holds at least six skill packages', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it('shows every feature of the package format at least once', () => {
    const has = (test: (e: Example) => boolean) => examples.filter(test).map((e) => e.folder);
    expect(has((e) => Object.keys(e.manifest.dependencies ?? {}).length >= 2)).not.toEqual([]);
    expect(
      has((e) => existsSync(path.join(e.dir, 'scripts')) || existsSync(path.join(e.dir, 'src'))),
    ).not.toEqual([]);
    expect(has((e) => existsSync(path.join(e.dir, '.skill/openai.json')))).not.toEqual([]);
    expect(has((e) => e.manifest.extensions?.roundtable !== undefined)).not.toEqual([]);
  });
});

describe.each(examples.map((e) => [e.folder, e] as const))('examples/%s', (_folder, example) => {
  const { dir, folder, frontmatter, manifest } = example;

  it('passes the Agent Skills reference validator', async () => {
    expect(await validate(dir)).toEqual([]);
  });

  it('passes our own package validation without errors or warnings', async () => {
    const check = await validatePackage(dir);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
  });

  it('is named after its skill, with a valid name that is not reserved', () => {
    expect(frontmatter.name).toBe(folder);
    expect(isValidName(folder)).toBe(true);
    expect(isReservedName(folder)).toBe(false);
  });

  it('keeps only spec keys in SKILL.md and a one-line description without angle brackets', () => {
    expect(Object.keys(frontmatter).filter((key) => !SPEC_KEYS.has(key))).toEqual([]);
    const description = frontmatter.description;
    expect(typeof description).toBe('string');
    expect(String(description).length).toBeGreaterThan(0);
    expect(String(description).length).toBeLessThanOrEqual(1024);
    // eslint-disable-next-line no-control-regex
    expect(String(description)).not.toMatch(/[<>\u0000-\u001f\u007f]/);
    for (const value of Object.values((frontmatter.metadata ?? {}) as Record<string, unknown>)) {
      expect(typeof value).toBe('string');
    }
  });

  it('has real instructions in the SKILL.md body', () => {
    const lines = example.body.trim().split('\n').length;
    expect(lines).toBeGreaterThanOrEqual(60);
    expect(lines).toBeLessThanOrEqual(200);
  });

  it('has a skill.yaml that matches the manifest schema and SKILL.md', () => {
    const valid = validateManifestSchema(manifest);
    expect(validateManifestSchema.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(manifest.name).toBe(frontmatter.name);
    expect(typeof manifest.version).toBe('string');
    expect(semver.valid(String(manifest.version))).toBe(manifest.version);
    expect(String(manifest.version)).not.toContain('+');
    expect(manifest.license).toBe('MIT');
    expect(manifest.authors).toEqual([AUTHOR]);
  });

  it('depends only on other examples, at versions its ranges accept', () => {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      expect(name).not.toBe(manifest.name);
      expect(typeof range).toBe('string');
      expect(semver.validRange(String(range))).not.toBeNull();
      const version = versions.get(name);
      expect(version, `${folder} depends on ${name}, which is no example`).toBeDefined();
      expect(semver.satisfies(version ?? '', String(range)), `${name}@${version} vs ${range}`).toBe(true);
    }
  });

  it('has usage documentation in docs/', () => {
    const docs = path.join(dir, 'docs');
    expect(existsSync(docs)).toBe(true);
    expect(listFiles(docs).filter((file) => !file.endsWith('/'))).not.toEqual([]);
  });

  it('uses printable ASCII file names only', () => {
    for (const file of listFiles(dir)) {
      expect(file).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('marks its scripts executable', () => {
    const scripts = path.join(dir, 'scripts');
    if (!existsSync(scripts)) return;
    for (const file of listFiles(scripts).filter((f) => !f.endsWith('/'))) {
      expect(statSync(path.join(scripts, file)).mode & 0o111, file).not.toBe(0);
    }
  });

  it('gives Roundtable a system prompt of at least 20 words, if it has a roundtable block', () => {
    const roundtable = manifest.extensions?.roundtable;
    if (roundtable === undefined) return;
    expect(String(roundtable.systemPrompt).trim().split(/\s+/).length).toBeGreaterThanOrEqual(20);
  });

  it('describes exactly one Chat Completions tool, if it has .skill/openai.json', () => {
    const file = path.join(dir, '.skill/openai.json');
    if (!existsSync(file)) return;
    const tool = JSON.parse(readFileSync(file, 'utf8')) as {
      type?: unknown;
      function?: { name?: unknown; description?: unknown; parameters?: { type?: unknown } };
    };
    expect(Object.keys(tool)).toEqual(['type', 'function']);
    expect(tool.type).toBe('function');
    expect(tool.function?.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(typeof tool.function?.description).toBe('string');
    expect(tool.function?.parameters?.type).toBe('object');
  });
});
