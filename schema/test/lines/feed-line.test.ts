import { describe, expect, it } from 'vitest';
import { IndexLineError } from '../../src/errors.js';
import {
  GENESIS_HASH,
  parseFeedLine,
  serializeFeedLine,
  serializeIndexLine,
  type FeedLine,
  type IndexLine,
} from '../../src/lines/index.js';
import { ascii, sampleLine } from './helpers.js';

const SHA_A = 'a'.repeat(64);
const FILE = 'f'.repeat(64);
const PREV = 'd'.repeat(64);

function small(version: string, overrides: Partial<IndexLine> = {}): IndexLine {
  return sampleLine({
    name: 'ab',
    version,
    description: '',
    keywords: [],
    license: null,
    size: 1,
    ...overrides,
  });
}

const V1 = small('1.0.0');
const V2_YANKED = small('2.0.0', { yanked: true, yank_reason: 'broken' });
const V1_TEXT = String.raw`{"v":1,"name":"ab","version":"1.0.0","deps":{},"sha256":"${SHA_A}","size":1,"description":"","keywords":[],"license":null,"yanked":false,"yank_reason":null,"published":"2024-05-01T12:00:00Z","signer":null}`;
const V2_YANKED_TEXT = String.raw`{"v":1,"name":"ab","version":"2.0.0","deps":{},"sha256":"${SHA_A}","size":1,"description":"","keywords":[],"license":null,"yanked":true,"yank_reason":"broken","published":"2024-05-01T12:00:00Z","signer":null}`;

const PUBLISH: FeedLine = {
  seq: 1,
  op: 'publish',
  name: 'ab',
  version: '1.0.0',
  entry: V1,
  latest: V1,
  file: FILE,
  prev: GENESIS_HASH,
};
const PUBLISH_TEXT = `{"seq":1,"op":"publish","name":"ab","version":"1.0.0","entry":${V1_TEXT},"file":"${FILE}","prev":"${GENESIS_HASH}"}`;

const YANK: FeedLine = {
  seq: 7,
  op: 'yank',
  name: 'ab',
  version: '2.0.0',
  entry: V2_YANKED,
  latest: V1,
  file: FILE,
  prev: PREV,
};
const YANK_TEXT = `{"seq":7,"op":"yank","name":"ab","version":"2.0.0","entry":${V2_YANKED_TEXT},"latest":${V1_TEXT},"file":"${FILE}","prev":"${PREV}"}`;

const PURGE_LAST: FeedLine = {
  seq: 9,
  op: 'purge',
  name: 'ab',
  version: '1.0.0',
  entry: null,
  latest: null,
  file: null,
  prev: PREV,
};
const PURGE_LAST_TEXT = `{"seq":9,"op":"purge","name":"ab","version":"1.0.0","entry":null,"file":null,"prev":"${PREV}"}`;

function feedObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...JSON.parse(YANK_TEXT), ...overrides } as Record<string, unknown>;
}

describe('feed lines', () => {
  it('writes a line whose latest equals its entry without latest (golden bytes)', () => {
    expect(serializeFeedLine(PUBLISH)).toEqual(ascii(PUBLISH_TEXT));
  });

  it('writes latest when it differs from entry (golden bytes)', () => {
    expect(serializeFeedLine(YANK)).toEqual(ascii(YANK_TEXT));
  });

  it('leaves latest out of a purge of the last version: null equals null', () => {
    expect(serializeFeedLine(PURGE_LAST)).toEqual(ascii(PURGE_LAST_TEXT));
  });

  it('embeds the exact bytes of the index lines', () => {
    const bytes = serializeFeedLine(YANK);
    expect(bytes.includes(serializeIndexLine(V2_YANKED))).toBe(true);
    expect(bytes.includes(serializeIndexLine(V1))).toBe(true);
  });

  it('reads a line back, filling in an omitted latest from entry', () => {
    const parsed = parseFeedLine(PUBLISH_TEXT);
    expect(parsed).toEqual({
      known: true,
      line: PUBLISH,
      entryBytes: ascii(V1_TEXT),
      latestBytes: ascii(V1_TEXT),
    });
    expect(parseFeedLine(YANK_TEXT)).toEqual({
      known: true,
      line: YANK,
      entryBytes: ascii(V2_YANKED_TEXT),
      latestBytes: ascii(V1_TEXT),
    });
    expect(parseFeedLine(PURGE_LAST_TEXT)).toMatchObject({ line: PURGE_LAST, entryBytes: ascii('null') });
  });

  it('gives the exact bytes of an embedded line even when they are not canonical', () => {
    const entry = ' { "v" : 1 ,' + V1_TEXT.slice(7);
    const text = PUBLISH_TEXT.replace(V1_TEXT, entry);
    const parsed = parseFeedLine(text);
    expect(parsed.known && parsed.entryBytes.toString()).toBe(entry.trim());
  });

  it('round-trips through its bytes', () => {
    for (const line of [PUBLISH, YANK, PURGE_LAST]) {
      const parsed = parseFeedLine(serializeFeedLine(line));
      expect(parsed.known && serializeFeedLine(parsed.line)).toEqual(serializeFeedLine(line));
    }
  });

  it('hands back a line of an unknown op for chain checking, whatever else it holds', () => {
    const text = `{"seq":12,"op":"transfer","owner":"x","prev":"${PREV}"}`;
    expect(parseFeedLine(text)).toEqual({ known: false, line: { seq: 12, op: 'transfer', prev: PREV } });
  });

  it('still needs seq and prev on a line of an unknown op', () => {
    expect(() => parseFeedLine(`{"seq":12,"op":"transfer"}`)).toThrow(/"prev"/);
    expect(() => parseFeedLine(`{"seq":0,"op":"transfer","prev":"${PREV}"}`)).toThrow(/"seq"/);
  });

  describe('refuses a line', () => {
    const bigLine = JSON.stringify({ ...JSON.parse(V1_TEXT), description: 'x'.repeat(16 * 1024) });
    const cases: [string, string, string][] = [
      ['that holds a line feed', YANK_TEXT.replace(',', ',\n'), ''],
      ['that is not JSON', YANK_TEXT.slice(0, -1), ''],
      ['that repeats a key', YANK_TEXT.replace('{"seq":7', '{"seq":7,"seq":8'), ''],
      ['with seq 0', JSON.stringify(feedObject({ seq: 0 })), 'seq'],
      ['with an op that is not a string', JSON.stringify(feedObject({ op: 1 })), 'op'],
      ['with an uppercase prev', JSON.stringify(feedObject({ prev: 'D'.repeat(64) })), 'prev'],
      ['with an invalid name', JSON.stringify(feedObject({ name: 'A' })), 'name'],
      ['with an invalid version', JSON.stringify(feedObject({ version: 'v2' })), 'version'],
      ['without entry', JSON.stringify(feedObject({ entry: undefined })), 'entry'],
      ['with an entry that is a string', JSON.stringify(feedObject({ entry: 'x' })), 'entry'],
      [
        'with an invalid entry',
        JSON.stringify(feedObject({ entry: { ...V2_YANKED, sha256: 'x' } })),
        'entry.sha256',
      ],
      [
        'with an invalid latest',
        JSON.stringify(feedObject({ latest: { ...V1, signer: 'x' } })),
        'latest.signer',
      ],
      ['with an entry over 16 KiB', PUBLISH_TEXT.replace(V1_TEXT, bigLine), 'entry'],
      ['with an entry of another version', JSON.stringify(feedObject({ version: '3.0.0' })), 'entry'],
      [
        'with an entry of another skill',
        JSON.stringify(feedObject({ entry: { ...V2_YANKED, name: 'cd' } })),
        'entry',
      ],
      ['with a purge that has an entry', JSON.stringify(feedObject({ op: 'purge' })), 'entry'],
      [
        'with a publish that has no entry',
        JSON.stringify(feedObject({ op: 'publish', entry: null })),
        'entry',
      ],
      [
        'with a yank whose entry is not yanked',
        JSON.stringify(feedObject({ entry: { ...V2_YANKED, yanked: false } })),
        'entry.yanked',
      ],
      ['with an unyank whose entry is yanked', JSON.stringify(feedObject({ op: 'unyank' })), 'entry.yanked'],
      [
        'with a latest of another skill',
        JSON.stringify(feedObject({ latest: { ...V1, name: 'cd' } })),
        'latest',
      ],
      ['with a null latest while a version remains', JSON.stringify(feedObject({ latest: null })), 'latest'],
      ['with a null file while a version remains', JSON.stringify(feedObject({ file: null })), 'file'],
      [
        'with a file when no version remains',
        PURGE_LAST_TEXT.replace('"file":null', `"file":"${FILE}"`),
        'file',
      ],
    ];
    it.each(cases)('%s', (_, text, path) => {
      expect(() => parseFeedLine(text)).toThrow(IndexLineError);
      expect(() => parseFeedLine(text)).toThrow(
        path === '' ? /^feed line / : new RegExp(`"${path.replace('.', '\\.')}"`),
      );
    });
  });

  it('refuses to write an invalid line, naming the field', () => {
    expect(() => serializeFeedLine({ ...YANK, op: 'transfer' as 'yank' })).toThrow(/"op"/);
    expect(() => serializeFeedLine({ ...YANK, seq: 0 })).toThrow(/"seq"/);
    expect(() => serializeFeedLine({ ...YANK, entry: { ...V2_YANKED, sha256: 'x' } })).toThrow(
      /"entry\.sha256"/,
    );
    expect(() => serializeFeedLine({ ...YANK, latest: null })).toThrow(/"latest"/);
  });
});
