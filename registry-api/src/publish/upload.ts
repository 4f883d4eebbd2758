import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from '../http/problem.js';

/** Caps on one publish request, all enforced while the body streams in. */
export interface UploadLimits {
  /** Bytes of the tarball (the archive's compressed limit). */
  tarballBytes: number;
  /** Bytes of any text field, and of the signature when it comes as a file. */
  fieldBytes: number;
  /** Text fields; unknown ones are read and ignored. */
  fields: number;
  /** Parts of any kind. */
  parts: number;
}

const KIB = 1024;

export function uploadLimits(tarballBytes: number): UploadLimits {
  return { tarballBytes, fieldBytes: 64 * KIB, fields: 4, parts: 5 };
}

/**
 * The most bytes a valid request can take: the tarball, every field at its cap, and room for
 * part headers and boundaries. A declared Content-Length above it is refused before reading.
 */
export function maxBodyBytes(limits: UploadLimits): number {
  return limits.tarballBytes + limits.parts * limits.fieldBytes + 16 * KIB;
}

/** What a publish request carried; every other field is ignored, never trusted. */
export interface Upload {
  tarball: Buffer;
  /** The armored detached signature. */
  signature: string;
}

export function tooLarge(detail: string): ApiError {
  return new ApiError(413, 'body_too_large', detail);
}

/**
 * Refuses at once a body that announces more bytes than `maxBytes`, before any of it is read.
 * The connection is closed after the answer, so the client cannot keep streaming into it.
 */
export function refuseLargeBodies(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      closeAfterAnswer(res);
      next(tooLarge(`the request declares ${declared} bytes; the limit is ${maxBytes}`));
      return;
    }
    next();
  };
}

/** Node then stops reading the request instead of draining the rest of a refused body. */
function closeAfterAnswer(res: Response): void {
  res.setHeader('Connection', 'close');
}

/**
 * Reads a multipart/form-data publish request into memory: field `tarball` (a file) and field
 * `signature` (a text field, or a file). Every cap is enforced while streaming; the first broken
 * one stops the reading and the connection is closed after the answer.
 *
 * Decision: busboy's `files` limit is 2, not 1, because DESIGN lets the signature come as a file;
 * the signature file gets the text fields' 64 KiB cap, counted here.
 */
export function readUpload(req: Request, res: Response, limits: UploadLimits): Promise<Upload> {
  return new Promise<Upload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          fileSize: limits.tarballBytes + 1, // reaching it means "more than the limit"
          files: 2,
          fields: limits.fields,
          parts: limits.parts + 1, // busboy signals when the count reaches it, not passes it
          fieldSize: limits.fieldBytes,
          fieldNameSize: 100,
          headerPairs: 20,
        },
      });
    } catch {
      reject(new ApiError(415, 'unsupported_media_type', 'send the tarball as multipart/form-data'));
      return;
    }

    let settled = false;
    const fail = (error: ApiError) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      closeAfterAnswer(res);
      reject(error);
    };

    let tarball: Buffer | undefined;
    let signature: string | undefined;
    const pending = new Set<Promise<void>>();

    parser.on('file', (name, stream) => {
      if (name !== 'tarball' && name !== 'signature') {
        stream.resume();
        fail(new ApiError(400, 'invalid_upload', `unexpected file field "${name.slice(0, 100)}"`));
        return;
      }
      const cap = name === 'tarball' ? limits.tarballBytes : limits.fieldBytes;
      const over = () => fail(tooLarge(`the ${name} is larger than ${cap} bytes`));
      const done = collect(stream, cap, over).then(
        (bytes) => {
          if (bytes === null) return over();
          if (name === 'tarball') tarball = takeOnce(tarball, bytes, name, fail);
          else signature = takeOnce(signature, bytes.toString('utf8'), name, fail);
        },
        () => fail(new ApiError(400, 'invalid_upload', `the ${name} upload broke off`)),
      );
      pending.add(done);
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) {
        fail(tooLarge(`a form field is larger than ${limits.fieldBytes} bytes`));
        return;
      }
      if (name === 'signature') signature = takeOnce(signature, value, name, fail);
      // Any other field (sha256, owners, yanked, verified…) is ignored: the server computes them.
    });
    const overCount = (what: string) => () => fail(tooLarge(`the request has too many ${what}`));
    parser.on('partsLimit', overCount('parts'));
    parser.on('filesLimit', overCount('files'));
    parser.on('fieldsLimit', overCount('fields'));
    parser.on('error', () => fail(new ApiError(400, 'invalid_upload', 'the multipart body is malformed')));
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (settled) return;
        if (tarball === undefined) return fail(missing('tarball'));
        if (signature === undefined) return fail(missing('signature'));
        settled = true;
        // Browsers' and undici's FormData send text fields with CRLF line ends; armor reads the same
        // either way, and the stored `.asc` is kept in the LF form gpg writes.
        resolve({ tarball, signature: signature.replaceAll('\r\n', '\n') });
      });
    });
    req.on('error', () => fail(new ApiError(400, 'invalid_upload', 'the request broke off')));
    req.pipe(parser);
  });
}

function missing(field: string): ApiError {
  return new ApiError(400, 'invalid_upload', `the form field "${field}" is missing`);
}

function takeOnce<T>(current: T | undefined, value: T, name: string, fail: (e: ApiError) => void): T {
  if (current !== undefined) fail(new ApiError(400, 'invalid_upload', `the field "${name}" appears twice`));
  return value;
}

/**
 * The stream's bytes, or null when they pass `cap`; `onOver` is called the moment they do, so the
 * request stops being read there and the rest is never buffered.
 */
function collect(
  stream: NodeJS.ReadableStream & { truncated?: boolean },
  cap: number,
  onOver: () => void,
): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    stream.on('limit', onOver); // busboy's fileSize cap, one byte past ours
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap && !over) {
        over = true;
        chunks.length = 0;
        onOver();
      }
      if (!over) chunks.push(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(over || stream.truncated === true ? null : Buffer.concat(chunks, size)));
  });
}
