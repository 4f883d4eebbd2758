import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspect, pack } from '../../src/archive/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-keep-'));
  await writeFile(path.join(dir, 'SKILL.md'), '---\nname: keep\ndescription: d\n---\nbody\n');
  await writeFile(path.join(dir, 'skill.yaml'), 'name: keep\nversion: "1.0.0"\n');
  await mkdir(path.join(dir, 'docs'));
  await writeFile(path.join(dir, 'docs', 'README.md'), '# Docs\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inspect keep option', () => {
  it('keeps only the files asked for besides the manifest files', async () => {
    const { bytes } = await pack(dir);
    expect((await inspect(bytes)).readFile('docs/README.md')).toBeUndefined();
    const kept = await inspect(bytes, undefined, { keep: (file) => file.path.startsWith('docs/') });
    expect(kept.readFile('docs/README.md')?.toString()).toBe('# Docs\n');
    expect(kept.readFile('SKILL.md')?.toString()).toContain('name: keep');
  });
});
