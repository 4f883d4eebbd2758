const LF = 0x0a;

/** The complete lines of NDJSON bytes: each a view without its 0x0A. */
export interface SplitLines {
  lines: Buffer[];
  /** Bytes up to and including the last 0x0A. */
  consumed: number;
  /** Bytes after the last 0x0A: a trailing fragment, which is not a line (DESIGN §4 Bytes). */
  rest: number;
}

/** Splits on 0x0A only; 0x0D and everything else stay in the line for its parser to judge. */
export function splitLines(input: Uint8Array): SplitLines {
  const bytes = asBuffer(input);
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(LF); end !== -1; end = bytes.indexOf(LF, start)) {
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return { lines, consumed: start, rest: bytes.length - start };
}

export function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}
