import { describe, expect, it } from 'vitest';
import type { Issue } from '../src/errors.js';
import { parseSkillMd, parseSkillMdText } from '../src/skill-md.js';
import { parseYaml } from '../src/yaml-text.js';

const md = (frontmatter: string, body = '# Use\n\nDo the thing.\n') => `---\n${frontmatter}---\n${body}`;
const ok = 'name: code-review\ndescription: Reviews a change. Use when asked to review code.\n';
const issue = (path: string, message: RegExp, code: Issue['code'] = 'SKILL_MD_INVALID'): Issue =>
  ({ path, code, message: expect.stringMatching(message) }) as Issue;

describe('SKILL.md', () => {
  it('parses frontmatter and body', () => {
    const result = parseSkillMd(
      md(
        `${ok}license: MIT\ncompatibility: any agent\nmetadata: { team: tools }\nallowed-tools: Bash Read\n`,
      ),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.skillMd).toEqual({
      frontmatter: {
        name: 'code-review',
        description: 'Reviews a change. Use when asked to review code.',
        license: 'MIT',
        compatibility: 'any agent',
        metadata: { team: 'tools' },
        'allowed-tools': 'Bash Read',
      },
      body: '# Use\n\nDo the thing.\n',
    });
  });

  const invalid: [string, string, Issue[]][] = [
    ['no frontmatter', '# Title\n', [issue('SKILL.md', /must start with YAML frontmatter/)]],
    ['an unclosed frontmatter', `---\n${ok}`, [issue('SKILL.md', /must start with YAML frontmatter/)]],
    ['a missing name', md('description: x\n'), [issue('SKILL.md:name', /needs a "name"/)]],
    ['a missing description', md('name: a\n'), [issue('SKILL.md:description', /non-empty "description"/)]],
    [
      'a bad name',
      md('name: Code Review\ndescription: x\n'),
      [issue('SKILL.md:name', /not a valid name/, 'NAME_INVALID')],
    ],
    ['a version key', md(`${ok}version: 1.0.0\n`), [issue('SKILL.md:version', /belongs in skill.yaml/)]],
    ['an unknown key', md(`${ok}author: me\n`), [issue('SKILL.md:author', /allows only/)]],
    [
      'angle brackets in the description',
      md('name: a\ndescription: use <b>\n'),
      [issue('SKILL.md:description', /"<", ">"/)],
    ],
    [
      'a newline in the description',
      md('name: a\ndescription: "a\\nb"\n'),
      [issue('SKILL.md:description', /control characters/)],
    ],
    [
      'a long description',
      md(`name: a\ndescription: ${'d'.repeat(1025)}\n`),
      [issue('SKILL.md:description', /longer than 1024/)],
    ],
    [
      'a long compatibility',
      md(`${ok}compatibility: ${'c'.repeat(501)}\n`),
      [issue('SKILL.md:compatibility', /longer than 500/)],
    ],
    ['a numeric license', md(`${ok}license: 2\n`), [issue('SKILL.md:license', /must be a string/)]],
    [
      'non-string metadata',
      md(`${ok}metadata: { n: 1 }\n`),
      [issue('SKILL.md:metadata', /strings to strings/)],
    ],
    ['a list as frontmatter', md('- a\n'), [issue('SKILL.md', /mapping/)]],
    ['broken YAML', md('name: [a\n'), [issue('SKILL.md', /not valid YAML/)]],
    ['CRLF line endings', md(ok).replaceAll('\n', '\r\n'), [issue('SKILL.md', /CRLF/)]],
  ];

  it.each(invalid)('refuses %s when publishing', (_label, text, expected) => {
    const result = parseSkillMd(text, 'publish');
    expect(result.errors).toEqual(expected);
    expect(result.skillMd).toBeNull();
  });

  it('loads a sloppy skill with warnings instead of errors', () => {
    const result = parseSkillMd(md(`name: Code Review\ndescription: use <b>\nversion: 1.0.0\n`), 'load');
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.path)).toEqual([
      'SKILL.md:version',
      'SKILL.md:name',
      'SKILL.md:description',
    ]);
    expect(result.skillMd?.frontmatter.name).toBe('Code Review');
  });

  it('still refuses a skill without a description when loading', () => {
    expect(parseSkillMd(md('name: a\n'), 'load').errors).toHaveLength(1);
  });

  it('warns about an empty body', () => {
    expect(parseSkillMd(md(ok, '')).warnings).toEqual([issue('SKILL.md', /no instructions/)]);
  });

  it('refuses a SKILL.md larger than 512 KiB', () => {
    expect(parseSkillMd(md(ok, 'x'.repeat(600 * 1024))).errors).toEqual([
      issue('SKILL.md', /larger than 512 KiB/),
    ]);
  });
});

describe('parseSkillMdText', () => {
  it('parses a simple frontmatter without the YAML parser', () => {
    const result = parseSkillMdText(md(ok), { mode: 'load' });
    expect(result?.skillMd?.frontmatter.name).toBe('code-review');
  });

  it('asks for the YAML parser when the frontmatter needs it', () => {
    const text = md('name: a\ndescription: >-\n  folded\n');
    expect(parseSkillMdText(text, { mode: 'load' })).toBeUndefined();
    expect(parseSkillMdText(text, { mode: 'load', yaml: parseYaml }).skillMd?.frontmatter.description).toBe(
      'folded',
    );
  });

  it('skips the size and body rules on the head of a file', () => {
    const head = `---\n${ok}---\n`;
    expect(parseSkillMd(head, 'load').warnings).toEqual([issue('SKILL.md', /no instructions/)]);
    expect(parseSkillMdText(head, { mode: 'load', head: true })?.warnings).toEqual([]);
    const large = md(ok, 'x'.repeat(600 * 1024));
    expect(parseSkillMd(large).errors).toEqual([issue('SKILL.md', /larger than 512 KiB/)]);
    expect(parseSkillMdText(large, { head: true })?.errors).toEqual([]);
  });
});
