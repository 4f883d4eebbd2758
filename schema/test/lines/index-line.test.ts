import { describe, expect, it } from 'vitest';
import { IndexLineError } from '../../src/errors.js';
import {
  INDEX_LINE_MAX_BYTES,
  parseIndexLine,
  serializeIndexLine,
  tryParseIndexLine,
  type IndexLine,
} from '../../src/lines/index.js';
import { ascii, lineObject, sampleLine } from './helpers.js';

const GOLDEN_LINE: IndexLine = {
  v: 1,
  name: 'pdf-tools',
  version: '1.2.0',
  deps: { 'text-utils': '^1.0.0', base: '~2.1' },
  sha256: 'ab'.repeat(32),
  size: 4096,
  description: 'Résumé of PDFs 📄\twith "quotes", a \\ and DEL\u007f',
  keywords: ['pdf', 'naïve'],
  license: 'MIT',
  yanked: false,
  yank_reason: null,
  published: '2024-05-01T12:00:00Z',
  signer: '0123456789ABCDEF0123456789ABCDEF01234567',
};

const GOLDEN_BYTES = ascii(
  String.raw`{"v":1,"name":"pdf-tools","version":"1.2.0","deps":{"base":"~2.1","text-utils":"^1.0.0"},` +
    String.raw`"sha256":"abababababababababababababababababababababababababababababababab","size":4096,` +
    String.raw`"description":"R\u00e9sum\u00e9 of PDFs \ud83d\udcc4\u0009with \"quotes\", a \\ and DEL\u007f",` +
    String.raw`"keywords":["pdf","na\u00efve"],"license":"MIT","yanked":false,"yank_reason":null,` +
    String.raw`"published":"2024-05-01T12:00:00Z","signer":"0123456789ABCDEF0123456789ABCDEF01234567"}`,
);

function encode(object: Record<string, unknown>): string {
  return JSON.stringify(object);
}

describe('index lines', () => {
  it('writes the exact golden bytes: key order, sorted deps, lowercase escapes, no whitespace', () => {
    expect(serializeIndexLine(GOLDEN_LINE)).toEqual(GOLDEN_BYTES);
  });

  it('reads the golden bytes back to the same line', () => {
    expect(parseIndexLine(GOLDEN_BYTES)).toEqual(GOLDEN_LINE);
  });

  it('writes the same bytes whatever order the input object has its keys in', () => {
    const reversed = Object.fromEntries(Object.entries(GOLDEN_LINE).reverse()) as unknown as IndexLine;
    const deps = { base: '~2.1', 'text-utils': '^1.0.0' };
    expect(serializeIndexLine({ ...reversed, deps })).toEqual(GOLDEN_BYTES);
  });

  it('writes a dependency named with digits in name order, not in JavaScript key order', () => {
    const bytes = serializeIndexLine(sampleLine({ deps: { zeta: '1.x', '42': '^2.0.0' } }));
    expect(bytes.toString()).toContain('"deps":{"42":"^2.0.0","zeta":"1.x"}');
  });

  it('accepts a string, a Buffer and a Uint8Array view into a larger buffer', () => {
    const text = GOLDEN_BYTES.toString('latin1');
    const padded = Buffer.concat([ascii('xx'), GOLDEN_BYTES, ascii('yy')]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 2, GOLDEN_BYTES.length);
    expect(parseIndexLine(text)).toEqual(GOLDEN_LINE);
    expect(parseIndexLine(view)).toEqual(GOLDEN_LINE);
  });

  it('reads unknown fields without keeping them', () => {
    const line = parseIndexLine(encode(lineObject({ future: { x: [1, 2] } })));
    expect(line).toEqual(sampleLine());
    expect(Object.keys(line)).not.toContain('future');
  });

  it('reads lines a writer did not make canonical: whitespace between tokens, raw UTF-8', () => {
    const text = JSON.stringify(lineObject({ description: 'Résumé 📄' }), null, 1).replaceAll('\n', ' ');
    expect(parseIndexLine(text).description).toBe('Résumé 📄');
  });

  it('accepts a line of exactly 16 KiB and refuses one byte more', () => {
    const base = serializeIndexLine(sampleLine({ description: '' })).length;
    const fits = encode(lineObject({ description: 'x'.repeat(INDEX_LINE_MAX_BYTES - base) }));
    expect(Buffer.byteLength(fits)).toBe(INDEX_LINE_MAX_BYTES);
    expect(tryParseIndexLine(fits).line).toBeDefined();
    const over = encode(lineObject({ description: 'x'.repeat(INDEX_LINE_MAX_BYTES - base + 1) }));
    expect(tryParseIndexLine(over).issue?.path).toBe('');
  });

  it('refuses to write a line over 16 KiB, with a hint', () => {
    const line = sampleLine({ description: '\u00e9'.repeat(3000) });
    expect(() => serializeIndexLine(line)).toThrow(IndexLineError);
    expect(() => serializeIndexLine(line)).toThrow(expect.objectContaining({ hint: expect.any(String) }));
  });

  it('refuses to write something that is not an object', () => {
    expect(() => serializeIndexLine(null as unknown as IndexLine)).toThrow(/^index line must be an object$/);
  });

  it('refuses to write an invalid line, naming the field', () => {
    expect(() => serializeIndexLine(sampleLine({ sha256: 'A'.repeat(64) }))).toThrow(/"sha256"/);
    expect(() => serializeIndexLine(sampleLine({ description: 'a\ud800' }))).toThrow(/"description"/);
  });

  describe('refuses a line', () => {
    const whole: [string, string | Uint8Array][] = [
      ['that is not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
      ['that holds a line feed', encode(lineObject()).replace(',', ',\n')],
      ['that holds a carriage return', encode(lineObject()).replace(',', ',\r')],
      ['that starts with a BOM', `\ufeff${encode(lineObject())}`],
      ['that is not JSON', '{"v":1,'],
      ['that is not an object', '[1]'],
      ['that is null', 'null'],
      ['that repeats a key', encode(lineObject()).replace('{', '{"name":"other",')],
      [
        'that repeats a key in deps, spelt differently',
        encode(lineObject()).replace('"deps":{}', String.raw`"deps":{"ab":"1.x","a\u0062":"2.x"}`),
      ],
      ['given as a string with an unpaired surrogate', encode(lineObject()).replace('Reads', '\ud800')],
    ];
    it.each(whole)('%s', (_, input) => {
      expect(tryParseIndexLine(input)).toEqual({
        issue: { path: '', code: 'INDEX_LINE_INVALID', message: expect.any(String) },
      });
      expect(() => parseIndexLine(input)).toThrow(IndexLineError);
    });

    const fields: [string, Record<string, unknown>, string][] = [
      ['without v', { v: undefined }, 'v'],
      ['of format v 2', { v: 2 }, 'v'],
      ['with an invalid name', { name: 'Bad_Name' }, 'name'],
      ['with a name over 64 characters', { name: 'a'.repeat(65) }, 'name'],
      ['with a loose version', { version: '1.0' }, 'version'],
      ['with build metadata', { version: '1.0.0+build' }, 'version'],
      ['with deps that are an array', { deps: [] }, 'deps'],
      ['with deps that are null', { deps: null }, 'deps'],
      ['with a dependency of an invalid name', { deps: { '../x': '1.x' } }, 'deps.../x'],
      ['with a dependency of an invalid range', { deps: { base: 'not a range' } }, 'deps.base'],
      ['with an uppercase sha256', { sha256: 'A'.repeat(64) }, 'sha256'],
      ['with a short sha256', { sha256: 'a'.repeat(63) }, 'sha256'],
      ['with a negative size', { size: -1 }, 'size'],
      ['with a fractional size', { size: 1.5 }, 'size'],
      ['with an unsafe size', { size: 2 ** 53 }, 'size'],
      ['with a size given as a string', { size: '1' }, 'size'],
      ['with a description that is not a string', { description: 42 }, 'description'],
      ['with keywords that are not an array', { keywords: 'pdf' }, 'keywords'],
      ['with a keyword that is not a string', { keywords: ['pdf', 1] }, 'keywords'],
      ['with a license that is a number', { license: 5 }, 'license'],
      ['with yanked given as a string', { yanked: 'no' }, 'yanked'],
      ['with a yank_reason that is a boolean', { yank_reason: false }, 'yank_reason'],
      ['with a published time that has a space', { published: '2024-05-01 12:00:00Z' }, 'published'],
      ['with a published time that has milliseconds', { published: '2024-05-01T12:00:00.000Z' }, 'published'],
      ['with a published day that does not exist', { published: '2024-02-30T12:00:00Z' }, 'published'],
      ['with a lowercase signer', { signer: 'a'.repeat(40) }, 'signer'],
      ['with a signer of 39 digits', { signer: 'A'.repeat(39) }, 'signer'],
    ];
    it.each(fields)('%s', (_, overrides, path) => {
      const input = encode(lineObject(overrides));
      expect(tryParseIndexLine(input)).toEqual({
        issue: { path, code: 'INDEX_LINE_INVALID', message: expect.stringContaining(`"${path}"`) },
      });
      expect(() => parseIndexLine(input)).toThrow(expect.objectContaining({ code: 'INDEX_LINE_INVALID' }));
    });

    it('with a description holding an escaped unpaired surrogate', () => {
      const input = encode(lineObject()).replace('Reads', String.raw`\ud800`);
      expect(tryParseIndexLine(input).issue?.path).toBe('description');
    });
  });
});
