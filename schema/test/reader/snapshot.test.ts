import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SkillsError } from '../../src/errors.js';
import { GENESIS_HASH, serializeSnapshotLine, type HeadSnapshot } from '../../src/lines/index.js';
import { Catalog, applyFeed, readFeed, readSnapshot } from '../../src/reader/index.js';
import { flipByte, gzip, indexLine, joinLines, sha256, threeSkills } from './helpers.js';

function catalogOfThreeSkills(): Catalog {
  const catalog = new Catalog();
  applyFeed(catalog, readFeed(threeSkills().bytes, { seq: 0, hash: GENESIS_HASH }).lines);
  return catalog;
}

/** The snapshot as head.json would describe it: its own sha256 and size. */
function described(gz: Buffer, seq?: number): { sha256: string; size: number; seq?: number } {
  return { sha256: sha256(gz), size: gz.length, ...(seq === undefined ? {} : { seq }) };
}

function refusal(run: () => unknown): SkillsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SkillsError) return error;
    throw error;
  }
  throw new Error('expected a SkillsError');
}

function snapshotLine(name: string, seq = 1): Buffer {
  const latest = indexLine(name, '1.0.0');
  return serializeSnapshotLine({ name, seq, file: 'c'.repeat(64), latest });
}

/** A gzip member with the FNAME flag and a file name, as `gzip file` writes it. */
function gzipWithName(bytes: Buffer): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 2, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(bytes), 0);
  trailer.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([header, Buffer.from('snapshot.ndjson\0'), zlib.deflateRawSync(bytes), trailer]);
}

describe('reading a snapshot', () => {
  it('round-trips a catalog through gzip level 9', () => {
    const catalog = catalogOfThreeSkills();
    const gz = gzip(catalog.toSnapshot());
    const read = readSnapshot(gz, described(gz, 9));
    expect(read.entries()).toEqual(catalog.entries());
  });

  it("takes head.json's snapshot object as it is", () => {
    const gz = gzip(catalogOfThreeSkills().toSnapshot());
    const head: HeadSnapshot = {
      seq: 9,
      hash: 'a'.repeat(64),
      path: 'snapshots/e1/9-0123456789abcdef.ndjson.gz',
      sha256: sha256(gz),
      size: gz.length,
      segment: 0,
      offset: 100,
    };
    expect(readSnapshot(new Uint8Array(gz), head).size).toBe(3);
  });

  it('reads a gzip header with a file name', () => {
    const gz = gzipWithName(catalogOfThreeSkills().toSnapshot());
    expect(readSnapshot(gz, described(gz)).names()).toEqual(['ab', 'pdf-tools', 'x']);
  });

  it('refuses a one-byte tamper by its sha256 before inflating', () => {
    const gz = gzip(catalogOfThreeSkills().toSnapshot());
    const error = refusal(() => readSnapshot(flipByte(gz, 20), described(gz)));
    expect(error.code).toBe('SNAPSHOT_INVALID');
    expect(error.message).toMatch(/sha256/);
    expect(error.hint).toMatch(/skills sync/);
  });

  it('refuses more or fewer bytes than head.json says', () => {
    const gz = gzip(catalogOfThreeSkills().toSnapshot());
    const longer = refusal(() => readSnapshot(Buffer.concat([gz, Buffer.from([0])]), described(gz)));
    expect(longer.message).toMatch(/longer than feed\/head.json says/);
    const shorter = refusal(() => readSnapshot(gz.subarray(0, -1), described(gz)));
    expect(shorter.message).toMatch(/shorter/);
  });

  it('refuses names out of order', () => {
    const gz = gzip(joinLines([snapshotLine('pdf-tools'), snapshotLine('ab')]));
    const error = refusal(() => readSnapshot(gz, described(gz)));
    expect(error.code).toBe('SNAPSHOT_INVALID');
    expect(error.message).toBe('snapshot line 2 (ab) is not sorted after pdf-tools');
  });

  it('refuses a duplicate name', () => {
    const gz = gzip(joinLines([snapshotLine('ab'), snapshotLine('ab', 2)]));
    expect(refusal(() => readSnapshot(gz, described(gz))).message).toBe(
      'snapshot line 2 repeats the name ab',
    );
  });

  it("refuses a line past the snapshot's own seq", () => {
    const gz = gzip(joinLines([snapshotLine('ab', 10)]));
    expect(refusal(() => readSnapshot(gz, described(gz, 9))).message).toMatch(
      /seq 10, past the snapshot's 9/,
    );
    expect(readSnapshot(gz, described(gz, 10)).size).toBe(1);
  });

  it('refuses an invalid line and a final line without 0x0A', () => {
    const bad = gzip(joinLines([snapshotLine('ab'), Buffer.from('{"name":"cd"}')]));
    const error = refusal(() => readSnapshot(bad, described(bad)));
    expect(error.message).toMatch(/^snapshot line 2 is not valid: /);
    expect(error.cause).toBeInstanceOf(SkillsError);
    const cut = gzip(Buffer.concat([joinLines([snapshotLine('ab')]), snapshotLine('cd')]));
    expect(refusal(() => readSnapshot(cut, described(cut))).message).toMatch(/without a line feed/);
  });

  it('refuses a second gzip member and trailing bytes', () => {
    const one = gzip(joinLines([snapshotLine('ab')]));
    const two = Buffer.concat([one, gzip(joinLines([snapshotLine('cd')]))]);
    expect(refusal(() => readSnapshot(two, described(two))).message).toMatch(/more than one gzip member/);
    const garbage = Buffer.concat([one, Buffer.from('xyz')]);
    expect(refusal(() => readSnapshot(garbage, described(garbage))).message).toMatch(
      /3 bytes follow the end/,
    );
  });

  it('refuses bytes that are not gzip, a cut-off stream and a bad CRC', () => {
    const plain = joinLines([snapshotLine('ab')]);
    expect(refusal(() => readSnapshot(plain, described(plain))).message).toMatch(/not gzip-compressed/);

    const gz = gzip(plain);
    const cut = gz.subarray(0, gz.length - 12);
    expect(refusal(() => readSnapshot(cut, described(cut))).message).toMatch(/damaged/);
    const noTrailer = gz.subarray(0, gz.length - 4);
    expect(refusal(() => readSnapshot(noTrailer, described(noTrailer))).message).toMatch(
      /before its gzip trailer/,
    );

    const badCrc = Buffer.from(gz);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(gz.length - 8) + 1) >>> 0, gz.length - 8);
    expect(refusal(() => readSnapshot(badCrc, described(badCrc))).message).toMatch(/CRC or length/);

    const method = Buffer.from(gz);
    method[2] = 7;
    expect(refusal(() => readSnapshot(method, described(method))).message).toMatch(/unknown method/);

    const header = gz.subarray(0, 10);
    header[3] = 0x08; // a file name that never ends
    const open = Buffer.from(header);
    expect(refusal(() => readSnapshot(open, described(open))).message).toMatch(/inside its gzip header/);
  });

  it('stops inflating at the output cap', () => {
    const bomb = gzip(Buffer.alloc(10 * 1024 * 1024, 0x0a));
    expect(bomb.length).toBeLessThan(20 * 1024);
    const error = refusal(() => readSnapshot(bomb, described(bomb), { maxBytes: 1024 * 1024 }));
    expect(error.message).toBe('the snapshot inflates to more than 1048576 bytes');
  });

  it('refuses an expectation that is not one as a bug of the caller', () => {
    expect(refusal(() => readSnapshot(Buffer.alloc(0), { sha256: 'x', size: 0 })).code).toBe('INTERNAL');
    expect(refusal(() => readSnapshot(Buffer.alloc(0), { sha256: 'a'.repeat(64), size: -1 })).code).toBe(
      'INTERNAL',
    );
  });
});
