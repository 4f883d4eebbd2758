import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blobPath,
  discardUpload,
  hasBlob,
  placeUpload,
  putBlob,
  putBlobAndSignature,
  readBlob,
  readSignature,
  sha256Hex,
  signaturePath,
  stageUpload,
  writeDurably,
} from '../src/blobs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-blobs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = Buffer.from('a tarball\n');
const digest = createHash('sha256').update(bytes).digest('hex');

describe('the blob store', () => {
  it('stores bytes under sha256/<hex> and reads them back after checking the digest', async () => {
    expect(await hasBlob(dir, digest)).toBe(false);
    expect(await putBlob(dir, bytes)).toBe(digest);
    expect(blobPath(dir, digest)).toBe(path.join(dir, 'sha256', digest));
    expect(await readFile(blobPath(dir, digest))).toEqual(bytes);
    expect(await hasBlob(dir, digest)).toBe(true);
    expect(await readBlob(dir, digest)).toEqual(bytes);
    expect(await readdir(path.join(dir, 'sha256'))).toEqual([digest]); // no temp file left
  });

  it('keeps an existing blob, and replaces one whose bytes were altered', async () => {
    await putBlob(dir, bytes);
    const before = await stat(blobPath(dir, digest));
    await putBlob(dir, bytes);
    expect((await stat(blobPath(dir, digest))).ino).toBe(before.ino);
    await writeFile(blobPath(dir, digest), 'tampered');
    await expect(readBlob(dir, digest)).rejects.toMatchObject({ code: 'blob_corrupt' });
    await putBlob(dir, bytes);
    expect(await readBlob(dir, digest)).toEqual(bytes);
  });

  it('writes the same blob from racing writers once, whole', async () => {
    const digests = await Promise.all(Array.from({ length: 8 }, () => putBlob(dir, bytes)));
    expect(new Set(digests)).toEqual(new Set([digest]));
    expect(await readdir(path.join(dir, 'sha256'))).toEqual([digest]);
  });

  it("stores a publish's blob and signature, the first signature of a blob only", async () => {
    expect(await readSignature(dir, digest)).toBeNull();
    expect(await putBlobAndSignature(dir, bytes, 'first')).toEqual({ sha256: digest, signaturePlaced: true });
    expect(await putBlobAndSignature(dir, bytes, 'second')).toEqual({
      sha256: digest,
      signaturePlaced: false,
    });
    expect(await readFile(signaturePath(dir, digest), 'utf8')).toBe('first');
    expect((await readSignature(dir, digest))?.toString()).toBe('first');
    expect(await readBlob(dir, digest)).toEqual(bytes);
    expect((await readdir(path.join(dir, 'sha256'))).sort()).toEqual([digest, `${digest}.asc`]);
  });

  it('replaces an altered blob beside its signature, and places one signature among racing writers', async () => {
    await putBlobAndSignature(dir, bytes, 'first');
    await writeFile(blobPath(dir, digest), 'tampered');
    expect((await putBlobAndSignature(dir, bytes, 'second')).signaturePlaced).toBe(false);
    expect(await readBlob(dir, digest)).toEqual(bytes);

    const other = Buffer.from('another tarball\n');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => putBlobAndSignature(dir, other, `signature ${i}`)),
    );
    expect(results.filter((result) => result.signaturePlaced)).toHaveLength(1);
    const winner = results.findIndex((result) => result.signaturePlaced);
    expect((await readSignature(dir, sha256Hex(other)))?.toString()).toBe(`signature ${winner}`);
    expect(await readdir(path.join(dir, 'sha256'))).toHaveLength(4); // no temp file left
  });

  it('keeps a staged upload under temp names until it is placed, and leaves nothing once discarded', async () => {
    const refused = await stageUpload(dir, bytes, 'refused');
    expect(await hasBlob(dir, digest)).toBe(false);
    expect(await readdir(path.join(dir, 'sha256'))).toHaveLength(2); // two temp files, no names
    await discardUpload(refused);
    expect(await readdir(path.join(dir, 'sha256'))).toEqual([]);

    const accepted = await stageUpload(dir, bytes, 'accepted');
    expect(await placeUpload(accepted)).toEqual({ sha256: digest, signaturePlaced: true });
    await discardUpload(accepted); // after placing: a no-op
    expect((await readdir(path.join(dir, 'sha256'))).sort()).toEqual([digest, `${digest}.asc`]);
    // Placed again over both: the stored blob and the first signature stay, no temp name is left.
    const stored = await stat(blobPath(dir, digest));
    expect(await placeUpload(await stageUpload(dir, bytes, 'again'))).toEqual({
      sha256: digest,
      signaturePlaced: false,
    });
    expect((await stat(blobPath(dir, digest))).ino).toBe(stored.ino);
    expect((await readSignature(dir, digest))?.toString()).toBe('accepted');
    expect(await readdir(path.join(dir, 'sha256'))).toHaveLength(2);
  });

  it('refuses digests that are not 64 lowercase hex digits, and reports a missing blob', async () => {
    for (const bad of ['../x', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/..`]) {
      expect(() => blobPath(dir, bad)).toThrow(expect.objectContaining({ code: 'blob_digest_invalid' }));
    }
    await expect(readBlob(dir, 'b'.repeat(64))).rejects.toMatchObject({ code: 'blob_missing' });
    expect(sha256Hex(bytes)).toBe(digest);
  });

  it('never overwrites in create mode, and does in replace mode', async () => {
    const target = path.join(dir, 'nested', 'file');
    expect(await writeDurably(target, Buffer.from('one'), 'create')).toBe(true);
    expect(await writeDurably(target, Buffer.from('two'), 'create')).toBe(false);
    expect(await readFile(target, 'utf8')).toBe('one');
    expect(await writeDurably(target, Buffer.from('three'), 'replace')).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('three');
    expect(await readdir(path.dirname(target))).toEqual(['file']);
  });
});
