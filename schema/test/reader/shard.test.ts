import { describe, expect, it } from 'vitest';
import { IndexLineError, SkillsError } from '../../src/errors.js';
import { renderShardFile, serializeIndexLine } from '../../src/lines/index.js';
import { readShardFile } from '../../src/reader/index.js';
import { flipByte, indexLine, joinLines, sha256, threeSkills } from './helpers.js';

function caught(run: () => unknown): SkillsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SkillsError) return error;
    throw error;
  }
  throw new Error('expected a SkillsError');
}

describe('reading a shard file', () => {
  it('round-trips every shard file of the 3-skill feed against the digest its last feed line gives', () => {
    const feed = threeSkills();
    for (const [name, shard] of feed.shards) {
      if (shard === null) continue;
      const read = readShardFile(shard, sha256(shard), name);
      expect(read).toEqual({ lines: feed.state.get(name), diagnostics: [] });
    }
    expect(feed.state.get('pdf-tools')?.map((line) => line.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    const shard = renderShardFile([indexLine('pdf-tools', '1.0.0')]);
    const read = readShardFile(new Uint8Array(shard), sha256(shard), 'pdf-tools');
    expect(read.lines).toHaveLength(1);
  });

  it('detects a one-byte tamper by its digest before parsing anything', () => {
    const shard = threeSkills().shards.get('pdf-tools')!;
    const expected = sha256(shard);
    const at = shard.indexOf('The pdf-tools skill');
    const error = caught(() => readShardFile(flipByte(shard, at), expected, 'pdf-tools'));
    expect(error.code).toBe('INDEX_INCONSISTENT');
    expect(error.message).toContain('pd/f-/pdf-tools');
    expect(error.message).toContain(expected);
    expect(error.hint).toMatch(/skills sync/);
    // Even bytes that are not JSON at all fail on the digest, not on a line.
    expect(caught(() => readShardFile(flipByte(shard, 0), expected, 'pdf-tools')).code).toBe(
      'INDEX_INCONSISTENT',
    );
  });

  it('takes a null digest to mean no version remains: only empty bytes match', () => {
    const feed = threeSkills();
    expect(feed.shards.get('ab')).toBeNull();
    expect(readShardFile(Buffer.alloc(0), null, 'ab')).toEqual({ lines: [], diagnostics: [] });
    const stale = renderShardFile([indexLine('ab', '0.1.0')]);
    expect(caught(() => readShardFile(stale, null, 'ab')).code).toBe('INDEX_INCONSISTENT');
  });

  it('refuses a trailing fragment without a line feed even when the digest matches', () => {
    const bytes = Buffer.concat([
      renderShardFile([indexLine('pdf-tools', '1.0.0')]),
      serializeIndexLine(indexLine('pdf-tools', '1.1.0')),
    ]);
    const error = caught(() => readShardFile(bytes, sha256(bytes), 'pdf-tools'));
    expect(error).toBeInstanceOf(IndexLineError);
    expect(error.message).toMatch(/without a line feed/);
  });

  it('skips invalid lines with a diagnostic naming the file and line number', () => {
    const good = indexLine('pdf-tools', '1.0.0');
    const bytes = joinLines([
      Buffer.from('{"v":1,"name":"pdf-tools"'),
      serializeIndexLine(good),
      Buffer.from(
        serializeIndexLine(indexLine('pdf-tools', '1.1.0'))
          .toString()
          .replace(/"sha256":"[0-9a-f]+"/, '"sha256":"../../etc"'),
      ),
      Buffer.concat([serializeIndexLine(indexLine('pdf-tools', '1.2.0')), Buffer.from('\r')]),
      Buffer.alloc(0),
    ]);
    const read = readShardFile(bytes, sha256(bytes), 'pdf-tools');
    expect(read.lines).toEqual([good]);
    expect(read.diagnostics.map((issue) => issue.path)).toEqual([
      'pd/f-/pdf-tools:1',
      'pd/f-/pdf-tools:3',
      'pd/f-/pdf-tools:4',
      'pd/f-/pdf-tools:5',
    ]);
    expect(read.diagnostics.every((issue) => issue.code === 'INDEX_LINE_INVALID')).toBe(true);
    expect(read.diagnostics[1]?.message).toMatch(/sha256/);
    expect(read.diagnostics[2]?.message).toMatch(/carriage return/);
  });

  it('skips a line longer than 16 KiB', () => {
    const long = Buffer.from(
      serializeIndexLine(indexLine('pdf-tools', '2.0.0'))
        .toString()
        .replace('"description":"', `"description":"${'d'.repeat(16 * 1024)}`),
    );
    const bytes = joinLines([long, serializeIndexLine(indexLine('pdf-tools', '1.0.0'))]);
    const read = readShardFile(bytes, sha256(bytes), 'pdf-tools');
    expect(read.lines.map((line) => line.version)).toEqual(['1.0.0']);
    expect(read.diagnostics[0]?.message).toMatch(/16384/);
  });

  it('skips lines of another skill and repeated versions, keeping the first', () => {
    const first = indexLine('pdf-tools', '1.0.0');
    const bytes = renderShardFile([
      first,
      indexLine('pdf-tool', '1.0.1'),
      { ...first, description: 'again' },
      indexLine('pdf-tools', '1.1.0'),
    ]);
    const read = readShardFile(bytes, sha256(bytes), 'pdf-tools');
    expect(read.lines.map((line) => [line.version, line.description])).toEqual([
      ['1.0.0', 'The pdf-tools skill'],
      ['1.1.0', 'The pdf-tools skill'],
    ]);
    expect(read.diagnostics.map((issue) => [issue.path, issue.message])).toEqual([
      ['pd/f-/pdf-tools:2', 'skipped: the line is of pdf-tool, not of pdf-tools'],
      ['pd/f-/pdf-tools:3', 'skipped: version 1.0.0 appears earlier in the file'],
    ]);
  });

  it('reads lines of any name when no name is given', () => {
    const bytes = renderShardFile([indexLine('ab', '1.0.0'), indexLine('cd', '1.0.0')]);
    const read = readShardFile(bytes, sha256(bytes));
    expect(read.lines.map((line) => line.name)).toEqual(['ab', 'cd']);
    const broken = joinLines([Buffer.from('nope')]);
    expect(readShardFile(broken, sha256(broken)).diagnostics[0]?.path).toBe('shard file:1');
  });

  it('refuses an expected digest that is not 64 lowercase hex digits as a bug of the caller', () => {
    expect(caught(() => readShardFile(Buffer.alloc(0), 'ABC', 'ab')).code).toBe('INTERNAL');
  });

  it('refuses an invalid skill name before using it in a path', () => {
    expect(caught(() => readShardFile(Buffer.alloc(0), null, '../etc')).code).toBe('NAME_INVALID');
  });
});
