import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidName } from '../../src/name.js';
import { isValidVersion } from '../../src/version.js';
import {
  formatTimestamp,
  parseIndexLine,
  serializeIndexLine,
  tryParseIndexLine,
} from '../../src/lines/index.js';
import type { IndexLine } from '../../src/lines/index.js';

const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const name = fc
  .array(word, { minLength: 1, maxLength: 4 })
  .map((words) => words.join('-').slice(0, 64))
  .filter(isValidName);
const numeric = fc.nat({ max: 10_000 }).map(String);
const prerelease = fc.array(fc.oneof(numeric, fc.stringMatching(/^[a-zA-Z-][0-9a-zA-Z-]{0,6}$/)), {
  maxLength: 3,
});
const version = fc
  .tuple(numeric, numeric, numeric, prerelease)
  .map(
    ([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre.length > 0 ? `-${pre.join('.')}` : ''}`,
  )
  .filter(isValidVersion);
const range = fc.oneof(
  version.map((v) => `^${v}`),
  version.map((v) => `>=${v} <99999.0.0`),
  fc.constantFrom('*', '1.x', '~2.1', '>=1.0.0'),
);
/** Any Unicode scalar values, astral ones included, never an unpaired surrogate. */
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const hex = (length: number, pattern: RegExp) => fc.stringMatching(pattern).map((s) => s.slice(0, length));

const indexLine: fc.Arbitrary<IndexLine> = fc.record({
  v: fc.constant(1 as const),
  name,
  version,
  deps: fc.dictionary(name, range, { maxKeys: 8 }),
  sha256: hex(64, /^[0-9a-f]{64}$/),
  size: fc.maxSafeNat(),
  description: text(300),
  keywords: fc.array(text(20), { maxLength: 8 }),
  license: fc.option(text(40), { nil: null }),
  yanked: fc.boolean(),
  yank_reason: fc.option(text(60), { nil: null }),
  published: fc
    .date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map(formatTimestamp),
  signer: fc.option(hex(40, /^[0-9A-F]{40}$/), { nil: null }),
});

/** The bytes with every string literal removed: what is left is structure. */
function outsideStrings(json: string): string {
  return json.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

describe('index line properties', () => {
  it('serialise → parse → serialise gives the same bytes', () => {
    fc.assert(
      fc.property(indexLine, (line) => {
        const bytes = serializeIndexLine(line);
        const again = serializeIndexLine(parseIndexLine(bytes));
        expect(again.equals(bytes)).toBe(true);
      }),
    );
  });

  it('parse → serialise keeps every value', () => {
    fc.assert(
      fc.property(indexLine, (line) => {
        expect(parseIndexLine(serializeIndexLine(line))).toEqual({ ...line, deps: { ...line.deps } });
      }),
    );
  });

  it('writes only printable ASCII, with no whitespace outside strings', () => {
    fc.assert(
      fc.property(indexLine, (line) => {
        const bytes = serializeIndexLine(line);
        expect(bytes.every((byte) => byte >= 0x20 && byte <= 0x7e)).toBe(true);
        expect(outsideStrings(bytes.toString('latin1'))).not.toMatch(/\s/);
        const escapes = [...bytes.toString('latin1').matchAll(/\\(u....|.)/g)].map((m) => m[1]!);
        expect(escapes.filter((e) => !/^(u[0-9a-f]{4}|"|\\)$/.test(e))).toEqual([]);
      }),
    );
  });

  const invalid: [keyof IndexLine, fc.Arbitrary<unknown>][] = [
    ['name', fc.oneof(fc.string(), fc.integer()).filter((v) => !isValidName(v))],
    ['version', fc.oneof(fc.string(), fc.integer()).filter((v) => !isValidVersion(v))],
    [
      'sha256',
      fc
        .oneof(fc.string(), fc.constant(null))
        .filter((v) => typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)),
    ],
    [
      'signer',
      fc.oneof(fc.string(), fc.integer()).filter((v) => typeof v !== 'string' || !/^[0-9A-F]{40}$/.test(v)),
    ],
  ];
  it.each(invalid)('refuses any line with an invalid %s', (field, bad) => {
    fc.assert(
      fc.property(indexLine, bad, (line, value) => {
        const result = tryParseIndexLine(JSON.stringify({ ...line, [field]: value }));
        expect(result.issue).toMatchObject({ path: field, code: 'INDEX_LINE_INVALID' });
      }),
    );
  });
});
