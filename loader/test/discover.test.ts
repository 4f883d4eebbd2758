import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSkills } from '../src/index.js';
import { InstalledTree, listTree, sandbox, sha256 } from './helpers.js';

const codes = (diagnostics: { code: string; severity: string }[]) =>
  diagnostics.map((d) => `${d.severity} ${d.code}`);

describe('discoverSkills', () => {
  it('lists a valid installed skill with its metadata', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'code-review', version: '1.4.0', description: 'Reviews code.' });
    const result = await discoverSkills(box.options);
    expect(result).toEqual({
      skills: [
        {
          name: 'code-review',
          description: 'Reviews code.',
          version: '1.4.0',
          dir,
          scope: 'global',
          digest: sha256('code-review@1.4.0.tgz'),
        },
      ],
      diagnostics: [],
      project: box.projectDir,
      home: box.global.dir,
    });
  });

  it('sorts skills by name and reads nothing but writes nothing', async () => {
    const box = sandbox();
    for (const name of ['zeta', 'alpha', 'mid-one']) box.global.install({ name, version: '1.0.0' });
    const before = listTree(box.root);
    const { skills } = await discoverSkills(box.options);
    expect(skills.map((s) => s.name)).toEqual(['alpha', 'mid-one', 'zeta']);
    expect(listTree(box.root)).toEqual(before);
  });

  it('takes the active version when two versions are installed', async () => {
    const box = sandbox();
    box.global.install({ name: 'tool', version: '1.0.0', description: 'Old.' });
    box.global.install({ name: 'tool', version: '2.0.0-rc.1', description: 'New.' });
    box.global.records.tool!.active = '1.0.0';
    box.global.writeIndex();
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toMatchObject([{ name: 'tool', version: '1.0.0', description: 'Old.' }]);
    expect(diagnostics).toEqual([]);
  });

  it('prefers the project over the global tree, and reads the other skills of both', async () => {
    const box = sandbox();
    box.global.install({ name: 'shared', version: '1.0.0', description: 'Global copy.' });
    box.global.install({ name: 'global-only', version: '1.0.0' });
    const projectCopy = box.project.install({
      name: 'shared',
      version: '0.9.0',
      description: 'Project copy.',
    });
    box.project.install({ name: 'project-only', version: '1.0.0' });
    const { skills } = await discoverSkills(box.options);
    expect(skills.map((s) => [s.name, s.scope, s.version])).toEqual([
      ['global-only', 'global', '1.0.0'],
      ['project-only', 'project', '1.0.0'],
      ['shared', 'project', '0.9.0'],
    ]);
    expect(skills[2]?.dir).toBe(projectCopy);
  });

  it('does not fall back to the global copy when the project copy is broken', async () => {
    const box = sandbox();
    box.global.install({ name: 'shared', version: '1.0.0' });
    box.project.install({ name: 'shared', version: '1.1.0', noMarker: true });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics).toMatchObject([
      {
        code: 'SKILL_MARKER_MISSING',
        severity: 'error',
        skill: 'shared',
        version: '1.1.0',
        scope: 'project',
      },
    ]);
  });

  it('reads only the scopes asked for', async () => {
    const box = sandbox();
    box.global.install({ name: 'g', version: '1.0.0' });
    box.project.install({ name: 'p', version: '1.0.0' });
    const globalOnly = await discoverSkills({ ...box.options, scopes: ['global'] });
    expect(globalOnly.skills.map((s) => s.name)).toEqual(['g']);
    expect(globalOnly.project).toBeNull();
    const projectOnly = await discoverSkills({ ...box.options, scopes: ['project'] });
    expect(projectOnly.skills.map((s) => s.name)).toEqual(['p']);
  });

  it('finds the project from a folder below it, and none from the home directory', async () => {
    const box = sandbox();
    box.project.install({ name: 'p', version: '1.0.0' });
    const deep = path.join(box.projectDir, 'src', 'lib');
    mkdirSync(deep, { recursive: true });
    expect((await discoverSkills({ ...box.options, cwd: deep })).project).toBe(box.projectDir);
    // A skills.json in the home directory itself marks no project.
    writeFileSync(path.join(box.userHome, 'skills.json'), '{"version":1,"skills":{}}\n');
    const fromHome = await discoverSkills({ ...box.options, cwd: box.userHome });
    expect(fromHome.project).toBeNull();
    expect(fromHome.skills).toEqual([]);
  });

  it('takes the global tree from SKILLS_HOME, or from the home option', async () => {
    const box = sandbox();
    const elsewhere = new InstalledTree(path.join(box.root, 'elsewhere'));
    elsewhere.install({ name: 'far', version: '1.0.0' });
    const byEnv = await discoverSkills({
      ...box.options,
      env: { ...box.options.env, SKILLS_HOME: elsewhere.dir },
    });
    expect(byEnv.skills.map((s) => s.name)).toEqual(['far']);
    expect(byEnv.home).toBe(elsewhere.dir);
    const byOption = await discoverSkills({ ...box.options, home: elsewhere.dir });
    expect(byOption.skills.map((s) => s.name)).toEqual(['far']);
  });

  it('lists only the names asked for, and says which are not installed', async () => {
    const box = sandbox();
    box.global.install({ name: 'a', version: '1.0.0' });
    box.global.install({ name: 'b', version: '1.0.0' });
    const { skills, diagnostics } = await discoverSkills({ ...box.options, names: ['b', 'missing'] });
    expect(skills.map((s) => s.name)).toEqual(['b']);
    expect(diagnostics).toMatchObject([{ code: 'SKILL_NOT_INSTALLED', severity: 'error', skill: 'missing' }]);
    expect(diagnostics[0]?.hint).toMatch(/skills install/);
  });

  it('reports a missing marker and still lists the other skills', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'half', version: '1.0.0', noMarker: true });
    box.global.install({ name: 'whole', version: '1.0.0' });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills.map((s) => s.name)).toEqual(['whole']);
    expect(diagnostics).toEqual([
      {
        code: 'SKILL_MARKER_MISSING',
        severity: 'error',
        message: `${dir} has no .skills-ok: the install of half@1.0.0 did not finish`,
        hint: 'The install did not finish: reinstall the skill with `skills install <name>`.',
        skill: 'half',
        version: '1.0.0',
        scope: 'global',
        path: dir,
      },
    ]);
  });

  it('reports a recorded folder that is gone', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'gone', version: '1.0.0' });
    rmSync(dir, { recursive: true });
    const { diagnostics } = await discoverSkills(box.options);
    expect(diagnostics).toMatchObject([{ code: 'SKILL_DIR_MISSING', path: dir }]);
  });

  it('reports bad frontmatter', async () => {
    const box = sandbox();
    box.global.install({ name: 'nofm', version: '1.0.0', skillMd: '# No frontmatter\n' });
    box.global.install({ name: 'broken', version: '1.0.0', skillMd: '---\nname: [broken\n---\nbody\n' });
    box.global.install({ name: 'nodesc', version: '1.0.0', skillMd: '---\nname: nodesc\n---\nbody\n' });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics.map((d) => [d.skill, d.code, d.severity, d.field])).toEqual([
      ['broken', 'SKILL_MD_INVALID', 'error', 'SKILL.md'],
      ['nodesc', 'SKILL_MD_INVALID', 'error', 'SKILL.md:description'],
      ['nofm', 'SKILL_MD_INVALID', 'error', 'SKILL.md'],
    ]);
    expect(diagnostics[0]?.message).toMatch(/not valid YAML/);
  });

  it('loads a skill with sloppy frontmatter, with warnings', async () => {
    const box = sandbox();
    box.global.install({
      name: 'sloppy',
      version: '1.0.0',
      skillMd: '---\nname: sloppy\ndescription: Uses <b>tags</b>.\nauthor: me\n---\nbody\n',
    });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toMatchObject([{ name: 'sloppy', description: 'Uses <b>tags</b>.' }]);
    expect(codes(diagnostics)).toEqual(['warning SKILL_MD_INVALID', 'warning SKILL_MD_INVALID']);
  });

  it('reports a SKILL.md naming another skill', async () => {
    const box = sandbox();
    box.global.install({
      name: 'right',
      version: '1.0.0',
      skillMd: '---\nname: wrong\ndescription: x\n---\nbody\n',
    });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics).toMatchObject([
      { code: 'SKILL_MANIFEST_MISMATCH', field: 'SKILL.md:name', message: expect.stringMatching(/"wrong"/) },
    ]);
  });

  it('reads frontmatter that needs the full YAML parser, and frontmatter past the first 4 KiB', async () => {
    const box = sandbox();
    box.global.install({
      name: 'folded',
      version: '1.0.0',
      skillMd: '---\nname: folded\ndescription: >-\n  Folded over\n  two lines.\n---\nbody\n',
    });
    const long = 'word '.repeat(190).trim(); // 949 characters
    box.global.install({
      name: 'long',
      version: '1.0.0',
      skillMd: `---\nname: long\ndescription: ${long}\nmetadata:\n${Array.from({ length: 60 }, (_, i) => `  key${i}: ${long.slice(0, 60)}`).join('\n')}\n---\n${'body '.repeat(2000)}`,
    });
    box.global.install({ name: 'tiny', version: '1.0.0', skillMd: '---\nname: tiny\ndescription: t\n---' });
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills.map((s) => [s.name, s.description])).toEqual([
      ['folded', 'Folded over two lines.'],
      ['long', long],
      ['tiny', 't'],
    ]);
    expect(diagnostics).toEqual([]);
  });

  it('refuses a SKILL.md over 512 KiB whose frontmatter does not end in the first 4 KiB', async () => {
    const box = sandbox();
    box.global.install({
      name: 'huge',
      version: '1.0.0',
      skillMd: `---\nname: huge\n${'#'.repeat(600 * 1024)}\n`,
    });
    const { diagnostics } = await discoverSkills(box.options);
    expect(diagnostics).toMatchObject([
      { code: 'SKILL_MD_INVALID', message: expect.stringMatching(/512 KiB/) },
    ]);
  });

  it('reports an unreadable or missing SKILL.md', async () => {
    const box = sandbox();
    const dir = box.global.install({ name: 'unreadable', version: '1.0.0' });
    unlinkSync(path.join(dir, 'SKILL.md'));
    mkdirSync(path.join(dir, 'SKILL.md')); // a folder cannot be read as a file, even by root
    const gone = box.global.install({ name: 'gone', version: '1.0.0' });
    unlinkSync(path.join(gone, 'SKILL.md'));
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills).toEqual([]);
    expect(diagnostics).toMatchObject([
      { code: 'SKILL_FILE_MISSING', skill: 'gone', path: path.join(gone, 'SKILL.md') },
      { code: 'SKILL_FILE_UNREADABLE', skill: 'unreadable', message: expect.stringMatching(/EISDIR/) },
    ]);
  });
});

describe('discoverSkills and index.json', () => {
  it('finds nothing, quietly, where nothing was installed', async () => {
    const box = sandbox();
    mkdirSync(box.global.dir, { recursive: true });
    writeFileSync(path.join(box.global.dir, 'config.json'), '{}\n');
    mkdirSync(path.join(box.global.dir, 'state'));
    mkdirSync(path.join(box.global.dir, '.cache'));
    expect(await discoverSkills(box.options)).toMatchObject({ skills: [], diagnostics: [] });
    expect(await discoverSkills({ ...box.options, home: path.join(box.root, 'none') })).toMatchObject({
      skills: [],
      diagnostics: [],
    });
  });

  it('warns when skill folders have no index.json', async () => {
    const box = sandbox();
    box.global.install({ name: 'orphan', version: '1.0.0' });
    box.project.install({ name: 'kept', version: '1.0.0' });
    unlinkSync(path.join(box.global.dir, 'index.json'));
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills.map((s) => s.name)).toEqual(['kept']);
    expect(diagnostics).toMatchObject([
      {
        code: 'INSTALLED_INDEX_MISSING',
        severity: 'warning',
        scope: 'global',
        path: path.join(box.global.dir, 'index.json'),
        message: expect.stringMatching(/holds skill folders \(orphan\) but no index.json/),
      },
    ]);
  });

  it.each([
    ['not JSON', '{"version":1,', /not valid JSON/],
    ['a newer version', '{"version":2,"skills":{}}', /version 2; this loader reads version 1/],
    ['another shape', '{"version":1,"skills":[]}', /is not \{"version":1/],
    ['a list', '[]', /is not \{"version":1/],
  ])('reports an index.json that is %s, and still reads the other tree', async (_label, text, message) => {
    const box = sandbox();
    box.global.install({ name: 'g', version: '1.0.0' });
    box.project.install({ name: 'p', version: '1.0.0' });
    writeFileSync(path.join(box.project.dir, 'index.json'), text);
    const { skills, diagnostics } = await discoverSkills(box.options);
    expect(skills.map((s) => s.name)).toEqual(['g']);
    expect(diagnostics).toMatchObject([
      {
        code: 'INSTALLED_INDEX_INVALID',
        severity: 'error',
        scope: 'project',
        message: expect.stringMatching(message),
      },
    ]);
  });

  it('reports an index.json it cannot read', async () => {
    const box = sandbox();
    mkdirSync(path.join(box.global.dir, 'index.json'), { recursive: true });
    const { diagnostics } = await discoverSkills(box.options);
    expect(diagnostics).toMatchObject([
      { code: 'INSTALLED_INDEX_INVALID', message: expect.stringMatching(/EISDIR/) },
    ]);
  });

  it.each([
    [
      'a name that is no skill name',
      { '../evil': { active: '1.0.0', versions: {} } },
      /not a valid skill name/,
    ],
    ['an entry that is no object', { bad: 'x' }, /is not an object/],
    ['an active version that is a path', { bad: { active: '../../x', versions: {} } }, /no valid "active"/],
    [
      'no record of the active version',
      { bad: { active: '1.0.0', versions: {} } },
      /no record of its active/,
    ],
    [
      'a bad sha256',
      { bad: { active: '1.0.0', versions: { '1.0.0': { sha256: 'abc', files: {} } } } },
      /no valid "sha256"/,
    ],
  ])('reports %s and reads the other skills', async (_label, skills, message) => {
    const box = sandbox();
    box.global.install({ name: 'good', version: '1.0.0' });
    Object.assign(box.global.records, skills);
    box.global.writeIndex();
    const result = await discoverSkills(box.options);
    expect(result.skills.map((s) => s.name)).toEqual(['good']);
    expect(result.diagnostics).toMatchObject([
      { code: 'INSTALLED_ENTRY_INVALID', severity: 'error', message: expect.stringMatching(message) },
    ]);
  });
});
