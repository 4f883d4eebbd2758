import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { GENESIS_HASH, parseFeedHead, serializeFeedHead, type FeedHead } from '../../src/lines/index.js';
import { ascii } from './helpers.js';

const HASH = '1'.repeat(64);
const SNAP_HASH = '2'.repeat(64);
const SNAP_SHA = '3'.repeat(64);

const HEAD: FeedHead = {
  format: 1,
  epoch: 'e1',
  seq: 1234,
  segment: 1,
  offset: 56789,
  hash: HASH,
  snapshot: {
    seq: 1000,
    hash: SNAP_HASH,
    path: 'snapshots/e1/1000-0123456789abcdef.ndjson.gz',
    sha256: SNAP_SHA,
    size: 4242,
    segment: 0,
    offset: 987654,
  },
  time: '2024-05-01T12:00:00Z',
  expires: null,
};

const HEAD_TEXT =
  `{"format":1,"epoch":"e1","seq":1234,"segment":1,"offset":56789,"hash":"${HASH}",` +
  `"snapshot":{"seq":1000,"hash":"${SNAP_HASH}","path":"snapshots/e1/1000-0123456789abcdef.ndjson.gz",` +
  `"sha256":"${SNAP_SHA}","size":4242,"segment":0,"offset":987654},"time":"2024-05-01T12:00:00Z","expires":null}`;

const EMPTY: FeedHead = {
  format: 1,
  epoch: 'e1',
  seq: 0,
  segment: 0,
  offset: 0,
  hash: GENESIS_HASH,
  snapshot: null,
  time: '2024-05-01T12:00:00Z',
  expires: '2024-05-02T12:00:00Z',
};

function headWith(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...HEAD, ...overrides });
}

function snapshotWith(overrides: Record<string, unknown>): string {
  return headWith({ snapshot: { ...HEAD.snapshot, ...overrides } });
}

describe('feed/head.json', () => {
  it('is written in the documented key order (golden bytes)', () => {
    expect(serializeFeedHead(HEAD)).toEqual(ascii(HEAD_TEXT));
  });

  it('writes the same bytes whatever order the input has its keys in', () => {
    const reversed = Object.fromEntries(Object.entries(HEAD).reverse()) as unknown as FeedHead;
    expect(serializeFeedHead(reversed)).toEqual(ascii(HEAD_TEXT));
  });

  it('reads back what it writes', () => {
    expect(parseFeedHead(HEAD_TEXT)).toEqual(HEAD);
    expect(parseFeedHead(serializeFeedHead(EMPTY))).toEqual(EMPTY);
  });

  it('reads a head with unknown fields and a final newline', () => {
    expect(parseFeedHead(`${headWith({ mirror: 'x' })}\n`)).toEqual(HEAD);
  });

  const cases: [string, string, string][] = [
    ['that is not JSON', '{', ''],
    ['with a carriage return', `${HEAD_TEXT}\r\n`, ''],
    ['of format 2', headWith({ format: 2 }), 'format'],
    ['with an epoch that could leave its directory', headWith({ epoch: '../x' }), 'epoch'],
    ['with a negative seq', headWith({ seq: -1 }), 'seq'],
    ['with a segment that does not fit seq', headWith({ segment: 2 }), 'segment'],
    ['with offset 0 after lines', headWith({ offset: 0 }), 'offset'],
    ['with an offset on an empty feed', JSON.stringify({ ...EMPTY, offset: 5 }), 'offset'],
    ['with a hash other than 64 zeros on an empty feed', JSON.stringify({ ...EMPTY, hash: HASH }), 'hash'],
    ['with an uppercase hash', headWith({ hash: 'A'.repeat(64) }), 'hash'],
    ['with a snapshot that is a string', headWith({ snapshot: 'x' }), 'snapshot'],
    [
      'with a snapshot past the head',
      snapshotWith({ seq: 1235, path: 'snapshots/e1/1235-0123456789abcdef.ndjson.gz' }),
      'snapshot.seq',
    ],
    ['with a snapshot segment that does not fit', snapshotWith({ segment: 1 }), 'snapshot.segment'],
    ['with a snapshot offset of 0', snapshotWith({ offset: 0 }), 'snapshot.offset'],
    ['with a snapshot path outside snapshots/', snapshotWith({ path: '../../etc/passwd' }), 'snapshot.path'],
    [
      'with a snapshot path of another seq',
      snapshotWith({ path: 'snapshots/e1/999-0123456789abcdef.ndjson.gz' }),
      'snapshot.path',
    ],
    [
      'with a snapshot path of another epoch',
      snapshotWith({ path: 'snapshots/e0/1000-0123456789abcdef.ndjson.gz' }),
      'snapshot.path',
    ],
    ['with a snapshot sha256 missing', snapshotWith({ sha256: undefined }), 'snapshot.sha256'],
    ['with a time that is not a timestamp', headWith({ time: 'now' }), 'time'],
    ['with an expires that is not a timestamp', headWith({ expires: 0 }), 'expires'],
  ];
  it.each(cases)('refuses a head %s', (_, text, path) => {
    let error: unknown;
    try {
      parseFeedHead(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path, code: 'FEED_HEAD_INVALID', message: expect.any(String) },
    ]);
  });

  it('refuses to write an invalid head', () => {
    expect(() => serializeFeedHead({ ...HEAD, segment: 0 })).toThrow(
      expect.objectContaining({ code: 'FEED_HEAD_INVALID' }),
    );
  });
});
