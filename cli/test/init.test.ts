import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validatePackage } from '@skills/schema';
import { describe, expect, it } from 'vitest';
import { onlyJson, run, tempDir } from './helpers.js';

describe('skills init', () => {
  it('creates the folder and a package that passes validation without warnings', async () => {
    const cwd = await tempDir();
    const result = await run(['init', 'pdf-tools', '--json'], { cwd });
    expect(result.code).toBe(0);
    const dir = path.join(cwd, 'pdf-tools');
    expect(onlyJson(result.stdout)).toEqual({
      ok: true,
      dir,
      name: 'pdf-tools',
      files: ['SKILL.md', 'skill.yaml', 'docs/README.md'],
      warnings: [],
    });
    const check = await validatePackage(dir, { mode: 'publish' });
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
    expect(check.manifest).toMatchObject({
      name: 'pdf-tools',
      version: '0.1.0',
      license: 'MIT',
      keywords: [],
    });
  });

  it('writes SKILL.md with the name in its frontmatter and headings to fill in', async () => {
    const cwd = await tempDir();
    await run(['init', 'pdf-tools'], { cwd });
    const skillMd = await readFile(path.join(cwd, 'pdf-tools', 'SKILL.md'), 'utf8');
    expect(skillMd).toMatch(/^---\nname: pdf-tools\ndescription: .+\n---\n/);
    expect(skillMd).toContain('## Instructions');
  });

  it('uses the working directory when no folder is given, named after it', async () => {
    const cwd = path.join(await tempDir(), 'my-skill');
    await mkdir(cwd);
    const result = await run(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created the skill my-skill in .');
    expect((await readdir(cwd)).sort()).toEqual(['SKILL.md', 'docs', 'skill.yaml']);
  });

  it('takes the name from --name instead of the folder', async () => {
    const cwd = await tempDir();
    const result = await run(['init', 'Some Folder', '--name', 'pdf-tools', '--json'], { cwd });
    expect(onlyJson(result.stdout)).toMatchObject({ ok: true, name: 'pdf-tools' });
    const check = await validatePackage(path.join(cwd, 'Some Folder'));
    expect(check.errors).toEqual([]);
  });

  it('refuses an uppercase folder name with exit 2 and suggests --name with a valid name', async () => {
    const cwd = await tempDir();
    const result = await run(['init', 'PdfTools', '--json'], { cwd });
    expect(result.code).toBe(2);
    const json = onlyJson(result.stdout);
    expect(json).toMatchObject({
      ok: false,
      error: { code: 'USAGE', hint: 'name the skill with --name pdftools, or rename the folder' },
    });
    expect(String((json['error'] as { message: string }).message)).toContain(
      'cannot name the skill after its folder: "PdfTools" is not a valid name',
    );
    await expect(readdir(cwd)).resolves.toEqual([]);
  });

  it('refuses an invalid --name with exit 2', async () => {
    const cwd = await tempDir();
    const result = await run(['init', 'x', '--name', 'Bad_Name'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --name: "Bad_Name" is not a valid name');
    expect(result.stderr).toContain('hint: try --name bad-name');
  });

  it('refuses a reserved name', async () => {
    const cwd = await tempDir();
    const result = await run(['init', '--name', 'registry'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('reserved');
    expect(result.stderr).toContain('hint: choose another name');
  });

  it('refuses a folder name that cannot be turned into a valid name, asking for --name', async () => {
    const cwd = await tempDir();
    const result = await run(['init', '___'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('hint: name the skill with --name <name>');
  });

  for (const existing of ['SKILL.md', 'skill.yaml']) {
    it(`refuses, writing nothing, when the folder already holds ${existing}`, async () => {
      const dir = path.join(await tempDir(), 'pdf-tools');
      await mkdir(dir);
      await writeFile(path.join(dir, existing), 'mine\n');
      const result = await run(['init', dir, '--json'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(onlyJson(result.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
      expect(await readdir(dir)).toEqual([existing]);
      expect(await readFile(path.join(dir, existing), 'utf8')).toBe('mine\n');
    });
  }

  it('keeps an existing docs/README.md and leaves it out of the files it reports', async () => {
    const dir = path.join(await tempDir(), 'pdf-tools');
    await mkdir(path.join(dir, 'docs'), { recursive: true });
    await writeFile(path.join(dir, 'docs', 'README.md'), 'my docs\n');
    const result = await run(['init', '--json'], { cwd: dir });
    expect(onlyJson(result.stdout)).toMatchObject({ ok: true, files: ['SKILL.md', 'skill.yaml'] });
    expect(await readFile(path.join(dir, 'docs', 'README.md'), 'utf8')).toBe('my docs\n');
  });

  it('refuses a path that is a file', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'notes'), '');
    const result = await run(['init', 'notes'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: notes exists and is not a folder');
  });
});
