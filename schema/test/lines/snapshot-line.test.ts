import { describe, expect, it } from 'vitest';
import { IndexLineError } from '../../src/errors.js';
import {
  parseSnapshotLine,
  serializeIndexLine,
  serializeSnapshotLine,
  type SnapshotLine,
} from '../../src/lines/index.js';
import { ascii, sampleLine } from './helpers.js';

const FILE = 'f'.repeat(64);
const LATEST = sampleLine();
const LINE: SnapshotLine = { name: 'pdf-tools', seq: 42, file: FILE, latest: LATEST };
const LINE_TEXT = `{"name":"pdf-tools","seq":42,"file":"${FILE}","latest":${serializeIndexLine(LATEST).toString()}}`;
const PURGED: SnapshotLine = { name: 'gone', seq: 7, file: null, latest: null };

describe('snapshot lines', () => {
  it('are written in the documented key order (golden bytes)', () => {
    expect(serializeSnapshotLine(LINE)).toEqual(ascii(LINE_TEXT));
    expect(serializeSnapshotLine(PURGED)).toEqual(ascii('{"name":"gone","seq":7,"file":null,"latest":null}'));
  });

  it('read back with the exact bytes of latest', () => {
    expect(parseSnapshotLine(LINE_TEXT)).toEqual({ line: LINE, latestBytes: serializeIndexLine(LATEST) });
    expect(parseSnapshotLine(serializeSnapshotLine(PURGED))).toEqual({
      line: PURGED,
      latestBytes: ascii('null'),
    });
  });

  const big = JSON.stringify({ ...LATEST, description: 'x'.repeat(16 * 1024) });
  const cases: [string, string, string][] = [
    ['that holds a line feed', `${LINE_TEXT}\n`, ''],
    ['with an invalid name', LINE_TEXT.replace('"name":"pdf-tools"', '"name":"PDF"'), 'name'],
    ['with seq 0', LINE_TEXT.replace('"seq":42', '"seq":0'), 'seq'],
    ['with an invalid file', LINE_TEXT.replace(FILE, 'x'), 'file'],
    ['with an invalid latest', LINE_TEXT.replace('"signer":null', '"signer":"x"'), 'latest.signer'],
    ['with a latest over 16 KiB', `{"name":"pdf-tools","seq":42,"file":"${FILE}","latest":${big}}`, 'latest'],
    ['with a latest of another skill', LINE_TEXT.replace('"name":"pdf-tools"', '"name":"other"'), 'latest'],
    ['with a file but no latest', `{"name":"gone","seq":7,"file":"${FILE}","latest":null}`, 'file'],
  ];
  it.each(cases)('refuses a line %s', (_, text, path) => {
    expect(() => parseSnapshotLine(text)).toThrow(IndexLineError);
    expect(() => parseSnapshotLine(text)).toThrow(path === '' ? /^snapshot line / : `"${path}"`);
  });

  it('refuses to write an invalid line', () => {
    expect(() => serializeSnapshotLine({ ...LINE, file: null })).toThrow(/"file"/);
  });
});
