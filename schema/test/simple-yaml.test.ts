import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitFrontmatter } from '../src/skill-md-core.js';
import { parseSimpleYaml } from '../src/simple-yaml.js';
import { parseYaml } from '../src/yaml-text.js';

const full = (text: string) => parseYaml(text, 'SKILL.md', 'SKILL_MD_INVALID');

const KEYS = [
  'name',
  'description',
  'metadata',
  'a',
  'Key_1',
  'k-2',
  'yes',
  'On',
  'null',
  'N',
  '1a',
  '_x',
  'e0',
  'E5',
];
const SEPARATORS = [': ', ':', ':  ', ' : ', ':\t'];
const VALUES = [
  'plain text',
  'Bash(git:*) Read Grep',
  'http://example.com/a?b=c',
  'a: b',
  'a #b',
  'C# and F#',
  'x:',
  "'quoted'",
  "'it''s'",
  "'a' b",
  "'unclosed",
  '"dq"',
  '"a\\nb"',
  '"a"b"',
  '""',
  "''",
  'yes',
  'No',
  'OFF',
  'Null',
  'y',
  'e0',
  'E+3',
  'e1x',
  '~',
  '1.0',
  '2024-01-01',
  '0x1f',
  '.inf',
  '-a',
  '- item',
  '[a]',
  'a [b]',
  '{a: 1}',
  'a, b; c',
  '&anchor x',
  '*alias',
  '!tag x',
  '|',
  '>-',
  '@x',
  '`x`',
  '%x',
  '?x',
  'a ? b',
  'a - b',
  "it's",
  'say "hi"',
  'trailing   ',
  'é ü ß',
  'a\u2028b',
  'a\u0085b',
  '\ufeffbom',
  'emoji \u{1f600}',
  '<< x',
  '= x',
  '',
];
const LINES = ['# comment', '  # indented comment', '', '   ', '---', '...', '- a', '? a', '#'];
const INDENTS = ['', '', '', ' ', '  ', '  ', '    ', '\t'];

// Mostly the shapes the fast path takes, with enough hostile pieces mixed in to reach every refusal.
const pick = <T>(common: readonly T[], rare: readonly T[]) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...common) },
    { weight: 1, arbitrary: fc.constantFrom(...rare) },
  );
const entryLine = fc
  .tuple(
    pick(['', '', '  '], INDENTS),
    pick(KEYS.slice(0, 6), KEYS),
    pick([': '], SEPARATORS),
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...VALUES.slice(0, 3), "'it''s'", '"dq"', "it's", 'say "hi"') },
      { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
      { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z'"][ -~]{0,14}$/) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'grapheme' }) },
    ),
  )
  .map(([indent, key, separator, value]) => `${indent}${key}${separator}${value}`);
const line = fc.oneof(
  { weight: 8, arbitrary: entryLine },
  { weight: 1, arbitrary: fc.constantFrom(...LINES) },
);
const frontmatter = fc.array(line, { minLength: 1, maxLength: 6 }).map((lines) => `${lines.join('\n')}\n`);

describe('parseSimpleYaml', () => {
  it('returns exactly what the YAML parser returns, for every text it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(frontmatter, (text) => {
        const simple = parseSimpleYaml(text);
        if (simple === undefined) return;
        accepted++;
        const parsed = full(text);
        expect(parsed.errors).toEqual([]);
        expect(simple).toEqual(parsed.value);
      }),
      { numRuns: 5000 },
    );
    // The generator must reach the accepting paths, or the property says nothing.
    expect(accepted).toBeGreaterThan(150);
  });

  it('reads the common frontmatter shape, nested metadata included', () => {
    const text = [
      '# a comment',
      'name: code-review',
      "description: Reviews a change (a PR, a diff). Use when it's time to review.",
      'license: MIT',
      '',
      'metadata:',
      '  author: Skills Examples',
      "  quoted: 'a: b # c'",
      '  double: "x, y"',
      'allowed-tools: Bash(git:*) Read',
      '',
    ].join('\n');
    const expected = {
      name: 'code-review',
      description: "Reviews a change (a PR, a diff). Use when it's time to review.",
      license: 'MIT',
      metadata: { author: 'Skills Examples', quoted: 'a: b # c', double: 'x, y' },
      'allowed-tools': 'Bash(git:*) Read',
    };
    expect(parseSimpleYaml(text)).toEqual(expected);
    expect(full(text).value).toEqual(expected);
  });

  it.each([
    ['a key without a value', 'name: a\nmetadata:\n'],
    ['a continued plain scalar', 'description: one\n  two\n'],
    ['uneven nesting', 'metadata:\n  a: b\n    c: d\n'],
    ['a second level', 'metadata:\n  a:\n    b: c\n'],
    ['a duplicate key', 'name: a\nname: b\n'],
    ['a duplicate nested key', 'metadata:\n  a: b\n  a: c\n'],
    ['a number', 'name: 1.0\n'],
    ['a boolean', 'name: yes\n'],
    ['a boolean key', 'on: x\n'],
    ['a block scalar', 'description: >-\n  text\n'],
    ['a flow mapping', 'metadata: {a: b}\n'],
    ['an escape', 'description: "a\\tb"\n'],
    ['a comment after a value', 'name: a # b\n'],
    ['an indented comment', 'metadata:\n  # c\n  a: b\n'],
    ['a tab', 'name:\ta\n'],
    ['a carriage return', 'name: a\r\n'],
    ['only comments', '# nothing\n'],
  ])('leaves %s to the full parser', (_label, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('accepts the frontmatter of every example skill', () => {
    const root = new URL('../../examples/', import.meta.url);
    const folders = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    let read = 0;
    for (const folder of folders) {
      let text: string;
      try {
        text = readFileSync(new URL(`${folder.name}/SKILL.md`, root), 'utf8');
      } catch {
        continue; // not a skill package
      }
      const split = splitFrontmatter(text);
      expect(split, folder.name).not.toBeNull();
      const simple = parseSimpleYaml(split?.yaml ?? '');
      expect(simple, folder.name).toBeDefined();
      expect(simple).toEqual(full(split?.yaml ?? '').value);
      read++;
    }
    expect(read).toBeGreaterThanOrEqual(6);
  });
});
