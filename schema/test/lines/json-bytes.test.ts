import { describe, expect, it } from 'vitest';
import { jsonObject, jsonScalar, jsonString } from '../../src/lines/json-bytes.js';
import { formatTimestamp, isTimestamp } from '../../src/lines/index.js';

describe('canonical JSON', () => {
  it('keeps printable ASCII as it is', () => {
    expect(jsonString('Hello, world ~ {}[]/')).toBe('"Hello, world ~ {}[]/"');
  });

  it('escapes " and \\ with their short forms', () => {
    expect(jsonString('a"b\\c')).toBe(String.raw`"a\"b\\c"`);
  });

  it('escapes control characters and DEL as lowercase \\u, never as \\n', () => {
    expect(jsonString('\u0000\n\r\t\u001f\u007f')).toBe(String.raw`"\u0000\u000a\u000d\u0009\u001f\u007f"`);
  });

  it('escapes non-ASCII as lowercase \\u and astral characters as surrogate pairs', () => {
    expect(jsonString('é\u00ff\u2028€😀')).toBe(String.raw`"\u00e9\u00ff\u2028\u20ac\ud83d\ude00"`);
  });

  it('refuses an unpaired surrogate', () => {
    expect(() => jsonString('a\udc00')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('writes members in the order given and only safe integers as numbers', () => {
    expect(
      jsonObject([
        ['b', jsonScalar(1)],
        ['a', jsonScalar(null)],
        ['c', jsonScalar(true)],
      ]),
    ).toBe('{"b":1,"a":null,"c":true}');
    expect(() => jsonScalar(1.5)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => jsonScalar(2 ** 53)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('timestamps', () => {
  it('formats whole seconds in UTC, dropping milliseconds', () => {
    expect(formatTimestamp(new Date('2024-05-01T12:34:56.999Z'))).toBe('2024-05-01T12:34:56Z');
  });

  it('refuses dates it cannot write', () => {
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
    expect(() => formatTimestamp(new Date('+010000-01-01T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });

  it.each(['2024-05-01T12:34:56Z', '2024-02-29T23:59:59Z', '0000-01-01T00:00:00Z'])('accepts %s', (value) => {
    expect(isTimestamp(value)).toBe(true);
  });

  it.each([
    '2024-05-01T12:34:56.000Z',
    '2024-05-01T12:34:56+00:00',
    '2024-05-01 12:34:56Z',
    '2023-02-29T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01t12:34:56z',
  ])('refuses %s', (value) => {
    expect(isTimestamp(value)).toBe(false);
  });

  it('refuses a value that is not a string', () => {
    expect(isTimestamp(1714566896)).toBe(false);
  });
});
