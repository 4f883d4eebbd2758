import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/commands/pack.js';
import { onlyJson, run, tempDir, writeSkill } from './helpers.js';

interface PackJson {
  ok: boolean;
  file: string | null;
  sha256: string;
  size: number;
  files: Array<{ path: string; size: number }>;
  warnings: unknown[];
}

describe('skills pack', () => {
  it('writes <name>-<version>.tgz into the working directory and reports its sha256 and size', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    const result = await run(['pack', 'demo-skill', '--json'], { cwd });
    expect(result.code).toBe(0);
    const json = onlyJson(result.stdout) as unknown as PackJson;
    const file = path.join(cwd, 'demo-skill-1.2.3.tgz');
    expect(json).toMatchObject({ ok: true, file, warnings: [] });
    const bytes = await readFile(file);
    expect(json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(json.size).toBe(bytes.length);
    expect(json.files.map((entry) => entry.path).sort()).toEqual([
      'SKILL.md',
      'docs/README.md',
      'skill.yaml',
    ]);
    const skillMd = json.files.find((entry) => entry.path === 'SKILL.md');
    expect(skillMd?.size).toBe((await stat(path.join(cwd, 'demo-skill', 'SKILL.md'))).size);
  });

  it('gives the same sha256 when the same folder is packed twice', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    const first = onlyJson((await run(['pack', 'demo-skill', '--json'], { cwd })).stdout);
    const second = onlyJson((await run(['pack', 'demo-skill', '--json'], { cwd })).stdout);
    expect(second['sha256']).toBe(first['sha256']);
  });

  it('writes nothing with --dry-run and reports file: null', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    const result = await run(['pack', 'demo-skill', '--dry-run', '--json'], { cwd });
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: true,
      file: null,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await readdir(cwd)).toEqual(['demo-skill']);
  });

  it('writes into the folder given with --out, creating it, and leaves no temporary file behind', async () => {
    const cwd = await tempDir();
    const dir = await writeSkill(cwd, 'demo-skill');
    const result = await run(['pack', '--out', '../out/tarballs', '--json'], { cwd: dir });
    expect(onlyJson(result.stdout)).toMatchObject({
      file: path.join(cwd, 'out', 'tarballs', 'demo-skill-1.2.3.tgz'),
    });
    expect(await readdir(path.join(cwd, 'out', 'tarballs'))).toEqual(['demo-skill-1.2.3.tgz']);
  });

  it('fails with IO, writing nothing, when --out names a file', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    await writeFile(path.join(cwd, 'taken'), '');
    const result = await run(['pack', 'demo-skill', '--out', 'taken', '--json'], { cwd });
    expect(result.code).toBe(1);
    expect(onlyJson(result.stdout)).toMatchObject({ ok: false, error: { code: 'IO' } });
    expect((await readdir(cwd)).sort()).toEqual(['demo-skill', 'taken']);
  });

  it('packs only the files the manifest allows, plus SKILL.md and skill.yaml', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill', {
      'skill.yaml': 'name: demo-skill\nversion: 1.2.3\nfiles: ["docs/**"]\n',
      'notes/todo.txt': 'not for publishing\n',
    });
    const json = onlyJson(
      (await run(['pack', 'demo-skill', '--dry-run', '--json'], { cwd })).stdout,
    ) as unknown as PackJson;
    expect(json.files.map((entry) => entry.path).sort()).toEqual([
      'SKILL.md',
      'docs/README.md',
      'skill.yaml',
    ]);
  });

  it('lists the files with their sizes, the totals and the sha256 for humans', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill');
    const result = await run(['pack', 'demo-skill'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^demo-skill@1\.2\.3\nTarball contents\n/);
    expect(result.stdout).toMatch(/^ *\d+ B {2}SKILL\.md$/m);
    expect(result.stdout).toMatch(/^package size: {2}\d+ B$/m);
    expect(result.stdout).toMatch(/^unpacked size: [\d.]+ k?B$/m);
    expect(result.stdout).toMatch(/^sha256: {8}[0-9a-f]{64}$/m);
    expect(result.stdout).toMatch(/^Wrote demo-skill-1\.2\.3\.tgz$/m);
  });

  it('refuses an invalid package with PACKAGE_INVALID and writes no tarball', async () => {
    const cwd = await tempDir();
    await writeSkill(cwd, 'demo-skill', { 'docs/README.md': null });
    const result = await run(['pack', 'demo-skill', '--json'], { cwd });
    expect(result.code).toBe(1);
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'PACKAGE_INVALID',
        message: expect.stringContaining('docs/: docs/ must hold at least one file'),
      },
      issues: [{ path: 'docs/' }],
    });
    expect(await readdir(cwd)).toEqual(['demo-skill']);
  });
});

describe('formatBytes', () => {
  it('prints bytes below 1 kB, then kB and MB in powers of 1000 like npm', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1234)).toBe('1.2 kB');
    expect(formatBytes(2_500_000)).toBe('2.5 MB');
  });
});
