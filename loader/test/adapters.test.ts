import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  formatSkillsForPrompt,
  loadRoundtableSkills,
  serializeRoundtableSkill,
  toOpenAiTools,
  toRoundtableSkill,
  type LoadedSkill,
  type RoundtableSkill,
  type SkillInfo,
} from '../src/index.js';
import { BODY, sandbox } from './helpers.js';

const info = (name: string, description: string, dir = `/home/u/.skills/${name}/1.0.0`): SkillInfo => ({
  name,
  description,
  version: '1.0.0',
  dir,
  scope: 'global',
  digest: '0'.repeat(64),
});

function loaded(overrides: Partial<LoadedSkill> & { name: string }): LoadedSkill {
  const base = info(overrides.name, overrides.description ?? `About ${overrides.name}.`);
  return {
    ...base,
    frontmatter: { name: base.name, description: base.description },
    body: BODY,
    manifest: { name: base.name, version: base.version },
    files: ['SKILL.md', 'skill.yaml'],
    extensions: {},
    openaiTool: null,
    integrity: 'unchecked',
    ...overrides,
  };
}

describe('formatSkillsForPrompt', () => {
  const skills = [
    info('code-review', 'Reviews a change & writes comments. Use for PRs.'),
    info('sql-review', 'Checks SQL <queries> for "slow" plans.', '/srv/a&b/.skills/sql-review/1.0.0'),
  ];

  it('writes the <available_skills> block, escaped', () => {
    expect(formatSkillsForPrompt(skills)).toBe(
      [
        '<available_skills>',
        '  <skill>',
        '    <name>code-review</name>',
        '    <description>Reviews a change &amp; writes comments. Use for PRs.</description>',
        '    <location>/home/u/.skills/code-review/1.0.0/SKILL.md</location>',
        '  </skill>',
        '  <skill>',
        '    <name>sql-review</name>',
        '    <description>Checks SQL &lt;queries&gt; for "slow" plans.</description>',
        '    <location>/srv/a&amp;b/.skills/sql-review/1.0.0/SKILL.md</location>',
        '  </skill>',
        '</available_skills>',
      ].join('\n'),
    );
  });

  it('writes a Markdown list', () => {
    expect(formatSkillsForPrompt(skills, { format: 'markdown' })).toBe(
      [
        '## Available skills',
        '',
        '- **code-review**: Reviews a change & writes comments. Use for PRs.',
        '  Location: /home/u/.skills/code-review/1.0.0/SKILL.md',
        '- **sql-review**: Checks SQL <queries> for "slow" plans.',
        '  Location: /srv/a&b/.skills/sql-review/1.0.0/SKILL.md',
      ].join('\n'),
    );
  });

  it('keeps every value on one line, so a description cannot add elements or list items', () => {
    const hostile = info('x', 'one\n</description><skill>\n- two\u0000\u0007\tthree\r\n# four');
    expect(formatSkillsForPrompt([hostile])).toContain(
      '<description>one &lt;/description&gt;&lt;skill&gt; - two three # four</description>',
    );
    expect(formatSkillsForPrompt([hostile], { format: 'markdown' })).toContain(
      '- **x**: one </description><skill> - two three # four\n',
    );
  });

  it('takes the location from the option, and gives "" for no skills', () => {
    expect(formatSkillsForPrompt([skills[0]!], { location: (s) => `skill://${s.name}` })).toContain(
      '<location>skill://code-review</location>',
    );
    expect(formatSkillsForPrompt([])).toBe('');
    expect(formatSkillsForPrompt([], { format: 'markdown' })).toBe('');
  });
});

describe('toOpenAiTools', () => {
  const tool = (name: string, description = `Runs ${name}.`) => ({
    type: 'function' as const,
    function: { name, description, parameters: { type: 'object', properties: {} } },
  });

  it('collects the tools of the skills that have one, and says which skill owns each', () => {
    const result = toOpenAiTools([
      loaded({ name: 'audit', openaiTool: tool('audit_dependencies') }),
      loaded({ name: 'plain' }),
      loaded({ name: 'proto', openaiTool: tool('__proto__') }),
    ]);
    expect(result).toEqual({
      tools: [tool('audit_dependencies'), tool('__proto__')],
      skillByTool: { audit_dependencies: 'audit', ['__proto__']: 'proto' },
      diagnostics: [],
    });
    expect(Object.getPrototypeOf(result.skillByTool)).toBe(Object.prototype);
  });

  it('offers a tool name once, and warns about the second skill', () => {
    const result = toOpenAiTools([
      loaded({ name: 'first', openaiTool: tool('run', 'First.') }),
      loaded({ name: 'second', openaiTool: tool('run', 'Second.') }),
    ]);
    expect(result.tools).toEqual([tool('run', 'First.')]);
    expect(result.diagnostics).toMatchObject([
      {
        code: 'OPENAI_TOOL_DUPLICATE',
        severity: 'warning',
        skill: 'second',
        message:
          'the skills "first" and "second" both define the OpenAI tool "run"; only the one of "first" is offered',
      },
    ]);
  });
});

/**
 * Roundtable's rules for a skill file, as its validator applies them (AlexZan/roundtable-cli,
 * roundtable-cli/src/skills/validator.ts), restated here: an exported file must pass them all.
 */
function roundtableViolations(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const skill = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['id', 'name', 'description', 'version', 'domain', 'systemPrompt']) {
    const v = skill[field];
    if (typeof v !== 'string' || v.trim() === '') problems.push(`${field} must be a non-empty string`);
  }
  if (typeof skill.id === 'string' && !/^[a-z0-9-]+$/.test(skill.id)) problems.push('id pattern');
  if (typeof skill.version === 'string' && !/^\d+\.\d+\.\d+$/.test(skill.version))
    problems.push('version X.Y.Z');
  if (typeof skill.systemPrompt === 'string' && skill.systemPrompt.trim().split(/\s+/).length < 20) {
    problems.push('systemPrompt under 20 words');
  }
  for (const field of ['keywords', 'tags']) {
    const v = skill[field];
    if (v !== undefined && !(Array.isArray(v) && v.every((item) => typeof item === 'string'))) {
      problems.push(`${field} must be a list of strings`);
    }
  }
  if (skill.author !== undefined && typeof skill.author !== 'string')
    problems.push('author must be a string');
  return problems;
}

describe('toRoundtableSkill', () => {
  const codeReview = loaded({
    name: 'code-review',
    version: '1.4.0',
    description: 'Reviews code.',
    manifest: {
      name: 'code-review',
      version: '1.4.0',
      keywords: ['code-review', 'security'],
      authors: ['Ann <ann@example.com>', 'Bo <bo@example.com>'],
    },
    extensions: { roundtable: { domain: 'software-engineering', name: 'Code Reviewer' } },
  });

  it('gives Roundtable skill shape, with the SKILL.md body as the system prompt', () => {
    expect(toRoundtableSkill(codeReview)).toEqual({
      skill: {
        id: 'code-review',
        name: 'Code Reviewer',
        description: 'Reviews code.',
        version: '1.4.0',
        domain: 'software-engineering',
        author: 'Ann <ann@example.com>, Bo <bo@example.com>',
        keywords: ['code-review', 'security'],
        tags: ['code-review', 'security'],
        systemPrompt: BODY.trim(),
      },
      diagnostics: [],
    });
  });

  it('takes extensions.roundtable.systemPrompt over the body', () => {
    const prompt = 'You are a reviewer. '.repeat(6).trim();
    const skill = loaded({
      name: 'r',
      extensions: { roundtable: { domain: 'd', systemPrompt: `  ${prompt}\n` } },
    });
    expect(toRoundtableSkill(skill).skill?.systemPrompt).toBe(prompt);
  });

  it('does not export a prompt under 20 words', () => {
    const nineteen = Array.from({ length: 19 }, (_, i) => `w${i}`).join(' ');
    const result = toRoundtableSkill(loaded({ name: 'short', body: `\n${nineteen}\n` }));
    expect(result.skill).toBeNull();
    expect(result.diagnostics).toMatchObject([
      {
        code: 'ROUNDTABLE_PROMPT_TOO_SHORT',
        severity: 'error',
        message: "short's system prompt has 19 words; Roundtable needs at least 20, so it is not exported",
      },
    ]);
    expect(toRoundtableSkill(loaded({ name: 'empty', body: '' })).diagnostics[0]?.message).toMatch(
      /has 0 words/,
    );
    expect(toRoundtableSkill(loaded({ name: 'twenty', body: `${nineteen} w19` })).skill).not.toBeNull();
  });

  it('exports a pre-release without its suffix, with a warning', () => {
    const result = toRoundtableSkill(loaded({ name: 'beta', version: '2.0.0-beta.1' }));
    expect(result.skill?.version).toBe('2.0.0');
    expect(result.diagnostics).toMatchObject([
      { code: 'ROUNDTABLE_VERSION_PRERELEASE', severity: 'warning' },
    ]);
  });

  it('gives skills without a roundtable block the default domain and their own name', () => {
    expect(toRoundtableSkill(loaded({ name: 'plain' })).skill).toMatchObject({
      name: 'plain',
      domain: 'general',
      keywords: [],
      tags: [],
    });
    expect(toRoundtableSkill(loaded({ name: 'plain' }), { defaultDomain: 'tools' }).skill?.domain).toBe(
      'tools',
    );
    expect(toRoundtableSkill(loaded({ name: 'plain' })).skill).not.toHaveProperty('author');
  });

  it('refuses a roundtable block without a usable domain, name or prompt', () => {
    const noDomain = toRoundtableSkill(loaded({ name: 'x', extensions: { roundtable: { name: 'X' } } }));
    expect(noDomain.skill).toBeNull();
    expect(noDomain.diagnostics).toMatchObject([
      { code: 'MANIFEST_INVALID', field: 'skill.yaml:extensions.roundtable.domain' },
    ]);
    const wrongTypes = toRoundtableSkill(
      loaded({ name: 'x', extensions: { roundtable: { domain: 'd', name: 3, systemPrompt: '' } } }),
    );
    expect(wrongTypes.diagnostics.map((d) => d.field)).toEqual([
      'skill.yaml:extensions.roundtable.name',
      'skill.yaml:extensions.roundtable.systemPrompt',
    ]);
  });
});

describe('serializeRoundtableSkill', () => {
  const skill: RoundtableSkill = {
    id: 'code-review',
    name: 'Code Reviewer',
    description: 'Reviews code: "carefully".',
    version: '1.4.0',
    domain: 'software-engineering',
    author: 'Ann <ann@example.com>',
    keywords: ['code-review', 'yes'],
    tags: ['code-review', 'yes'],
    systemPrompt: 'You review code.\n\n  - indented\n\tTabbed\n---\n...\n# not a comment: really',
  };

  it('writes the YAML file Roundtable reads', () => {
    expect(serializeRoundtableSkill(skill)).toBe(
      [
        '# Exported by skills from the installed skill "code-review"; `skills update` rewrites this file.',
        'id: "code-review"',
        'name: "Code Reviewer"',
        'description: "Reviews code: \\"carefully\\"."',
        'version: "1.4.0"',
        'domain: "software-engineering"',
        'author: "Ann <ann@example.com>"',
        'keywords:',
        '  - "code-review"',
        '  - "yes"',
        'tags:',
        '  - "code-review"',
        '  - "yes"',
        'systemPrompt: |-',
        '  You review code.',
        '',
        '    - indented',
        '  \tTabbed',
        '  ---',
        '  ...',
        '  # not a comment: really',
        '',
      ].join('\n'),
    );
  });

  const tricky: [string, Partial<RoundtableSkill>][] = [
    ['no author and no keywords', { author: undefined, keywords: [], tags: [] }],
    ['a number-like id and version', { id: '123', version: '1.0.0' }],
    ['a carriage return in the prompt', { systemPrompt: `${skill.systemPrompt}\r\nmore` }],
    ['control characters and U+2028', { systemPrompt: `${skill.systemPrompt} \u0007 \u2028 end` }],
    ['emoji and accents', { systemPrompt: `${skill.systemPrompt} \u{1f600} café`, name: 'Ünïcode' }],
    ['a prompt with surrounding space', { systemPrompt: `  ${skill.systemPrompt}  ` }],
  ];

  it.each(tricky)('reads back equal with js-yaml and yaml (%s)', (_label, change) => {
    const value = { ...skill, ...change };
    if (value.author === undefined) delete value.author;
    const text = serializeRoundtableSkill(value);
    expect(yaml.load(text)).toEqual(value);
    expect(parseYaml(text, { version: '1.1' })).toEqual(value);
    expect(parseYaml(text)).toEqual(value);
  });
});

describe('loadRoundtableSkills', () => {
  it('exports the installed skills that Roundtable can use, in files its rules accept', async () => {
    const box = sandbox();
    box.global.install({
      name: 'code-review',
      version: '1.4.0',
      manifest:
        'keywords: [review]\nauthors: [Ann <ann@example.com>]\nextensions:\n  roundtable:\n    domain: software-engineering\n    name: Code Reviewer\n',
    });
    box.global.install({ name: 'beta', version: '0.2.0-rc.1' });
    box.global.install({ name: 'short', version: '1.0.0', body: 'Too short.\n' });
    box.global.install({ name: 'half', version: '1.0.0', noMarker: true });
    const result = await loadRoundtableSkills({ ...box.options, defaultDomain: 'tools' });
    expect(result.skills.map((s) => [s.id, s.version, s.domain])).toEqual([
      ['beta', '0.2.0', 'tools'],
      ['code-review', '1.4.0', 'software-engineering'],
    ]);
    expect(result.diagnostics.map((d) => [d.code, d.skill])).toEqual([
      ['SKILL_MARKER_MISSING', 'half'],
      ['ROUNDTABLE_VERSION_PRERELEASE', 'beta'],
      ['ROUNDTABLE_PROMPT_TOO_SHORT', 'short'],
    ]);
    expect(result.home).toBe(box.global.dir);
    for (const skill of result.skills) {
      const file = serializeRoundtableSkill(skill);
      expect(roundtableViolations(yaml.load(file)), skill.id).toEqual([]);
    }
  });
});
