import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePackage } from '../src/package.js';

const SKILL_MD =
  '---\nname: demo-skill\ndescription: Demonstrates things. Use when testing.\nlicense: Apache-2.0\n---\n# Demo\n\nSteps.\n';
const SKILL_YAML = 'name: demo-skill\nversion: "1.0.0"\n';

let root: string;
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function makePackage(files: Record<string, string>, folder = 'demo-skill'): Promise<string> {
  root = await mkdtemp(path.join(tmpdir(), 'skills-pkg-'));
  const dir = path.join(root, folder);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

const valid = { 'SKILL.md': SKILL_MD, 'skill.yaml': SKILL_YAML, 'docs/guide/README.md': '# Guide\n' };

describe('validatePackage', () => {
  it('accepts a valid package and defaults description and license from SKILL.md', async () => {
    const check = await validatePackage(await makePackage(valid));
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
    expect(check.manifest).toEqual({
      name: 'demo-skill',
      version: '1.0.0',
      description: 'Demonstrates things. Use when testing.',
      license: 'Apache-2.0',
    });
    expect(check.skillMd?.body).toBe('# Demo\n\nSteps.\n');
  });

  it('refuses a folder that does not exist', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'skills-pkg-'));
    const check = await validatePackage(path.join(root, 'nope'));
    expect(check.errors).toEqual([
      { path: '.', code: 'PACKAGE_INVALID', message: expect.stringMatching(/is not a folder/) },
    ]);
  });

  it('names both missing files', async () => {
    const check = await validatePackage(await makePackage({ 'docs/a.md': 'a' }));
    expect(check.errors).toEqual([
      { path: 'SKILL.md', code: 'SKILL_MD_INVALID', message: 'SKILL.md is missing' },
      { path: 'skill.yaml', code: 'MANIFEST_INVALID', message: 'skill.yaml is missing' },
    ]);
  });

  it('refuses a package without documentation', async () => {
    const check = await validatePackage(
      await makePackage({ 'SKILL.md': SKILL_MD, 'skill.yaml': SKILL_YAML }),
    );
    expect(check.errors).toEqual([
      { path: 'docs/', code: 'PACKAGE_INVALID', message: expect.stringMatching(/at least one file/) },
    ]);
    const loading = await validatePackage(path.join(root, 'demo-skill'), { mode: 'load' });
    expect(loading.errors).toEqual([]);
    expect(loading.warnings.map((w) => w.path)).toEqual(['docs/']);
  });

  it('refuses names that differ between SKILL.md and skill.yaml', async () => {
    const check = await validatePackage(
      await makePackage({ ...valid, 'skill.yaml': 'name: other\nversion: "1.0.0"\n' }),
    );
    expect(check.errors).toEqual([
      { path: 'skill.yaml:name', code: 'PACKAGE_INVALID', message: expect.stringMatching(/must be equal/) },
    ]);
  });

  it('warns when the folder is not named after the skill', async () => {
    const check = await validatePackage(await makePackage(valid, 'elsewhere'));
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([
      { path: '.', code: 'PACKAGE_INVALID', message: expect.stringMatching(/named "demo-skill"/) },
    ]);
  });

  it('refuses an oversized skill.yaml without reading it', async () => {
    const check = await validatePackage(await makePackage({ ...valid, 'skill.yaml': 'x'.repeat(70_000) }));
    expect(check.errors).toEqual([
      { path: 'skill.yaml', code: 'MANIFEST_INVALID', message: expect.stringMatching(/larger than 64 KiB/) },
    ]);
  });

  it('refuses an unreadable SKILL.md as missing when it is a folder', async () => {
    const dir = await makePackage({ 'skill.yaml': SKILL_YAML, 'docs/a.md': 'a', 'SKILL.md/x': 'x' });
    await chmod(dir, 0o755);
    const check = await validatePackage(dir);
    expect(check.errors[0]).toEqual({
      path: 'SKILL.md',
      code: 'SKILL_MD_INVALID',
      message: 'SKILL.md is missing',
    });
  });

  describe('.skill/openai.json', () => {
    const tool = (value: unknown) => ({ ...valid, '.skill/openai.json': JSON.stringify(value) });
    const fn = {
      name: 'review_diff',
      description: 'Review a diff',
      parameters: { type: 'object', properties: {} },
    };

    it('accepts one Chat Completions tool', async () => {
      expect(
        (await validatePackage(await makePackage(tool({ type: 'function', function: fn })))).errors,
      ).toEqual([]);
    });

    it.each([
      ['not JSON', '{', /not valid JSON/],
      ['a list of tools', [{ type: 'function', function: fn }], /must be one tool/],
      ['no function', { type: 'function' }, /"function" must be an object/],
      ['a bad function name', { type: 'function', function: { ...fn, name: 'has space' } }, /function.name/],
      ['no description', { type: 'function', function: { ...fn, description: '' } }, /function.description/],
      [
        'parameters that are not an object schema',
        { type: 'function', function: { ...fn, parameters: { type: 'string' } } },
        /parameters/,
      ],
    ])('refuses %s', async (_label, value, message) => {
      const files = typeof value === 'string' ? { ...valid, '.skill/openai.json': value } : tool(value);
      const check = await validatePackage(await makePackage(files));
      expect(check.errors).toEqual([
        { path: '.skill/openai.json', code: 'PACKAGE_INVALID', message: expect.stringMatching(message) },
      ]);
    });
  });
});
