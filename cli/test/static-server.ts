import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach } from 'vitest';

export interface StaticServer {
  /** Base URL, ending in `/`. */
  url: string;
  /** Every request seen, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Honour `Range` (default true); false answers every GET with the whole file, like a plain host. */
  ranges?: boolean;
  /** Answer this status (e.g. 401) for paths matching, unless the request carries `authorization: Bearer <token>`. */
  requireToken?: { token: string; paths?: RegExp };
}

const servers: StaticServer[] = [];

/** A static file server over `root` on loopback port 0 with ETag, 304 and one-range 206. Closed after each test. */
export async function serveStatic(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const relative = decodeURIComponent(url.pathname).replace(/^\/+/, '');
      const guard = options.requireToken;
      if (
        guard &&
        (guard.paths ?? /./).test(relative) &&
        req.headers.authorization !== `Bearer ${guard.token}`
      ) {
        res.writeHead(401).end();
        return;
      }
      const file = path.join(root, ...relative.split('/'));
      if (!file.startsWith(root)) return void res.writeHead(403).end();
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        return void res.writeHead(404).end();
      }
      const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range && (options.ranges ?? true)) {
        const start = Number(range[1]);
        const end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
        if (start >= bytes.length) {
          return void res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
        }
        res.writeHead(206, { etag, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
        return void res.end(bytes.subarray(start, end + 1));
      }
      res.writeHead(200, { etag, 'content-length': bytes.length });
      res.end(bytes);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: StaticServer = {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  servers.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
