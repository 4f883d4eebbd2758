import { randomBytes } from 'node:crypto';

export interface FormPart {
  name: string;
  /** Present for a file part. */
  fileName?: string;
  contentType?: string;
  bytes: Uint8Array;
}

/**
 * A `multipart/form-data` body (RFC 7578) built in memory: the upload is at most a few MiB (the
 * registry caps tarballs at 10 MiB by default) and a fixed Content-Length lets the registry refuse
 * an oversized body before reading it. Names are ours, never user input, so no escaping is needed.
 */
export function multipartBody(parts: readonly FormPart[]): { bytes: Buffer; contentType: string } {
  const boundary = `----skills-${randomBytes(16).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.fileName === undefined ? '' : `; filename="${part.fileName}"`}`;
    const head = [`--${boundary}`, `Content-Disposition: ${disposition}`];
    if (part.contentType !== undefined) head.push(`Content-Type: ${part.contentType}`);
    chunks.push(
      Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'),
      Buffer.from(part.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { bytes: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
