import { describe, expect, it } from 'vitest';
import type { Issue } from '../src/errors.js';
import { MANIFEST_SCHEMA, parseManifest, validateManifest } from '../src/manifest.js';

const base = 'name: code-review\nversion: "1.2.0"\n';
const issue = (path: string, code: Issue['code'], message: string | RegExp): Issue =>
  ({ path, code, message: typeof message === 'string' ? message : expect.stringMatching(message) }) as Issue;

describe('skill.yaml', () => {
  it('accepts a complete manifest', () => {
    const text = `${base}description: Reviews code.
license: MIT OR Apache-2.0
authors: ["Ada Lovelace <ada@example.com>"]
keywords: [review, code-quality]
repository: https://github.com/example/code-review
homepage: https://example.com/
dependencies:
  conventional-commits: "^1.0.0"
  changelog-writer: ~1.2.0
files: ["docs/**", "scripts/*.sh"]
extensions:
  roundtable: { domain: engineering, expertiseAreas: [review] }
  other-agent: { anything: [1, 2] }
`;
    const result = parseManifest(text);
    expect(result.errors).toEqual([]);
    expect(result.manifest).toMatchObject({
      name: 'code-review',
      dependencies: { 'changelog-writer': '~1.2.0' },
    });
  });

  it('accepts the minimal manifest', () => {
    expect(parseManifest(base)).toEqual({
      manifest: { name: 'code-review', version: '1.2.0' },
      errors: [],
      warnings: [],
    });
  });

  const invalid: [string, string, Issue[]][] = [
    [
      'a missing version',
      'name: a\n',
      [issue('skill.yaml:version', 'VERSION_INVALID', 'the field "version" is required')],
    ],
    [
      'an unquoted version',
      'name: a\nversion: 1.0\n',
      [
        issue(
          'skill.yaml:version',
          'VERSION_INVALID',
          '"version" must be a string, but YAML read it as a number: quote it',
        ),
      ],
    ],
    [
      'a date as version',
      'name: a\nversion: 2024-01-01\n',
      [
        issue(
          'skill.yaml:version',
          'VERSION_INVALID',
          '"version" must be a string, but YAML read it as a date: quote it',
        ),
      ],
    ],
    [
      'a v-prefixed version',
      'name: a\nversion: v1.0.0\n',
      [issue('skill.yaml:version', 'VERSION_INVALID', /not a valid version/)],
    ],
    [
      'an uppercase name',
      'name: Abc\nversion: "1.0.0"\n',
      [issue('skill.yaml:name', 'NAME_INVALID', /lowercase/)],
    ],
    [
      'a reserved name',
      'name: registry\nversion: "1.0.0"\n',
      [issue('skill.yaml:name', 'NAME_RESERVED', /reserved/)],
    ],
    [
      'an unknown field',
      `${base}colour: blue\n`,
      [issue('skill.yaml:colour', 'MANIFEST_INVALID', 'unknown field "colour"')],
    ],
    [
      'a bad dependency range',
      `${base}dependencies:\n  foo: latest\n`,
      [issue('skill.yaml:dependencies.foo', 'RANGE_INVALID', /not a valid range/)],
    ],
    [
      'an unquoted numeric range',
      `${base}dependencies:\n  foo: 1\n`,
      [issue('skill.yaml:dependencies.foo', 'RANGE_INVALID', /number: quote it/)],
    ],
    [
      'a self-dependency',
      `${base}dependencies:\n  code-review: "^1.0.0"\n`,
      [issue('skill.yaml:dependencies.code-review', 'MANIFEST_INVALID', 'a skill cannot depend on itself')],
    ],
    [
      'a bad keyword',
      `${base}keywords: [Bad_Word]\n`,
      [issue('skill.yaml:keywords.0', 'MANIFEST_INVALID', /lowercase letters/)],
    ],
    [
      'an http repository',
      `${base}repository: http://x.org/\n`,
      [issue('skill.yaml:repository', 'MANIFEST_INVALID', /https/)],
    ],
    [
      'a bad author',
      `${base}authors: ["nobody"]\n`,
      [issue('skill.yaml:authors.0', 'MANIFEST_INVALID', /Name <email/)],
    ],
    [
      'a description with a newline',
      `${base}description: "two\\nlines"\n`,
      [issue('skill.yaml:description', 'MANIFEST_INVALID', /control characters/)],
    ],
    [
      'too many keywords',
      `${base}keywords: [${Array.from({ length: 21 }, (_, i) => `k${i}`).join(', ')}]\n`,
      [issue('skill.yaml:keywords', 'MANIFEST_INVALID', /more than 20/)],
    ],
    [
      'a roundtable block without a domain',
      `${base}extensions:\n  roundtable: { name: x }\n`,
      [
        issue(
          'skill.yaml:extensions.roundtable.domain',
          'MANIFEST_INVALID',
          'the field "domain" is required',
        ),
      ],
    ],
    [
      'a list instead of a mapping',
      '- a\n- b\n',
      [issue('skill.yaml', 'MANIFEST_INVALID', 'skill.yaml must be a mapping of fields')],
    ],
    ['duplicate keys', `${base}name: b\n`, [issue('skill.yaml', 'MANIFEST_INVALID', /unique/)]],
    ['broken YAML', 'name: [a\n', [issue('skill.yaml', 'MANIFEST_INVALID', /not valid YAML.*line/)]],
  ];

  it.each(invalid)('refuses %s', (_label, text, expected) => {
    const result = parseManifest(text);
    expect(result.manifest).toBeNull();
    expect(result.errors).toEqual(expected);
  });

  it('refuses a manifest larger than 64 KiB', () => {
    expect(parseManifest(`${base}# ${'x'.repeat(70_000)}\n`).errors[0]?.message).toMatch(
      /larger than 64 KiB/,
    );
  });

  it('refuses alias bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i += 1)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      );
    expect(parseManifest(`${base}${lines.join('\n')}\n`).errors).toHaveLength(1);
  });

  it('only warns about unknown fields when loading', () => {
    const result = parseManifest(`${base}future-field: 1\n`, 'load');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      issue('skill.yaml:future-field', 'MANIFEST_INVALID', 'unknown field "future-field"'),
    ]);
    expect(result.manifest?.name).toBe('code-review');
  });

  it('refuses a value that is not a mapping', () => {
    expect(validateManifest(null).errors[0]?.code).toBe('MANIFEST_INVALID');
  });

  it('publishes its JSON Schema', () => {
    expect(MANIFEST_SCHEMA).toMatchObject({ title: 'skill.yaml', required: ['name', 'version'] });
  });
});
