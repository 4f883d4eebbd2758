import type * as UndiciModule from 'undici';
import type { Dispatcher } from 'undici';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { printable, SkillsError } from '@skills/schema';
import pkg from '../../package.json' with { type: 'json' };
import { checkSecure } from '../registry/location.js';

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The response body is refused past this many bytes (RESPONSE_TOO_LARGE), before buffering it. */
  maxBytes: number;
  /** Plain http to a non-loopback host was allowed for this registry. */
  allowHttp?: boolean;
  /**
   * The API token of an origin, for DESIGN §6's rule: a 401 on an index or download URL means
   * auth is required, so the request is retried once with that origin's token.
   */
  tokenFor?: (origin: string) => string | null;
  /** Sent from the first request (API calls); never sent to another origin after a redirect. */
  bearer?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

const MAX_REDIRECTS = 5;
const TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 };
export const USER_AGENT = `skills/${pkg.version} node/${process.versions.node}`;

/** What the vendor bundle of undici holds (cli/build.mjs): nothing else may be used from it. */
type Undici = Pick<typeof UndiciModule, 'Agent' | 'EnvHttpProxyAgent'>;
let undici: Promise<Undici> | undefined;

/**
 * The one HTTP client of the CLI (undici, loaded on first use so commands that stay offline never
 * pay for it). It owns its connection pool: `close()` at the end of a command, so idle keep-alive
 * sockets never hold the process open. Honours HTTP(S)_PROXY and NO_PROXY.
 */
export class HttpClient {
  #dispatcher: Promise<Dispatcher> | undefined;

  constructor(private readonly env: Record<string, string | undefined> = {}) {}

  async request(url: string, request: HttpRequest): Promise<HttpResponse> {
    const method = request.method ?? 'GET';
    let current = new URL(url);
    let bearer = request.bearer;
    let retriedWithToken = false;
    for (let redirects = 0; ;) {
      checkSecure(current.href, request.allowHttp ?? false);
      const answer = await this.once(current, method, request, bearer);
      const location = answer.headers['location'];
      if ([301, 302, 303, 307, 308].includes(answer.status) && location !== undefined && method === 'GET') {
        if (++redirects > MAX_REDIRECTS) {
          throw new SkillsError(
            'HTTP_ERROR',
            `${printable(url)} redirects more than ${MAX_REDIRECTS} times`,
            {
              hint: 'the server is misconfigured: tell its operator',
            },
          );
        }
        const next = new URL(location, current);
        if (current.protocol === 'https:' && next.protocol !== 'https:') {
          throw new SkillsError('HTTP_INSECURE', `${printable(current.href)} redirects to plain http`, {
            hint: 'the server is misconfigured: tell its operator',
          });
        }
        if (next.origin !== current.origin) bearer = undefined; // credentials never follow a redirect elsewhere
        current = next;
        continue;
      }
      if (answer.status === 401 && bearer === undefined && !retriedWithToken && request.tokenFor) {
        const token = request.tokenFor(current.origin);
        retriedWithToken = true;
        if (token !== null) {
          bearer = token;
          continue;
        }
      }
      return { ...answer, url: current.href };
    }
  }

  /**
   * Ends the connection pool; a closed client opens a new one when used again. Destroyed rather
   * than closed gracefully: a command calls this when it is done, and waiting for each keep-alive
   * socket's orderly close only delayed its exit (~4 ms). A request still in flight then (a
   * prefetch nobody needed) fails, and nobody is waiting for it.
   */
  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher !== undefined) await (await dispatcher).destroy();
  }

  private async once(
    url: URL,
    method: string,
    request: HttpRequest,
    bearer: string | undefined,
  ): Promise<Omit<HttpResponse, 'url'>> {
    const dispatcher = await this.dispatcher();
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...request.headers };
    if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        headersTimeout: TIMEOUTS.headersMs,
        bodyTimeout: TIMEOUTS.bodyMs,
      });
    } catch (error) {
      throw unreachable(url, error);
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const body = await readCapped(response, url, request.maxBytes);
    return { status: response.statusCode, headers: flat, body };
  }

  private dispatcher(): Promise<Dispatcher> {
    this.#dispatcher ??= loadUndici().then(({ Agent, EnvHttpProxyAgent }) => {
      const options = { connect: { timeout: TIMEOUTS.connectMs }, keepAliveTimeout: 2_000 };
      const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some(
        (name) => (this.env[name] ?? '') !== '',
      );
      if (!proxied) return new Agent(options);
      const pick = (...names: string[]): string | undefined =>
        names.map((name) => this.env[name]).find((value) => value !== undefined && value !== '');
      const httpProxy = pick('HTTP_PROXY', 'http_proxy');
      const httpsProxy = pick('HTTPS_PROXY', 'https_proxy');
      const noProxy = pick('NO_PROXY', 'no_proxy');
      return new EnvHttpProxyAgent({
        ...options,
        ...(httpProxy === undefined ? {} : { httpProxy }),
        ...(httpsProxy === undefined ? {} : { httpsProxy }),
        ...(noProxy === undefined ? {} : { noProxy }),
      });
    });
    return this.#dispatcher;
  }
}

const SEND_HEADERS = 'undici:client:sendHeaders';

/**
 * Resolves once the next request's headers are written (undici publishes on
 * `undici:client:sendHeaders` just before it writes them; the promise's callbacks run after the
 * write). Work that holds the thread for a while — loading openpgp — waits for it, so it overlaps
 * the server's answer instead of holding the request back: undici writes a request only when its
 * connection's callback runs. Never resolves if no request is sent: race it with the request.
 */
export function nextRequestSent(): Promise<void> {
  return new Promise((resolve) => {
    const sent = (): void => {
      unsubscribe(SEND_HEADERS, sent);
      resolve();
    };
    subscribe(SEND_HEADERS, sent);
  });
}

const WARM_BUILTINS = ['node:zlib', 'node:stream/web', 'node:worker_threads'] as const;

function loadUndici(): Promise<Undici> {
  undici ??= import('undici').then((loaded) => {
    // undici parses HTTP with llhttp, a WebAssembly module compiled on the first connection. V8
    // compiles it twice, Liftoff at once and then TurboFan in the background, and a process does
    // not exit before background compiles end: ~100 ms after the last byte of every command that
    // made a request (measured on a no-change `skills sync`). Liftoff's code parses the CLI's
    // responses as well (headers; bodies pass through as spans), so the second compile is not
    // started. Set after undici and the built-ins it needs are loaded: changing a V8 flag makes
    // V8 refuse code caches made before, Node's own for built-in modules included — so the
    // built-ins network commands load later (zlib for tarballs and snapshots; web streams,
    // worker_threads and WebCrypto's Ed25519, which openpgp verifies with) are loaded first, from
    // Node's cache. Importing a throwaway key is what loads WebCrypto's Ed25519 modules.
    for (const id of WARM_BUILTINS) process.getBuiltinModule(id);
    globalThis.crypto.subtle
      .importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify'])
      .catch(() => undefined);
    setFlagsFromString('--liftoff-only');
    return loaded;
  });
  return undici;
}

/** Reads the body, refusing it once it passes `maxBytes` (Content-Length is checked first). */
async function readCapped(response: Dispatcher.ResponseData, url: URL, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  const tooLarge = (): SkillsError =>
    new SkillsError('RESPONSE_TOO_LARGE', `${printable(url.href)} sends more than ${maxBytes} bytes`, {
      hint: 'the server sent more than skills accepts for this file: tell its operator',
    });
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Destroying an unread undici body emits an AbortError; nobody reads it any more.
    response.body.on('error', () => undefined);
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) {
        response.body.on('error', () => undefined);
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof SkillsError) throw error;
    throw unreachable(url, error);
  }
  return Buffer.concat(chunks, total);
}

function unreachable(url: URL, error: unknown): SkillsError {
  const code = (error as { code?: unknown }).code;
  const why = typeof code === 'string' ? code : (error as Error).message;
  return new SkillsError('REGISTRY_UNREACHABLE', `cannot reach ${url.origin}: ${why}`, {
    hint: 'check the URL and your network; search, info and list work offline from the last sync',
    cause: error,
  });
}
