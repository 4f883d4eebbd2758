import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import { digestOfHandle } from '../blobs.js';
import { problem, sendProblem } from '../http/problem.js';

/**
 * Serving a tree of static files the way clients of the index rely on (DESIGN §4 Client sync):
 * strong ETags from the content's sha256, Last-Modified, conditional GET/HEAD (304), single byte
 * ranges (206, 416), `Accept-Ranges: bytes`, and never any Content-Encoding (a ranged segment must
 * arrive as the bytes on disk). No directory listings.
 */

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'public, no-cache';

/**
 * A path segment that may be served: letters, digits, `.`, `_`, `-`, not starting with a dot.
 * So no `..`, no dotfiles (`.git`, `.gitattributes`, `.tmp-*` of writers in progress), no
 * backslash, NUL, `%` or anything else once percent-decoded.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** Temp names index-builder gives files before renaming them into place. */
const TEMP = /\.tmp-[0-9a-f]+$/;

/**
 * The decoded segments of a request path (relative to where the tree is mounted), or null when
 * the path is not one this server serves. Decoding happens once, per segment, and the result must
 * still be a plain name: `%2e%2e`, `%2f`, `%5c` and `%00` are refused like their literal forms.
 */
export function servableSegments(rawPath: string): string[] | null {
  if (!rawPath.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (!SEGMENT.test(segment) || TEMP.test(segment) || segment.length > 255) return null;
    segments.push(segment);
  }
  return segments;
}

/** Content types by file kind; index files are ASCII JSON or NDJSON. */
export function contentTypeOf(file: string): string {
  const base = path.posix.basename(file);
  if (base.endsWith('.json')) return 'application/json';
  if (base.endsWith('.ndjson')) return 'application/x-ndjson';
  if (base.endsWith('.gz') || base.endsWith('.tgz')) return 'application/gzip';
  if (base.endsWith('.asc'))
    return file.startsWith('keys/') ? 'application/pgp-keys' : 'application/pgp-signature';
  if (base.endsWith('.md')) return 'text/markdown; charset=utf-8';
  if (!base.includes('.')) return 'application/x-ndjson'; // shard files: one index line per version
  return 'application/octet-stream';
}

/** sha256 per file version (device, inode, size, mtime): files are replaced by rename, never edited. */
const digests = new Map<string, string>();
const DIGESTS_KEPT = 10_000;

async function contentDigest(handle: FileHandle, stats: Stats): Promise<string> {
  const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  const known = digests.get(key);
  if (known !== undefined) return known;
  const digest = await digestOfHandle(handle);
  if (digests.size >= DIGESTS_KEPT) digests.delete(digests.keys().next().value!);
  digests.set(key, digest);
  return digest;
}

/** Files up to this size are read at once and sent from memory; larger ones are streamed. */
const WHOLE_READ_BYTES = 256 * 1024;

export interface ServeOptions {
  /** The tree's root folder. */
  root: string;
  /** The file, as checked segments relative to root. */
  segments: readonly string[];
  /** Cache-Control for this file. */
  cacheControl: string;
}

/** Serves one file with validators, conditionals and ranges; 404 for anything that is not a regular file under root. */
export async function serveFile(req: Request, res: Response, options: ServeOptions): Promise<void> {
  const file = path.join(options.root, ...options.segments);
  const handle = await openInside(options.root, file);
  if (handle === null) return notFound(req, res);
  let streaming = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return notFound(req, res);
    const etag = `"${await contentDigest(handle, stats)}"`;
    const lastModified = new Date(Math.floor(stats.mtimeMs / 1000) * 1000);
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified.toUTCString());
    res.setHeader('Cache-Control', options.cacheControl);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', contentTypeOf(options.segments.join('/')));

    if (notModified(req, etag, lastModified)) {
      res.status(304).end();
      return;
    }
    const range = rangeOf(req, etag, lastModified, stats.size);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${stats.size}`);
      res.removeHeader('Content-Type');
      sendProblem(
        res,
        problem(
          416,
          'range_not_satisfiable',
          `the file is ${stats.size} bytes long; the range asked lies beyond it`,
        ),
      );
      return;
    }
    const [start, end] = range ?? [0, stats.size - 1];
    if (range !== null) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${stats.size}`);
    } else {
      res.status(200);
    }
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    const length = end - start + 1;
    if (length <= WHOLE_READ_BYTES) {
      // Index files, signatures and most tarballs: one read, no stream to set up.
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(bytes, 0, length, start);
      res.end(bytesRead === length ? bytes : bytes.subarray(0, bytesRead));
      return;
    }
    streaming = true;
    const stream = handle.createReadStream({ start, end, autoClose: true });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  } finally {
    if (!streaming) await handle.close();
  }
}

/** A tree's root never moves while the server runs: its real path is looked up once. */
const realRoots = new Map<string, Promise<string>>();

function realRoot(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpath(root);
    realRoots.set(root, real);
    real.catch(() => realRoots.delete(root)); // not there yet: asked again next time
  }
  return real;
}

/**
 * Opens file only if it really lies under root (no symbolic link leads out), else null. The
 * segments are already plain names, so this is the second fence, not the first.
 */
async function openInside(root: string, file: string): Promise<FileHandle | null> {
  let real: string;
  let rootReal: string;
  try {
    [real, rootReal] = await Promise.all([realpath(file), realRoot(root)]);
  } catch {
    return null;
  }
  if (!real.startsWith(`${rootReal}${path.sep}`)) return null;
  try {
    return await open(real, 'r');
  } catch {
    return null;
  }
}

/** RFC 9110 §13.1.2 / §13.1.3: If-None-Match (weak comparison) wins over If-Modified-Since. */
function notModified(req: Request, etag: string, lastModified: Date): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch !== undefined) {
    if (noneMatch.trim() === '*') return true;
    return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const since = req.headers['if-modified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  return !Number.isNaN(time) && lastModified.getTime() <= time;
}

/**
 * The one byte range asked for, as [start, end] inclusive; null to send the whole file (no Range,
 * a Range this server does not do — several ranges, other units, bad syntax — or an If-Range that
 * no longer matches); 'unsatisfiable' for 416.
 */
function rangeOf(
  req: Request,
  etag: string,
  lastModified: Date,
  size: number,
): [number, number] | null | 'unsatisfiable' {
  const header = req.headers.range;
  if (header === undefined) return null;
  const ifRange = req.get('if-range');
  if (ifRange !== undefined) {
    const fresh = ifRange.startsWith('"') ? ifRange === etag : Date.parse(ifRange) === lastModified.getTime();
    if (!fresh) return null;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return null; // invalid: ignore the header
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

export function notFound(req: Request, res: Response): void {
  res.setHeader('Cache-Control', 'no-cache');
  sendProblem(res, problem(404, 'not_found', `nothing at ${req.method} ${req.originalUrl.split('?')[0]}`));
}
