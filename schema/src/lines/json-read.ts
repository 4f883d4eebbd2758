import { isUtf8 } from 'node:buffer';
import type { ErrorCode, Issue } from '../errors.js';
import { isWellFormedText } from './json-bytes.js';

/*
 * Reading is lenient where the design allows it and strict where a second parser could disagree:
 * whitespace between tokens and raw UTF-8 inside strings are accepted (only writers promise the
 * canonical form), but invalid UTF-8, a BOM, 0x0D anywhere, 0x0A inside a line and duplicate keys
 * are refused — JSON.parse would silently keep the last of two equal keys where another reader
 * might keep the first.
 */

export interface ReadOptions {
  /** Names the thing in messages: `index line`, `feed/head.json`. */
  subject: string;
  code: ErrorCode;
  maxBytes: number;
  /** A line of an NDJSON file: 0x0A may not occur in it (the caller split on it). */
  line: boolean;
}

/** Byte offsets `[start, end)` of a member value inside the input. */
export type Span = readonly [start: number, end: number];

export interface JsonObjectBytes {
  value: Record<string, unknown>;
  /** The whole input as bytes. */
  bytes: Buffer;
  /** Where each top-level member's value lies in `bytes`. */
  spans: ReadonlyMap<string, Span>;
}

export type JsonObjectRead = (JsonObjectBytes & { issue?: undefined }) | { issue: Issue };

/** Parses bytes holding one JSON object and finds the exact bytes of its top-level members. */
export function readJsonObject(input: Uint8Array | string, options: ReadOptions): JsonObjectRead {
  const fail = (message: string): JsonObjectRead => ({
    issue: { path: '', code: options.code, message: `${options.subject} ${message}` },
  });
  if (typeof input === 'string' && !isWellFormedText(input)) return fail('holds an unpaired surrogate');
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : asBuffer(input);
  if (bytes.length > options.maxBytes) {
    return fail(`is ${bytes.length} bytes long, more than the limit of ${options.maxBytes}`);
  }
  if (bytes.includes(0x0d)) return fail('contains a carriage return (0x0D)');
  if (options.line && bytes.includes(0x0a)) return fail('contains a line feed (0x0A)');
  if (!isUtf8(bytes)) return fail('is not valid UTF-8');
  // Buffer decoding keeps a BOM as U+FEFF, which JSON.parse then refuses: no BOM slips through.
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('is not valid JSON');
  }
  if (!isPlainObject(value)) return fail('is not a JSON object');
  const scan = scanMembers(bytes);
  if ('duplicate' in scan) return fail(`repeats the key "${scan.duplicate}"`);
  return { value, bytes, spans: scan.spans };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpaceOrColon(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x3a;
}

/**
 * Walks bytes JSON.parse has accepted, so it need not re-check the grammar. Iterative (an explicit
 * stack) so hostile nesting cannot overflow the call stack. Structural bytes are ASCII and never
 * occur inside a UTF-8 multi-byte sequence, so walking bytes is exact.
 */
function scanMembers(bytes: Buffer): { spans: Map<string, Span> } | { duplicate: string } {
  const spans = new Map<string, Span>();
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  let member = '';
  let memberStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (isSpaceOrColon(byte)) {
      i++;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (open.length === 1) memberStart = i;
      open.push(byte === OPEN_OBJECT ? new Set() : null);
      expectKey = byte === OPEN_OBJECT;
      i++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      open.pop();
      i++;
      if (open.length === 1) spans.set(member, [memberStart, i]);
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = open.at(-1) instanceof Set;
      i++;
    } else {
      const end = byte === QUOTE ? stringEnd(bytes, i) : scalarEnd(bytes, i);
      const keys = open.at(-1);
      if (expectKey && keys) {
        const key = decodeKey(bytes, i, end);
        if (keys.has(key)) return { duplicate: key };
        keys.add(key);
        if (open.length === 1) member = key;
        expectKey = false;
      } else if (open.length === 1) {
        spans.set(member, [i, end]);
      }
      i = end;
    }
  }
  return { spans };
}

/** The offset after a string's closing quote: the first `"` preceded by an even run of `\`. */
function stringEnd(bytes: Buffer, start: number): number {
  let quote = start;
  for (;;) {
    // indexOf runs natively: strings are most of the bytes of a line.
    quote = bytes.indexOf(QUOTE, quote + 1);
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
}

function scalarEnd(bytes: Buffer, start: number): number {
  let i = start + 1;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (isSpaceOrColon(byte) || byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) break;
    i++;
  }
  return i;
}

/** Keys compare as decoded strings: `"a"` and `"\u0061"` are the same key. */
function decodeKey(bytes: Buffer, start: number, end: number): string {
  for (let i = start + 1; i < end - 1; i++) {
    if (bytes[i] === BACKSLASH || bytes[i]! >= 0x80)
      return JSON.parse(bytes.toString('utf8', start, end)) as string;
  }
  return bytes.toString('latin1', start + 1, end - 1);
}
