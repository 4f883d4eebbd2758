/**
 * How an index file is fetched (cargo's transport layer: local, git, HTTP with ETag/304). Paths
 * are index paths (`config.json`, `feed/head.json`, `co/de/code-review`), never URLs: the
 * transport decides where they live. A transport answers one of: still valid (the ETag matched),
 * new bytes (with their ETag), or not found.
 */
export interface IndexTransport {
  readonly kind: 'http' | 'git' | 'local';
  /** A description of where the index is read from, for messages. */
  readonly where: string;
  get(path: string, options: GetOptions): Promise<GetResult>;
  /** Releases what the transport holds (connections, a fetched git pack). */
  close(): Promise<void>;
}

export interface GetOptions {
  /** Refuse a body larger than this (RESPONSE_TOO_LARGE). */
  maxBytes: number;
  /** The ETag of the copy the caller holds: a match answers `not-modified`. */
  etag?: string | null;
  /**
   * Bytes `start`…`end` (inclusive; `end` null to the end). Over HTTP this is a Range request with
   * `Accept-Encoding: identity`; a server that ignores it answers the whole file, and the result
   * says so (`start: 0`): the caller drops what it did not ask for (DESIGN §4 sync step 3).
   */
  range?: { start: number; end: number | null };
  /** Ask caches on the way for a fresh copy (`Cache-Control: no-cache`): the retry for a stale copy. */
  noCache?: boolean;
}

export type GetResult =
  | {
      status: 'ok';
      bytes: Buffer;
      etag: string | null;
      /** The offset in the file of `bytes[0]`: the range start when honoured, else 0. */
      start: number;
    }
  | { status: 'not-modified' }
  | { status: 'not-found' };
