import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSkill, loadSkills } from '../src/index.js';
import { BODY, sandbox, sha256 } from './helpers.js';

const TOOL = {
  type: 'function',
  function: {
    name: 'audit_dependencies',
    description: 'Audits.',
    parameters: { type: 'object', properties: {} },
  },
};

describe('loadSkills', () => {
  it('adds the body, the manifest, the file list, extensions and the OpenAI tool', async () => {
    const box = sandbox();
    const dir = box.global.install({
      name: 'audit',
      version: '0.4.1',
      description: 'Audits dependencies.',
      manifest: 'keywords: [security, deps]\nextensions:\n  roundtable:\n    domain: security\n',
      files: { '.skill/openai.json': JSON.stringify(TOOL), 'scripts/run.sh': 'echo hi\n' },
    });
    const { skills, diagnostics } = await loadSkills(box.options);
    expect(diagnostics).toEqual([]);
    expect(skills).toEqual([
      {
        name: 'audit',
        description: 'Audits dependencies.',
        version: '0.4.1',
        dir,
        scope: 'global',
        digest: sha256('audit@0.4.1.tgz'),
        frontmatter: { name: 'audit', description: 'Audits dependencies.' },
        body: BODY,
        manifest: {
          name: 'audit',
          version: '0.4.1',
          keywords: ['security', 'deps'],
          extensions: { roundtable: { domain: 'security' } },
        },
        files: ['.skill/openai.json', 'SKILL.md', 'docs/usage.md', 'scripts/run.sh', 'skill.yaml'],
        extensions: { roundtable: { domain: 'security' } },
        openaiTool: TOOL,
        integrity: 'unchecked',
      },
    ]);
  });

  it('gives {} for extensions and null for the tool when the skill has neither', async () => {
    const box = sandbox();
    box.global.install({ name: 'plain', version: '1.0.0' });
    const { skills } = await loadSkills(box.options);
    expect(skills[0]).toMatchObject({ extensions: {}, openaiTool: null });
  });

  it('reports skill.yaml and SKILL.md naming different skills', async () => {
    const box = sandbox();
    box.global.install({ name: 'one', version: '1.0.0', skillYaml: "name: two\nversion: '1.0.0'\n" });
    box.global.install({ name: 'fine', version: '1.0.0' });
    const { skills, diagnostics } = await loadSkills(box.options);
    expect(skills.map((s) => s.name)).toEqual(['fine']);
    expect(diagnostics).toMatchObject([
      {
        code: 'SKILL_MANIFEST_MISMATCH',
        severity: 'error',
        skill: 'one',
        field: 'skill.yaml:name',
        message: 'skill.yaml of one@1.0.0 names "two" but SKILL.md and index.json name "one"',
      },
    ]);
  });

  it('reports a skill.yaml whose version is not the recorded one', async () => {
    const box = sandbox();
    box.global.install({ name: 'one', version: '1.0.0', skillYaml: "name: one\nversion: '1.0.1'\n" });
    const { diagnostics } = await loadSkills(box.options);
    expect(diagnostics).toMatchObject([{ code: 'SKILL_MANIFEST_MISMATCH', field: 'skill.yaml:version' }]);
  });

  it.each([
    ['broken YAML', 'name: [x\n', 'MANIFEST_INVALID', /not valid YAML/],
    ['a list', '- a\n', 'MANIFEST_INVALID', /not a mapping/],
    [
      'keywords that are no list',
      "name: m\nversion: '1.0.0'\nkeywords: security\n",
      'MANIFEST_INVALID',
      /"keywords"/,
    ],
    [
      'an extension that is no mapping',
      "name: m\nversion: '1.0.0'\nextensions:\n  x: 1\n",
      'MANIFEST_INVALID',
      /"extensions"/,
    ],
  ])('reports a skill.yaml that is %s', async (_label, skillYaml, code, message) => {
    const box = sandbox();
    box.global.install({ name: 'm', version: '1.0.0', skillYaml });
    const { skills, diagnostics } = await loadSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics).toMatchObject([{ code, severity: 'error', message: expect.stringMatching(message) }]);
  });

  it('reports a missing skill.yaml and a SKILL.md over 512 KiB', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'noyaml', version: '1.0.0' });
    unlinkSync(path.join(dir, 'skill.yaml'));
    box.global.install({
      name: 'big',
      version: '1.0.0',
      skillMd: `---\nname: big\ndescription: b\n---\n${'x'.repeat(513 * 1024)}`,
    });
    const { diagnostics } = await loadSkills(box.options);
    expect(diagnostics).toMatchObject([
      { code: 'SKILL_MD_INVALID', skill: 'big', message: expect.stringMatching(/512 KiB/) },
      { code: 'SKILL_FILE_MISSING', skill: 'noyaml', path: path.join(dir, 'skill.yaml') },
    ]);
  });

  it('loads a skill whose openai.json is invalid or unreadable, without the tool', async () => {
    const box = sandbox();
    box.global.install({
      name: 'badtool',
      version: '1.0.0',
      files: { '.skill/openai.json': '{"type":"x"}' },
    });
    const dir = box.global.install({ name: 'dirtool', version: '1.0.0' });
    mkdirSync(path.join(dir, '.skill/openai.json'), { recursive: true });
    const { skills, diagnostics } = await loadSkills(box.options);
    expect(skills.map((s) => [s.name, s.openaiTool])).toEqual([
      ['badtool', null],
      ['dirtool', null],
    ]);
    expect(diagnostics).toMatchObject([
      { code: 'PACKAGE_INVALID', severity: 'warning', skill: 'badtool', field: '.skill/openai.json' },
      { code: 'SKILL_FILE_UNREADABLE', severity: 'warning', skill: 'dirtool' },
    ]);
  });

  it('reports a broken files map', async () => {
    const box = sandbox();
    box.global.install({ name: 'nofiles', version: '1.0.0' });
    box.global.install({ name: 'escape', version: '1.0.0' });
    delete (box.global.records.nofiles!.versions['1.0.0'] as { files?: unknown }).files;
    box.global.records.escape!.versions['1.0.0']!.files['../../etc/passwd'] = sha256('x');
    box.global.writeIndex();
    const { skills, diagnostics } = await loadSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics).toMatchObject([
      { code: 'INSTALLED_ENTRY_INVALID', skill: 'escape', message: expect.stringMatching(/etc\/passwd/) },
      { code: 'INSTALLED_ENTRY_INVALID', skill: 'nofiles', message: expect.stringMatching(/no "files"/) },
    ]);
  });
});

describe('loadSkills with the integrity check', () => {
  it('marks a skill whose files all match as verified', async () => {
    const box = sandbox();
    box.global.install({
      name: 'clean',
      version: '1.0.0',
      files: { '.skill/openai.json': JSON.stringify(TOOL) },
    });
    const { skills, diagnostics } = await loadSkills({ ...box.options, integrity: true });
    expect(diagnostics).toEqual([]);
    expect(skills).toMatchObject([{ name: 'clean', integrity: 'verified' }]);
  });

  it('leaves out a skill with a changed file, and names the file and both digests', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'changed', version: '1.0.0' });
    box.global.install({ name: 'clean', version: '1.0.0' });
    const recorded = sha256('# changed\n');
    writeFileSync(path.join(dir, 'docs/usage.md'), '# tampered\n');
    const { skills, diagnostics } = await loadSkills({ ...box.options, integrity: true });
    expect(skills.map((s) => s.name)).toEqual(['clean']);
    expect(diagnostics).toEqual([
      {
        code: 'SKILL_DIGEST_MISMATCH',
        severity: 'error',
        message: `docs/usage.md of changed@1.0.0 has sha256 ${sha256('# tampered\n')}, but index.json records ${recorded}`,
        hint: 'The file was changed after install: run `skills verify`, then reinstall the skill.',
        skill: 'changed',
        version: '1.0.0',
        scope: 'global',
        path: path.join(dir, 'docs/usage.md'),
      },
    ]);
  });

  it('checks SKILL.md from the bytes it read', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'md', version: '1.0.0' });
    writeFileSync(path.join(dir, 'SKILL.md'), '---\nname: md\ndescription: Changed.\n---\nbody\n');
    const unchecked = await loadSkills(box.options);
    expect(unchecked.skills).toMatchObject([{ description: 'Changed.', integrity: 'unchecked' }]);
    const checked = await loadSkills({ ...box.options, integrity: true });
    expect(checked.skills).toEqual([]);
    expect(checked.diagnostics).toMatchObject([
      { code: 'SKILL_DIGEST_MISMATCH', path: path.join(dir, 'SKILL.md') },
    ]);
  });

  it('reports recorded files that are missing or unreadable, and files and links nobody recorded', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'messy', version: '1.0.0', files: { 'references/a.md': 'a\n' } });
    rmSync(path.join(dir, 'docs'), { recursive: true });
    unlinkSync(path.join(dir, 'references/a.md'));
    mkdirSync(path.join(dir, 'references/a.md'));
    writeFileSync(path.join(dir, 'scripts.sh'), 'evil\n');
    symlinkSync('/etc/hostname', path.join(dir, 'link'));
    const { skills, diagnostics } = await loadSkills({ ...box.options, integrity: true });
    expect(skills).toEqual([]);
    expect(diagnostics.map((d) => [d.code, path.relative(dir, d.path ?? '')])).toEqual([
      ['SKILL_FILE_MISSING', 'docs/usage.md'],
      ['SKILL_FILE_UNREADABLE', 'references/a.md'],
      ['SKILL_FILE_UNRECORDED', 'link'],
      ['SKILL_FILE_UNRECORDED', 'scripts.sh'],
    ]);
  });
});

describe('loadSkill', () => {
  it('loads one skill by name, from the project first', async () => {
    const box = sandbox();
    box.global.install({ name: 'shared', version: '1.0.0' });
    box.global.install({ name: 'other', version: '1.0.0' });
    box.project.install({ name: 'shared', version: '2.0.0' });
    const result = await loadSkill('shared', box.options);
    expect(result.skill).toMatchObject({ name: 'shared', version: '2.0.0', scope: 'project' });
    expect(result.diagnostics).toEqual([]);
    expect(result.project).toBe(box.projectDir);
  });

  it('answers null with a diagnostic for a skill that is not installed', async () => {
    const box = sandbox();
    const result = await loadSkill('../../etc', box.options);
    expect(result.skill).toBeNull();
    expect(result.diagnostics).toMatchObject([{ code: 'SKILL_NOT_INSTALLED', skill: '../../etc' }]);
  });

  it('answers null with the reason for a broken skill', async () => {
    const box = sandbox();
    box.global.install({ name: 'half', version: '1.0.0', noMarker: true });
    expect(await loadSkill('half', box.options)).toMatchObject({
      skill: null,
      diagnostics: [{ code: 'SKILL_MARKER_MISSING' }],
    });
  });
});
