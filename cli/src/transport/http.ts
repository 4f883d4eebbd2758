import type { HttpClient } from '../http/client.js';
import type { GetOptions, GetResult, IndexTransport } from './types.js';
import { SkillsError, printable } from '@skills/schema';

export interface HttpTransportOptions {
  client: HttpClient;
  /** The index root, ending in `/`. */
  root: string;
  allowHttp: boolean;
  tokenFor?: (origin: string) => string | null;
}

/**
 * An index served over HTTP(S): the registry's `/index/`, a static host or a CDN. Conditional
 * requests with the ETag; ranges with `Accept-Encoding: identity` (a ranged response must not be
 * content-coded, DESIGN §4); a 401 is retried once with the origin's token.
 */
export class HttpTransport implements IndexTransport {
  readonly kind = 'http' as const;
  readonly where: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.where = options.root;
  }

  async get(indexPath: string, options: GetOptions): Promise<GetResult> {
    const url = new URL(indexPath, this.options.root).href;
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (options.etag) headers['if-none-match'] = options.etag;
    if (options.noCache) headers['cache-control'] = 'no-cache';
    if (options.range) headers['range'] = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    const response = await this.options.client.request(url, {
      headers,
      maxBytes: options.maxBytes,
      allowHttp: this.options.allowHttp,
      ...(this.options.tokenFor ? { tokenFor: this.options.tokenFor } : {}),
    });
    const etag = response.headers['etag'] ?? null;
    switch (response.status) {
      case 200:
        return { status: 'ok', bytes: response.body, etag, start: 0 };
      case 206:
        return {
          status: 'ok',
          bytes: response.body,
          etag,
          start: rangeStart(response.headers['content-range'], url),
        };
      case 304:
        return { status: 'not-modified' };
      case 404:
      case 410:
        return { status: 'not-found' };
      case 416:
        // Nothing at or after the start: an empty answer at that offset.
        return { status: 'ok', bytes: Buffer.alloc(0), etag, start: options.range?.start ?? 0 };
      default:
        throw httpStatusError(url, response.status);
    }
  }

  async close(): Promise<void> {}
}

/** The first byte of a 206's `Content-Range: bytes a-b/n`. */
function rangeStart(header: string | undefined, url: string): number {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header ?? '');
  if (match === null) {
    throw new SkillsError('HTTP_ERROR', `${printable(url)} answered 206 without a valid Content-Range`, {
      hint: 'the server or a cache on the way is broken: try again later',
    });
  }
  return Number(match[1]);
}

export function httpStatusError(url: string, status: number): SkillsError {
  if (status === 401 || status === 403) {
    return new SkillsError(
      'AUTH_REQUIRED',
      `${printable(url)} answered ${status}: this registry needs a login`,
      {
        hint: 'run `skills login` for this registry, or set SKILLS_TOKEN',
      },
    );
  }
  return new SkillsError('HTTP_ERROR', `${printable(url)} answered HTTP ${status}`, {
    hint: status >= 500 ? 'the registry has a problem: try again later' : 'check the registry URL',
  });
}
