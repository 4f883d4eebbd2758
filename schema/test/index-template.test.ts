import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIndexConfig, serializeIndexConfig, type IndexConfig } from '../src/lines/index.js';

/*
 * index-template/ is the first contents of a new index repository (DESIGN §1). Its config.json
 * holds a placeholder `"{{key}}"` for every value but `format`; filling one replaces the whole
 * string, quotes included, with the JSON text of the value (docs/INDEX_FORMAT.md, "The index
 * template").
 */

const TEMPLATE_DIR = new URL('../../index-template/', import.meta.url);

function templateFile(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(name, TEMPLATE_DIR)));
}

const PLACEHOLDER = /"\{\{([a-z_]+)\}\}"/g;

/** Replaces each `"{{key}}"` by the JSON of values[key]; an unknown or missing key is an error. */
function fill(template: string, values: Readonly<Record<string, unknown>>): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    if (!Object.hasOwn(values, key)) throw new Error(`no value for the placeholder {{${key}}}`);
    return JSON.stringify(values[key]);
  });
}

const TEMPLATE = templateFile('config.json').toString('utf8');

const FILLED: Omit<IndexConfig, 'format'> = {
  epoch: '2025-01-10',
  name: 'Example Registry',
  url: 'https://skills.example.com/index/',
  dl: 'https://skills.example.com/dl/{prefix}/{name}/{name}-{version}.tgz',
  sig: null,
  api: 'https://skills.example.com/api/v1',
  signing_key: 'C0FFEE0123456789ABCDEF0123456789ABCDEF01',
  auth_required: false,
};

describe('index-template', () => {
  it('has a .gitattributes of exactly "* -text" and a newline', () => {
    expect(templateFile('.gitattributes')).toEqual(Buffer.from('* -text\n', 'latin1'));
  });

  it('has a config.json that is itself valid JSON', () => {
    expect(() => JSON.parse(TEMPLATE) as unknown).not.toThrow();
  });

  it('has a placeholder named after its field for every config field but format', () => {
    const template = JSON.parse(TEMPLATE) as Record<string, unknown>;
    const keys = Object.keys(template);
    expect(keys).toEqual([
      'format',
      'epoch',
      'name',
      'url',
      'dl',
      'sig',
      'api',
      'signing_key',
      'auth_required',
    ]);
    expect(template['format']).toBe(1);
    for (const key of keys.slice(1)) expect(template[key]).toBe(`{{${key}}}`);
  });

  it('parses with parseIndexConfig once filled, and serialises to the canonical form', () => {
    const config = parseIndexConfig(fill(TEMPLATE, FILLED));
    expect(config).toEqual({ format: 1, ...FILLED });
    expect(serializeIndexConfig(config).toString('latin1')).toBe(JSON.stringify({ format: 1, ...FILLED }));
  });

  it('takes null, relative templates and true when filled', () => {
    const values = {
      ...FILLED,
      url: 'http://127.0.0.1:8080/index/',
      dl: 'tarballs/{prefix}/{name}/{version}.tgz',
      sig: 'tarballs/{prefix}/{name}/{version}.tgz.asc',
      api: null,
      signing_key: null,
      auth_required: true,
    };
    expect(parseIndexConfig(fill(TEMPLATE, values))).toEqual({ format: 1, ...values });
  });

  it('does not parse with its placeholders left in', () => {
    expect(() => parseIndexConfig(TEMPLATE)).toThrow(
      expect.objectContaining({ code: 'INDEX_CONFIG_INVALID' }),
    );
  });

  it('has a README naming the format and the format document', () => {
    const readme = templateFile('README.md').toString('utf8');
    expect(readme).toContain('format version 1');
    expect(readme).toContain('docs/INDEX_FORMAT.md');
    expect(readme).toMatch(/do not edit it by hand/i);
  });
});
