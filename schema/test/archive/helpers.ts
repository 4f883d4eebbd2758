import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, expect } from 'vitest';
import { ArchiveError, type ErrorCode } from '../../src/errors.js';
import { extract, inspect, type ArchiveLimits } from '../../src/archive/index.js';

/** Any header a hostile archive may hold; fields left out get what a plain file would have. */
export interface RawEntry {
  /** Written byte for byte (a string as latin1) into the name field. */
  path: string | Buffer;
  prefix?: string;
  type?: string;
  content?: string | Buffer;
  /** Defaults to the content's length. */
  size?: number;
  mode?: number;
  linkname?: string;
  magic?: 'ustar' | 'gnu';
  /** Replaces the computed checksum. */
  checksum?: number;
  /** Raw bytes for the size field, e.g. a base-256 number. */
  sizeField?: Buffer;
}

const bytesOf = (value: string | Buffer) =>
  typeof value === 'string' ? Buffer.from(value, 'latin1') : value;

/** A 512-byte tar header with whatever the test asks for and, unless told otherwise, a valid checksum. */
export function tarHeader(entry: RawEntry): Buffer {
  const block = Buffer.alloc(512);
  bytesOf(entry.path).copy(block, 0, 0, 100);
  const size = entry.size ?? bytesOf(entry.content ?? '').length;
  block.write(`${(entry.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  if (entry.sizeField) entry.sizeField.copy(block, 124);
  else block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(entry.type ?? '0', 156, 'latin1');
  block.write(entry.linkname ?? '', 157, 'latin1');
  block.write(entry.magic === 'gnu' ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  block.write(entry.prefix ?? '', 345, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${(entry.checksum ?? sum).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** A header followed by its contents padded to a whole block. */
export function tarEntry(entry: RawEntry): Buffer {
  const content = bytesOf(entry.content ?? '');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([tarHeader(entry), content, padding]);
}

export const END_BLOCKS = Buffer.alloc(1024);

export const SKILL_MD = '---\nname: demo\ndescription: A demo skill.\n---\n\n# Demo\n';
export const SKILL_YAML = 'name: demo\nversion: 1.0.0\n';

/** The two files every archive needs, so a test's hostile entry is the only thing wrong. */
export const REQUIRED: RawEntry[] = [
  { path: 'SKILL.md', content: SKILL_MD },
  { path: 'skill.yaml', content: SKILL_YAML },
];

export function tarOf(entries: RawEntry[], end: Buffer = END_BLOCKS): Buffer {
  return Buffer.concat([...entries.map(tarEntry), end]);
}

export function gz(data: Buffer): Buffer {
  return zlib.gzipSync(data, { level: 9 });
}

/** A gzipped archive of SKILL.md, skill.yaml and then `entries`. */
export function archiveWith(...entries: RawEntry[]): Buffer {
  return gz(tarOf([...REQUIRED, ...entries]));
}

/** Temporary folders for this test file, removed after each test. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skills-archive-'));
    made.push(dir);
    return dir;
  };
}

/** Every path under `root` with its type and size, to compare before and after. */
export async function snapshot(root: string): Promise<string[]> {
  const names = await fs.readdir(root, { recursive: true });
  const lines = await Promise.all(
    names.map(async (name) => {
      const stat = await fs.lstat(path.join(root, name));
      return `${name} ${stat.isDirectory() ? 'dir' : stat.size}`;
    }),
  );
  return lines.sort();
}

/**
 * Asserts that `inspect` and `extract` both refuse the archive with `code`, and that extract
 * left no trace: the tree around the destination is as it was, with no destination and no
 * `.tmp-*` folder. The destination sits three folders deep so `../../..` still lands inside
 * the snapshot.
 */
export async function expectRefused(
  tempDir: () => Promise<string>,
  bytes: Uint8Array,
  code: ErrorCode,
  limits?: Partial<ArchiveLimits>,
): Promise<void> {
  await expectCode(inspect(bytes, limits), code);
  const root = await tempDir();
  const parent = path.join(root, 'a', 'b', 'c');
  await fs.mkdir(parent, { recursive: true });
  await fs.writeFile(path.join(parent, 'neighbour.txt'), 'untouched');
  const before = await snapshot(root);
  await expectCode(extract(bytes, path.join(parent, 'skill'), limits), code);
  expect(await snapshot(root)).toEqual(before);
  expect((await fs.readdir(parent)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
}

/** Asserts the promise rejects with an ArchiveError carrying `code` and a hint. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<ArchiveError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  const archiveError = error as ArchiveError;
  expect({ code: archiveError.code, message: archiveError.message }).toMatchObject({ code });
  expect(archiveError.hint).toMatch(/\S/);
  return archiveError;
}
