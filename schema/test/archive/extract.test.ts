import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract, inspect, pack } from '../../src/archive/index.js';
import {
  archiveWith,
  expectCode,
  gz,
  REQUIRED,
  SKILL_MD,
  SKILL_YAML,
  snapshot,
  tarOf,
  useTempDirs,
} from './helpers.js';

const tempDir = useTempDirs();

async function fixture(): Promise<string> {
  const root = await tempDir();
  const files: Record<string, string> = {
    'SKILL.md': SKILL_MD,
    'skill.yaml': SKILL_YAML,
    'docs/guide.md': 'guide\n'.repeat(1000),
    '.skill/openai.json': '{"type":"function"}',
    'scripts/run.sh': '#!/bin/sh\necho hi\n',
  };
  for (const [relative, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), content);
  }
  await fs.chmod(path.join(root, 'scripts/run.sh'), 0o755);
  return root;
}

const modeOf = async (file: string) => (await fs.stat(file)).mode & 0o7777;

describe('extract', () => {
  it('writes every file byte for byte with its mode, folders 0755', async () => {
    const source = await fixture();
    const packed = await pack(source);
    const dest = path.join(await tempDir(), 'demo', '1.0.0');
    const contents = await extract(packed.bytes, dest);
    for (const file of packed.files) {
      const written = path.join(dest, file.path);
      expect(await fs.readFile(written)).toEqual(await fs.readFile(path.join(source, file.path)));
      expect(await modeOf(written)).toBe(file.mode);
    }
    expect(await modeOf(path.join(dest, 'scripts'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'scripts/run.sh'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'docs/guide.md'))).toBe(0o644);
    expect(contents).toMatchObject({
      sha256: packed.sha256,
      size: packed.size,
      files: packed.files,
      entries: packed.entries,
    });
    expect(contents.unpackedSize).toBe(packed.unpackedSize);
    expect(await fs.readdir(path.dirname(dest))).toEqual(['1.0.0']);
  });

  it('drops setuid, setgid, sticky and write bits for others', async () => {
    const bytes = archiveWith(
      { path: 'setuid', content: 'x', mode: 0o4777 },
      { path: 'shared', content: 'x', mode: 0o666 },
      { path: 'sticky/', type: '5', mode: 0o1777 },
    );
    const dest = path.join(await tempDir(), 'skill');
    await extract(bytes, dest);
    expect(await modeOf(path.join(dest, 'setuid'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'shared'))).toBe(0o644);
    expect(await modeOf(path.join(dest, 'sticky'))).toBe(0o755);
  });

  it('creates folders the archive only implies, in any entry order', async () => {
    const bytes = gz(
      tarOf([
        { path: 'docs/deep/a.md', content: 'a' },
        REQUIRED[1]!,
        { path: 'docs/', type: '5' },
        REQUIRED[0]!,
      ]),
    );
    const dest = path.join(await tempDir(), 'skill');
    const contents = await extract(bytes, dest);
    expect(await fs.readFile(path.join(dest, 'docs/deep/a.md'), 'utf8')).toBe('a');
    expect(contents.files.map((file) => file.path)).toEqual(['SKILL.md', 'docs/deep/a.md', 'skill.yaml']);
  });

  it.each([
    ['a folder', (dest: string) => fs.mkdir(dest)],
    ['a file', (dest: string) => fs.writeFile(dest, 'mine')],
    ['a dangling symlink', (dest: string) => fs.symlink('/nonexistent', dest)],
  ])('refuses a destination that is already %s and leaves it alone', async (_, make) => {
    const parent = await tempDir();
    const dest = path.join(parent, 'skill');
    await make(dest);
    const before = await snapshot(parent);
    await expectCode(extract(archiveWith(), dest), 'ARCHIVE_DESTINATION_EXISTS');
    expect(await snapshot(parent)).toEqual(before);
  });

  it('removes stale temp folders of the same destination, and only those', async () => {
    const parent = await tempDir();
    const stale = path.join(parent, '.tmp-skill-0123456789ab');
    await fs.mkdir(path.join(stale, 'docs'), { recursive: true });
    await fs.writeFile(path.join(stale, 'docs/half.md'), 'half written');
    const kept = ['.tmp-skill-other-0123456789ab', '.tmp-skill-notatemp', '.tmp-skillz-0123456789ab'];
    for (const name of kept) await fs.mkdir(path.join(parent, name));
    await extract(archiveWith(), path.join(parent, 'skill'));
    expect((await fs.readdir(parent)).sort()).toEqual([...kept, 'skill'].sort());
  });

  it('removes its temp folder when a file deep in the archive is refused', async () => {
    const parent = await tempDir();
    const bytes = archiveWith(
      { path: 'docs/a.md', content: 'fine' },
      { path: 'docs/link', type: '2', linkname: '/' },
    );
    await expectCode(extract(bytes, path.join(parent, 'skill')), 'ARCHIVE_LINK');
    expect(await fs.readdir(parent)).toEqual([]);
  });

  it('reports a destination it cannot create as an IO error', async () => {
    const parent = await tempDir();
    await fs.writeFile(path.join(parent, 'file'), 'not a folder');
    await expect(extract(archiveWith(), path.join(parent, 'file', 'skill'))).rejects.toMatchObject({
      code: 'IO',
    });
  });
});

describe('inspect', () => {
  it('keeps SKILL.md, skill.yaml and small .skill/ files in memory, and nothing else', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const contents = await inspect(
      archiveWith(
        { path: '.skill/openai.json', content: '{"type":"function"}' },
        { path: '.skill/big.json', content: big },
        { path: 'docs/a.md', content: 'not kept' },
      ),
    );
    expect(contents.skillMd).toBe(SKILL_MD);
    expect(contents.skillYaml).toBe(SKILL_YAML);
    expect(contents.readFile('.skill/openai.json')?.toString()).toBe('{"type":"function"}');
    expect(contents.readFile('.skill/big.json')).toBeUndefined();
    expect(contents.readFile('docs/a.md')).toBeUndefined();
    expect(contents.files.find((file) => file.path === '.skill/big.json')?.size).toBe(big.length);
  });

  it('hands out copies, so a caller cannot change what the next one reads', async () => {
    const contents = await inspect(archiveWith());
    contents.readFile('SKILL.md')?.fill(0);
    expect(contents.readFile('SKILL.md')?.toString()).toBe(SKILL_MD);
  });

  it('reads an archive made by GNU tar in its default format', async (context) => {
    try {
      execFileSync('tar', ['--version']);
    } catch {
      context.skip('no tar on this machine');
    }
    const source = await fixture();
    const file = path.join(await tempDir(), 'gnu.tgz');
    execFileSync('tar', ['-czf', file, '-C', source, 'SKILL.md', 'skill.yaml', 'docs', 'scripts']);
    const contents = await inspect(await fs.readFile(file));
    expect(contents.files.map((entry) => entry.path)).toEqual([
      'SKILL.md',
      'docs/guide.md',
      'scripts/run.sh',
      'skill.yaml',
    ]);
  });
});
