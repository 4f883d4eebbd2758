import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import { SkillsError } from '../../src/errors.js';
import { DEFAULT_IGNORES, inspect, pack } from '../../src/archive/index.js';
import { expectCode, SKILL_MD, SKILL_YAML, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

/** Writes `files` (path → contents; null makes a folder) under a new temp folder. */
async function skillFolder(files: Record<string, string | null> = {}): Promise<string> {
  const root = await tempDir();
  const all: Record<string, string | null> = { 'SKILL.md': SKILL_MD, 'skill.yaml': SKILL_YAML, ...files };
  for (const [relative, content] of Object.entries(all)) {
    const absolute = path.join(root, relative);
    if (content === null) {
      await fs.mkdir(absolute, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(absolute), { recursive: true });
      await fs.writeFile(absolute, content);
    }
  }
  return root;
}

async function packedPaths(root: string, files?: readonly string[]): Promise<string[]> {
  return (await pack(root, { files })).files.map((file) => file.path);
}

/** Every header as node-tar, an independent reader, sees it. */
async function readWithNodeTar(bytes: Buffer): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      entries.push(entry);
      entry.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(bytes);
  });
  return entries;
}

function isGnuTar(): boolean {
  try {
    return execFileSync('tar', ['--version'], { encoding: 'utf8' }).includes('GNU tar');
  } catch {
    return false;
  }
}

describe('pack bytes', () => {
  it('writes SKILL.md at the root, folder entries and paths sorted by bytes', async () => {
    const root = await skillFolder({ 'docs/guide.md': 'guide', 'docs-extra.md': 'x', 'a/b/c.txt': 'deep' });
    const result = await pack(root);
    const entries = await readWithNodeTar(result.bytes);
    expect(entries.map((entry) => entry.path)).toEqual([
      'SKILL.md',
      'a/',
      'a/b/',
      'a/b/c.txt',
      'docs-extra.md',
      'docs/',
      'docs/guide.md',
      'skill.yaml',
    ]);
    expect(result.entries).toBe(8);
    expect(result.files.map((file) => file.path)).toEqual([
      'SKILL.md',
      'a/b/c.txt',
      'docs-extra.md',
      'docs/guide.md',
      'skill.yaml',
    ]);
  });

  it('writes mode 0755 for folders and executables, 0644 otherwise, owner 0 and mtime 0', async () => {
    const root = await skillFolder({ 'scripts/run.sh': '#!/bin/sh\n', 'scripts/data.txt': 'x' });
    await fs.chmod(path.join(root, 'scripts/run.sh'), 0o700);
    await fs.chmod(path.join(root, 'scripts/data.txt'), 0o600);
    const entries = await readWithNodeTar((await pack(root)).bytes);
    const modes = Object.fromEntries(entries.map((entry) => [entry.path, entry.mode]));
    expect(modes).toEqual({
      'SKILL.md': 0o644,
      'scripts/': 0o755,
      'scripts/data.txt': 0o644,
      'scripts/run.sh': 0o755,
      'skill.yaml': 0o644,
    });
    for (const entry of entries) {
      expect(entry).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '' });
      expect(entry.mtime?.getTime()).toBe(0);
      expect(['File', 'Directory']).toContain(entry.type);
    }
  });

  it('writes one gzip member with no name, mtime 0 and level 9', async () => {
    const result = await pack(await skillFolder());
    expect(result.bytes.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    const tar = zlib.gunzipSync(result.bytes);
    expect(result.bytes.equals(zlib.gzipSync(tar, { level: 9 }))).toBe(true);
    expect(result.unpackedSize).toBe(tar.length);
    expect(result.size).toBe(result.bytes.length);
  });

  it('ends the tar with two zero blocks and no record padding', async () => {
    const tar = zlib.gunzipSync((await pack(await skillFolder())).bytes);
    expect(tar.length).toBe(4 * 512 + 1024);
    expect(tar.subarray(-1024).every((byte) => byte === 0)).toBe(true);
  });

  it('stores a long path in the ustar prefix, never in a PAX header', async () => {
    const long = `${'folder-name/'.repeat(12)}${'f'.repeat(90)}.md`;
    const root = await skillFolder({ [long]: 'deep' });
    const result = await pack(root);
    const entries = await readWithNodeTar(result.bytes);
    expect(entries.map((entry) => entry.path)).toContain(long);
    expect(entries.every((entry) => entry.type === 'File' || entry.type === 'Directory')).toBe(true);
    expect(zlib.gunzipSync(result.bytes).includes('PaxHeader')).toBe(false);
    expect((await inspect(result.bytes)).files.map((file) => file.path)).toContain(long);
  });

  it.skipIf(!isGnuTar())('writes the headers GNU tar writes for ustar, byte for byte', async () => {
    const long = `${'folder-name/'.repeat(12)}${'f'.repeat(90)}.md`;
    const root = await skillFolder({
      'docs/guide.md': 'guide\n'.repeat(300),
      [long]: 'deep',
      'run.sh': '#!/bin/sh\n',
    });
    await fs.chmod(path.join(root, 'run.sh'), 0o755);
    const ours = zlib.gunzipSync((await pack(root)).bytes);
    const order = (await readWithNodeTar((await pack(root)).bytes)).map((entry) => entry.path);
    const gnu = execFileSync(
      'tar',
      [
        '--format=ustar',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mtime=@0',
        '--mode=u=rwX,go=rX',
        '--no-recursion',
        '--blocking-factor=1',
        '-C',
        root,
        '-cf',
        '-',
        ...order,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    expect(ours.equals(gnu)).toBe(true);
  });
});

describe('pack determinism', () => {
  it('packs the same bytes whatever the creation order and mtimes', async () => {
    const files = { 'docs/a.md': 'a', 'docs/b.md': 'b', 'z.txt': 'z', 'assets/x.bin': '\u0000\u0001' };
    const first = await skillFolder(files);
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    const second = await skillFolder(reversed);
    await fs.utimes(path.join(second, 'docs/a.md'), 1, 1);
    await fs.utimes(path.join(second, 'docs'), 2_000_000_000, 2_000_000_000);
    const [one, two] = await Promise.all([pack(first), pack(second)]);
    expect(two.sha256).toBe(one.sha256);
    expect(two.bytes.equals(one.bytes)).toBe(true);
  });

  it('leaves empty folders out', async () => {
    const root = await skillFolder({ 'empty/nested': null, 'docs/a.md': 'a' });
    const entries = await readWithNodeTar((await pack(root)).bytes);
    expect(entries.map((entry) => entry.path)).not.toContain('empty/');
  });
});

describe('pack selection', () => {
  it('leaves out the default ignores', async () => {
    expect(DEFAULT_IGNORES).toEqual(['.git', 'node_modules', '.DS_Store', '.skills', '.skills-ok', '/*.tgz']);
    const root = await skillFolder({
      '.git/config': 'x',
      'node_modules/dep/index.js': 'x',
      'docs/node_modules/dep/index.js': 'x',
      '.DS_Store': 'x',
      'docs/.DS_Store': 'x',
      '.skills/other/SKILL.md': 'x',
      '.skills-ok': '',
      'demo-1.0.0.tgz': 'old pack',
      'assets/data.tgz': 'an asset',
      'docs/a.md': 'a',
    });
    expect(await packedPaths(root)).toEqual(['SKILL.md', 'assets/data.tgz', 'docs/a.md', 'skill.yaml']);
  });

  it('applies .skillsignore in gitignore syntax and packs it', async () => {
    const root = await skillFolder({
      '.skillsignore': '# drafts stay home\ndrafts/\n*.log\n!keep.log\n/secret.txt\n',
      'drafts/a.md': 'x',
      'docs/drafts/b.md': 'x',
      'debug.log': 'x',
      'keep.log': 'x',
      'secret.txt': 'x',
      'docs/secret.txt': 'x',
    });
    expect(await packedPaths(root)).toEqual([
      '.skillsignore',
      'SKILL.md',
      'docs/secret.txt',
      'keep.log',
      'skill.yaml',
    ]);
  });

  it('packs only the files allowlist, plus SKILL.md and skill.yaml', async () => {
    const root = await skillFolder({
      'docs/a.md': 'x',
      'docs/sub/b.md': 'x',
      'scripts/run.sh': 'x',
      'scripts/notes.txt': 'x',
      'other.md': 'x',
    });
    expect(await packedPaths(root, ['docs', 'scripts/*.sh'])).toEqual([
      'SKILL.md',
      'docs/a.md',
      'docs/sub/b.md',
      'scripts/run.sh',
      'skill.yaml',
    ]);
    expect(await packedPaths(root, [])).toEqual(['SKILL.md', 'skill.yaml']);
  });

  it('applies .skillsignore and the default ignores after the allowlist', async () => {
    const root = await skillFolder({
      '.skillsignore': 'docs/private.md\n',
      'docs/a.md': 'x',
      'docs/private.md': 'x',
      'docs/node_modules/x.js': 'x',
    });
    expect(await packedPaths(root, ['docs/'])).toEqual(['SKILL.md', 'docs/a.md', 'skill.yaml']);
  });

  it('always packs SKILL.md and skill.yaml, even when .skillsignore lists them', async () => {
    const root = await skillFolder({ '.skillsignore': 'SKILL.md\nskill.yaml\n.skillsignore\n' });
    expect(await packedPaths(root)).toEqual(['SKILL.md', 'skill.yaml']);
  });
});

describe('pack refusals', () => {
  it('refuses a selected symlink without following it', async () => {
    const root = await skillFolder({ 'docs/a.md': 'a' });
    await fs.symlink('/etc/passwd', path.join(root, 'docs/passwd'));
    await expectCode(pack(root), 'ARCHIVE_LINK');
  });

  it('refuses a symlink to a folder and a symlinked SKILL.md', async () => {
    const linkedFolder = await skillFolder({ 'real/a.md': 'a' });
    await fs.symlink(path.join(linkedFolder, 'real'), path.join(linkedFolder, 'docs'));
    await expectCode(pack(linkedFolder), 'ARCHIVE_LINK');
    const linkedSkill = await skillFolder({ 'real.md': SKILL_MD });
    await fs.rm(path.join(linkedSkill, 'SKILL.md'));
    await fs.symlink('real.md', path.join(linkedSkill, 'SKILL.md'));
    await expectCode(pack(linkedSkill), 'ARCHIVE_LINK');
  });

  it('ignores symlinks that are not selected', async () => {
    const root = await skillFolder({ '.skillsignore': 'link.md\n', 'node_modules/x': 'x', 'docs/a.md': 'a' });
    await fs.symlink('/etc/passwd', path.join(root, 'link.md'));
    await fs.symlink('/etc', path.join(root, 'node_modules/etc'));
    await fs.symlink('/etc/passwd', path.join(root, 'outside-allowlist'));
    expect(await packedPaths(root, ['docs'])).toEqual(['SKILL.md', 'docs/a.md', 'skill.yaml']);
  });

  it('refuses a unix socket in the folder', async () => {
    const root = await skillFolder();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'agent.sock'), resolve));
    try {
      await expectCode(pack(root), 'ARCHIVE_ENTRY_TYPE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.skipIf(process.platform === 'win32')('refuses a fifo in the folder', async () => {
    const root = await skillFolder();
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    await expectCode(pack(root), 'ARCHIVE_ENTRY_TYPE');
  });

  it.each([
    ['ARCHIVE_PATH_CHARACTERS', 'docs/caf\u00e9.md'],
    ['ARCHIVE_PATH_CHARACTERS', 'docs/tab\there.md'],
    ['ARCHIVE_PATH_BACKSLASH', 'docs/back\\slash.md'],
    ['ARCHIVE_PATH_RESERVED', 'docs/CON.md'],
    ['ARCHIVE_PATH_RESERVED', 'docs/lpt1'],
    ['ARCHIVE_PATH_RESERVED', 'docs/ends-with-dot.'],
    ['ARCHIVE_PATH_RESERVED', 'docs/what?.md'],
    ['ARCHIVE_PATH_TOO_DEEP', `${'d/'.repeat(16)}f.md`],
    ['ARCHIVE_PATH_TOO_LONG', `docs/${'n'.repeat(251)}`],
    ['ARCHIVE_PATH_TOO_LONG', 'f'.repeat(101)],
    ['ARCHIVE_PATH_TOO_LONG', `docs/${'n'.repeat(101)}`],
  ] as const)('refuses with %s the file %j', async (code, name) => {
    await expectCode(pack(await skillFolder({ [name]: 'x' })), code);
  });

  it('refuses two files that are equal after case-folding', async () => {
    const root = await skillFolder({ 'docs/README.md': 'one', 'docs/readme.md': 'two' });
    await expectCode(pack(root), 'ARCHIVE_PATH_DUPLICATE');
  });

  it('refuses a folder without SKILL.md or skill.yaml', async () => {
    const noSkillMd = await skillFolder();
    await fs.rm(path.join(noSkillMd, 'SKILL.md'));
    await expectCode(pack(noSkillMd), 'ARCHIVE_MISSING_FILE');
    const noManifest = await skillFolder();
    await fs.rm(path.join(noManifest, 'skill.yaml'));
    await fs.mkdir(path.join(noManifest, 'skill.yaml'));
    await expectCode(pack(noManifest), 'ARCHIVE_MISSING_FILE');
  });

  it('refuses a package past the entry, unpacked or compressed limit', async () => {
    const root = await skillFolder({ 'docs/a.md': 'a', 'docs/b.md': 'b'.repeat(5000) });
    await expectCode(pack(root, { limits: { entries: 4 } }), 'ARCHIVE_TOO_MANY_ENTRIES');
    expect((await pack(root, { limits: { entries: 5 } })).entries).toBe(5);
    await expectCode(pack(root, { limits: { unpackedBytes: 6 * 512 } }), 'ARCHIVE_UNPACKED_TOO_LARGE');
    await expectCode(pack(root, { limits: { compressedBytes: 50 } }), 'ARCHIVE_TOO_LARGE');
  });

  it('refuses a limit that is not a positive integer', async () => {
    const root = await skillFolder();
    await expect(pack(root, { limits: { entries: 0 } })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(pack(root, { limits: { depth: 1.5 } })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('reports a folder it cannot read as an IO error', async () => {
    const missing = path.join(await tempDir(), 'nope');
    const error: unknown = await pack(missing).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(SkillsError);
    expect(error).toMatchObject({ code: 'IO' });
  });
});
