import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IndexLineError } from '../../src/errors.js';
import {
  GENESIS_HASH,
  applyFeedLine,
  buildFeedLine,
  chainHash,
  isNoopChange,
  parseFeedLine,
  renderShardFile,
  serializeIndexLine,
  type FeedChange,
  type IndexLine,
} from '../../src/lines/index.js';
import { sampleLine } from './helpers.js';

const V1 = sampleLine({ version: '1.0.0' });
const V2 = sampleLine({ version: '2.0.0' });
const V2_YANKED = { ...V2, yanked: true, yank_reason: 'broken' };
const PREV = 'e'.repeat(64);

function change(op: FeedChange['op'], version: string, before: IndexLine[], after: IndexLine[]): FeedChange {
  return { seq: 5, op, name: 'pdf-tools', version, before, after, prev: PREV };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('shard files', () => {
  it('are each line and a line feed, in the order given', () => {
    const expected = Buffer.concat([
      serializeIndexLine(V2),
      Buffer.from('\n'),
      serializeIndexLine(V1),
      Buffer.from('\n'),
    ]);
    expect(renderShardFile([V2, V1])).toEqual(expected);
    expect(renderShardFile([])).toEqual(Buffer.alloc(0));
  });

  it('tell a no-op change by their bytes', () => {
    expect(isNoopChange([V1], [{ ...V1 }])).toBe(true);
    expect(isNoopChange([V1], [V1, V2])).toBe(false);
    expect(isNoopChange([V1, V2], [V2, V1])).toBe(false);
  });
});

describe('building feed lines', () => {
  it('publishes a first version: entry, no separate latest, file of the new shard', () => {
    const built = buildFeedLine({ ...change('publish', '1.0.0', [], [V1]), seq: 1, prev: GENESIS_HASH });
    expect(built.line).toEqual({
      seq: 1,
      op: 'publish',
      name: 'pdf-tools',
      version: '1.0.0',
      entry: V1,
      latest: V1,
      file: sha256(renderShardFile([V1])),
      prev: GENESIS_HASH,
    });
    expect(built.shard).toEqual(renderShardFile([V1]));
    expect(built.bytes.toString()).not.toContain('"latest"');
    expect(built.hash).toBe(chainHash(GENESIS_HASH, built.bytes));
    expect(parseFeedLine(built.bytes)).toMatchObject({ known: true, line: built.line });
  });

  it('yanks the latest version: latest moves to the next highest', () => {
    const built = buildFeedLine(change('yank', '2.0.0', [V1, V2], [V1, V2_YANKED]));
    expect(built.line).toMatchObject({
      entry: V2_YANKED,
      latest: V1,
      file: sha256(renderShardFile([V1, V2_YANKED])),
    });
    expect(built.bytes.toString()).toContain('"latest":');
  });

  it('unyanks a version', () => {
    const built = buildFeedLine(change('unyank', '2.0.0', [V1, V2_YANKED], [V1, V2]));
    expect(built.line).toMatchObject({ entry: V2, latest: V2 });
  });

  it('changes a yank reason with another yank', () => {
    const after = [V1, { ...V2_YANKED, yank_reason: 'security' }];
    expect(buildFeedLine(change('yank', '2.0.0', [V1, V2_YANKED], after)).line.entry?.yank_reason).toBe(
      'security',
    );
  });

  it('purges one version: no entry, the file of what remains', () => {
    const built = buildFeedLine(change('purge', '2.0.0', [V1, V2], [V1]));
    expect(built.line).toMatchObject({ entry: null, latest: V1, file: sha256(renderShardFile([V1])) });
  });

  it('purges the last version: file and shard are null', () => {
    const built = buildFeedLine(change('purge', '1.0.0', [V1], []));
    expect(built.line).toMatchObject({ entry: null, latest: null, file: null });
    expect(built.shard).toBeNull();
  });

  it('refuses a change that changes nothing', () => {
    expect(() => buildFeedLine(change('yank', '2.0.0', [V1, V2_YANKED], [V1, V2_YANKED]))).toThrow(
      /changes nothing/,
    );
  });

  it('refuses an after that differs from before by more than the one change', () => {
    const other = { ...V1, yanked: true };
    expect(() => buildFeedLine(change('publish', '2.0.0', [V1], [other, V2]))).toThrow(/more than/);
    expect(() => buildFeedLine(change('publish', '2.0.0', [V1], [V2, V1]))).toThrow(/more than/);
    expect(() => buildFeedLine(change('purge', '2.0.0', [V1, V2], [V2]))).toThrow(/more than/);
  });

  it('refuses an op that does not fit the lines', () => {
    expect(() => buildFeedLine(change('publish', '1.0.0', [V1], [V1, V2]))).toThrow(IndexLineError);
    expect(() => buildFeedLine(change('yank', '2.0.0', [V1], [V1, V2_YANKED]))).toThrow(IndexLineError);
    expect(() => buildFeedLine(change('yank', '2.0.0', [V1, V2], [V1]))).toThrow(IndexLineError);
    expect(() => buildFeedLine(change('unyank', '2.0.0', [V1, V2], [V1, V2_YANKED]))).toThrow(
      /"entry.yanked"/,
    );
  });

  it('refuses a yank that changes more than yanked and yank_reason', () => {
    const after = [V1, { ...V2_YANKED, size: 7 }];
    expect(() => buildFeedLine(change('yank', '2.0.0', [V1, V2], after))).toThrow(/only "yanked"/);
  });

  it("refuses lines of another skill among the skill's lines", () => {
    const stranger = sampleLine({ name: 'other', version: '2.0.0' });
    expect(() => buildFeedLine(change('publish', '2.0.0', [V1], [V1, stranger]))).toThrow(/other/);
  });
});

describe('replaying feed lines', () => {
  it('renders the shard file each line names in file', () => {
    const states: IndexLine[][] = [[], [V1], [V1, V2], [V1, V2_YANKED], [V1, V2], [V1], []];
    const ops = ['publish', 'publish', 'yank', 'unyank', 'purge', 'purge'] as const;
    const versions = ['1.0.0', '2.0.0', '2.0.0', '2.0.0', '2.0.0', '1.0.0'];
    let lines: IndexLine[] = [];
    let prev = GENESIS_HASH;
    ops.forEach((op, i) => {
      const built = buildFeedLine({
        ...change(op, versions[i]!, states[i]!, states[i + 1]!),
        seq: i + 1,
        prev,
      });
      const parsed = parseFeedLine(built.bytes);
      if (!parsed.known) throw new Error('a known op');
      lines = applyFeedLine(lines, parsed.line);
      expect(lines.length === 0 ? null : sha256(renderShardFile(lines))).toBe(parsed.line.file);
      prev = built.hash;
    });
  });

  it('refuses a line that does not apply', () => {
    expect(() =>
      applyFeedLine([V1], { op: 'publish', name: 'pdf-tools', version: '1.0.0', entry: V1 }),
    ).toThrow(/already/);
    expect(() =>
      applyFeedLine([], { op: 'purge', name: 'pdf-tools', version: '1.0.0', entry: null }),
    ).toThrow(/is not/);
    expect(() =>
      applyFeedLine([], { op: 'publish', name: 'pdf-tools', version: '1.0.0', entry: null }),
    ).toThrow(/needs the line/);
  });
});
