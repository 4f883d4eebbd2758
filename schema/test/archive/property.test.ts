import fs from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extract, inspect, pack } from '../../src/archive/index.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

interface SourceFile {
  path: string;
  content: Uint8Array;
  executable: boolean;
}

// Names the archive rules accept: lowercase ASCII, so no case duplicates, and never a device name.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/;
const segment = fc
  .stringMatching(/^[a-z0-9_][a-z0-9_-]{0,7}(\.[a-z]{1,3})?$/)
  .filter((name) => !WINDOWS_DEVICE.test(name) && name !== 'node_modules');

/** A random folder tree: file paths where no file is also a folder, plus SKILL.md and skill.yaml. */
const skillTree = fc
  .uniqueArray(fc.array(segment, { minLength: 1, maxLength: 4 }), {
    maxLength: 25,
    selector: (segments) => segments.join('/'),
  })
  .map((paths) => {
    const files = paths.map((segments) => segments.join('/'));
    const folders = new Set(
      files.flatMap((file) =>
        file
          .split('/')
          .slice(0, -1)
          .map((_, i, all) => all.slice(0, i + 1).join('/')),
      ),
    );
    return files.filter((file) => !folders.has(file) && !/^(skill\.md|skill\.yaml|[^/]*\.tgz)$/.test(file));
  })
  .chain((paths) =>
    fc.tuple(
      ...['SKILL.md', 'skill.yaml', ...paths].map((filePath) =>
        fc.record({
          path: fc.constant(filePath),
          content: fc.uint8Array({ maxLength: 2048 }),
          executable: fc.boolean(),
        }),
      ),
    ),
  );

async function writeTree(files: readonly SourceFile[], mtime = 0): Promise<string> {
  const root = await tempDir();
  for (const file of files) {
    const absolute = path.join(root, file.path);
    await fs.mkdir(path.dirname(absolute), { recursive: true });
    await fs.writeFile(absolute, file.content);
    await fs.chmod(absolute, file.executable ? 0o750 : 0o640);
    if (mtime !== 0) await fs.utimes(absolute, mtime, mtime);
  }
  return root;
}

const byPathBytes = (a: SourceFile, b: SourceFile) =>
  Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

describe('archive properties', () => {
  it('inspect reads back every file pack wrote, with its size and mode', async () => {
    await fc.assert(
      fc.asyncProperty(skillTree, async (files) => {
        const packed = await pack(await writeTree(files));
        const contents = await inspect(packed.bytes);
        const expected = [...files].sort(byPathBytes).map((file) => ({
          path: file.path,
          size: file.content.length,
          mode: file.executable ? 0o755 : 0o644,
        }));
        expect(contents.files).toEqual(expected);
        expect(packed.files).toEqual(expected);
        expect(contents).toMatchObject({
          sha256: packed.sha256,
          entries: packed.entries,
          unpackedSize: packed.unpackedSize,
        });
        expect(contents.readFile('skill.yaml')).toEqual(Buffer.from(files[1]!.content));
      }),
      { numRuns: 40 },
    );
  });

  it('packs the same bytes whatever the creation order and mtimes', async () => {
    await fc.assert(
      fc.asyncProperty(
        skillTree.chain((files) =>
          fc.tuple(fc.constant(files), fc.shuffledSubarray(files, { minLength: files.length })),
        ),
        fc.integer({ min: 1, max: 2_000_000_000 }),
        async ([files, shuffled], mtime) => {
          const [first, second] = await Promise.all([
            pack(await writeTree(files)),
            pack(await writeTree(shuffled, mtime)),
          ]);
          expect(second.sha256).toBe(first.sha256);
          expect(second.bytes.equals(first.bytes)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('extract writes back every file byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(skillTree, async (files) => {
        const packed = await pack(await writeTree(files));
        const dest = path.join(await tempDir(), 'skill');
        await extract(packed.bytes, dest);
        for (const file of files) {
          const written = path.join(dest, file.path);
          expect(await fs.readFile(written)).toEqual(Buffer.from(file.content));
          expect((await fs.stat(written)).mode & 0o777).toBe(file.executable ? 0o755 : 0o644);
        }
        const written = await fs.readdir(dest, { recursive: true, withFileTypes: true });
        expect(written.filter((entry) => entry.isFile())).toHaveLength(files.length);
      }),
      { numRuns: 25 },
    );
  });
});
