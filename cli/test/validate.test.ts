import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir, writeSkill } from './helpers.js';

describe('skills validate', () => {
  it('accepts a valid package and prints its name and version', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    const result = await run(['validate', 'demo-skill'], { cwd });
    expect(result).toMatchObject({ code: 0, stdout: '✓ demo-skill@1.2.3 is valid\n', stderr: '' });
  });

  it('prints {ok, name, version, warnings} under --json', async () => {
    const cwd = await writeSkill(await tempDir(), 'demo-skill');
    const result = await run(['validate', '--json'], { cwd });
    expect(onlyJson(result.stdout)).toEqual({ ok: true, name: 'demo-skill', version: '1.2.3', warnings: [] });
  });

  it('passes with a warning when the folder is not named after the skill', async () => {
    const root = await tempDir();
    await rename(await writeSkill(root, 'demo-skill'), path.join(root, 'elsewhere'));
    const human = await run(['validate', 'elsewhere'], { cwd: root });
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('✓ demo-skill@1.2.3 is valid (1 warning)\n');
    expect(human.stderr).toMatch(/^warning: \.: the folder is named "elsewhere"/);

    const json = onlyJson((await run(['validate', 'elsewhere', '--json'], { cwd: root })).stdout);
    expect(json['warnings']).toEqual([
      { path: '.', code: 'PACKAGE_INVALID', message: expect.stringContaining('elsewhere') },
    ]);
  });

  it('fails with PACKAGE_INVALID, naming the first problem and the file to fix', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill', { 'skill.yaml': 'name: demo-skill\nversion: v1.0\n' });
    const result = await run(['validate', 'demo-skill', '--json'], { cwd });
    expect(result.code).toBe(1);
    const json = onlyJson(result.stdout);
    expect(json).toMatchObject({
      ok: false,
      error: {
        code: 'PACKAGE_INVALID',
        message: expect.stringMatching(/^the package in demo-skill is not valid: skill\.yaml:version: /),
        hint: 'fix the problem in skill.yaml, then run `skills validate demo-skill` again',
      },
      issues: [{ path: 'skill.yaml:version', code: 'VERSION_INVALID', message: expect.any(String) }],
    });
  });

  it('lists every error as "path: message" on stderr, then the warnings, then the error and hint', async () => {
    const root = await tempDir();
    const dir = await writeSkill(root, 'demo-skill', {
      'docs/README.md': null,
      'SKILL.md': '---\nname: other-skill\ndescription: A skill whose two names disagree.\n---\n\nBody.\n',
    });
    await rename(dir, path.join(root, 'other'));
    const result = await run(['validate', 'other'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'skill.yaml:name: skill.yaml names "demo-skill" but SKILL.md names "other-skill": they must be equal',
      'docs/: docs/ must hold at least one file of usage documentation',
      expect.stringMatching(/^warning: \.: the folder is named "other"/),
      'error: the package in other is not valid: skill.yaml:name: skill.yaml names "demo-skill" but SKILL.md names "other-skill": they must be equal (and 1 more problem)',
      'hint: fix the problem in skill.yaml (and the 1 other problem listed), then run `skills validate other` again',
    ]);
  });

  it('exits 2 when the folder does not exist', async () => {
    const result = await run(['validate', 'missing', '--json'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: false,
      error: { code: 'USAGE', message: 'there is no folder at missing' },
    });
  });

  it('exits 2 when the path is a file', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'skill.tgz'), '');
    const result = await run(['validate', 'skill.tgz'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: skill.tgz is not a folder');
  });

  it('shows a folder outside the working directory by its absolute path', async () => {
    const dir = await writeSkill(await tempDir(), 'demo-skill', { 'SKILL.md': null });
    const result = await run(['validate', dir, '--json'], { cwd: await tempDir() });
    expect(onlyJson(result.stdout)).toMatchObject({
      error: { message: `the package in ${dir} is not valid: SKILL.md: SKILL.md is missing` },
    });
  });
});
