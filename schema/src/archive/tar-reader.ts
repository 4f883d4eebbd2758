import { refusal } from './refusal.js';
import { BLOCK_SIZE, decodeHeader, type RawHeader } from './ustar.js';

/** What the tar stream holds, in order. `data` chunks alias the buffer given to `push`. */
export type TarEvent =
  | { kind: 'header'; header: RawHeader }
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'entry-end' }
  | { kind: 'end' };

/**
 * Splits a decompressed tar stream, fed in chunks of any size, into headers and contents. It
 * knows tar framing only; the archive rules are the caller's, applied to each header before the
 * entry's contents are looked at.
 */
export class TarReader {
  readonly #block = Buffer.alloc(BLOCK_SIZE);
  #filled = 0;
  #state: 'header' | 'body' | 'padding' | 'end' = 'header';
  /** Contents or padding bytes still to come. */
  #remaining = 0;
  #padding = 0;
  #zeroBlocks = 0;

  push(chunk: Buffer): TarEvent[] {
    const events: TarEvent[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === 'end') {
        if (!isAllZero(chunk, at)) {
          throw refusal(
            'ARCHIVE_TRAILING_GARBAGE',
            'bytes other than zeros follow the end of the tar archive',
          );
        }
        return events;
      }
      if (this.#state === 'header') {
        const taken = Math.min(BLOCK_SIZE - this.#filled, chunk.length - at);
        chunk.copy(this.#block, this.#filled, at, at + taken);
        this.#filled += taken;
        at += taken;
        if (this.#filled === BLOCK_SIZE) {
          this.#filled = 0;
          this.#readBlock(events);
        }
        continue;
      }
      const taken = Math.min(this.#remaining, chunk.length - at);
      if (this.#state === 'body') events.push({ kind: 'data', chunk: chunk.subarray(at, at + taken) });
      at += taken;
      this.#remaining -= taken;
      if (this.#remaining === 0) this.#endBody(events);
    }
    return events;
  }

  /** Throws when the stream stopped before the two zero blocks that end an archive. */
  finish(): void {
    if (this.#state !== 'end') {
      throw refusal('ARCHIVE_CORRUPT', 'the tar stream stops before its end-of-archive blocks');
    }
  }

  #readBlock(events: TarEvent[]): void {
    if (isAllZero(this.#block, 0)) {
      this.#zeroBlocks += 1;
      if (this.#zeroBlocks === 2) {
        this.#state = 'end';
        events.push({ kind: 'end' });
      }
      return;
    }
    // A lone zero block is where some readers stop and others read on: refuse the ambiguity.
    if (this.#zeroBlocks > 0) throw refusal('ARCHIVE_CORRUPT', 'a tar header follows a single zero block');
    const header = decodeHeader(this.#block);
    events.push({ kind: 'header', header });
    this.#remaining = header.size;
    this.#padding = (BLOCK_SIZE - (header.size % BLOCK_SIZE)) % BLOCK_SIZE;
    this.#state = 'body';
    if (header.size === 0) this.#endBody(events);
  }

  #endBody(events: TarEvent[]): void {
    if (this.#state === 'body') {
      events.push({ kind: 'entry-end' });
      if (this.#padding > 0) {
        this.#state = 'padding';
        this.#remaining = this.#padding;
        return;
      }
    }
    this.#state = 'header';
  }
}

function isAllZero(buffer: Buffer, from: number): boolean {
  for (let i = from; i < buffer.length; i++) if (buffer[i] !== 0) return false;
  return true;
}
