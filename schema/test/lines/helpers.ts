import type { IndexLine } from '../../src/lines/index.js';

/** A valid index line; tests change what they are about. */
export function sampleLine(overrides: Partial<IndexLine> = {}): IndexLine {
  return {
    v: 1,
    name: 'pdf-tools',
    version: '1.0.0',
    deps: {},
    sha256: 'a'.repeat(64),
    size: 1024,
    description: 'Reads PDFs',
    keywords: ['pdf'],
    license: 'MIT',
    yanked: false,
    yank_reason: null,
    published: '2024-05-01T12:00:00Z',
    signer: null,
    ...overrides,
  };
}

/** The line's JSON as a plain object, to break on purpose before encoding it. */
export function lineObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...sampleLine(), ...overrides };
}

export function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
