import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { pino, type Logger } from 'pino';
import { authRoutes } from './auth/routes.js';
import { authenticate, requireAuth } from './auth/middleware.js';
import type { RegistryConfig } from './config.js';
import { registryPaths, type RegistryContext } from './context.js';
import { openDatabase } from './db/open.js';
import { createApp } from './http/app.js';
import { openapiRoutes } from './http/openapi.js';
import { manageRoutes } from './manage/routes.js';
import { loadOrCreateRegistryKey, type RegistryKey } from './pgp/registry-key.js';
import { keyRoutes } from './pgp/routes.js';
import { publishRoutes } from './publish/routes.js';
import { readRoutes } from './read/routes.js';
import { startReadModel } from './read/model.js';
import { FILE_PATHS, staticRoutes } from './static/index.js';
import { ensureIndex, publicBaseUrl } from './worker/ensure.js';
import { startWorker, type Worker } from './worker/worker.js';

export interface RunningRegistry {
  ctx: RegistryContext;
  /** The base URL clients use, without a trailing slash. */
  url: string;
  key: RegistryKey;
  /** The in-process index worker; null with `worker: false` (a separate `worker` process runs it). */
  worker: Worker | null;
  server: Server;
  close(): Promise<void>;
}

export interface StartServerOptions {
  logger?: Logger;
  workerPollMs?: number;
  /**
   * Run the index worker in this process (default). On PostgreSQL a deployment may run it as its
   * own `skills-registry worker` process instead, so that rendering and committing the index never
   * shares an event loop (or a core) with request handling. The embedded database is one process's
   * only, so it always needs the in-process worker.
   */
  worker?: boolean;
}

/** Guards against slow clients: headers, whole requests and idle keep-alive connections. */
const TIMEOUTS = { headersMs: 20_000, requestMs: 120_000, keepAliveMs: 5_000 };

/**
 * `skills-registry serve`: the database, the registry key, the HTTP server with every route, the
 * read model and the in-process index worker. Listens first, so that with port 0 the URLs written
 * into config.json are the real ones.
 */
export async function startServer(
  config: RegistryConfig,
  options: StartServerOptions = {},
): Promise<RunningRegistry> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const opened = await openDatabase(config);
  const ctx: RegistryContext = {
    config,
    db: opened.db,
    logger,
    now: () => new Date(),
    paths: registryPaths(config.dataDir),
  };
  const cleanups: (() => Promise<void>)[] = [() => opened.close()];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => logger.error({ err: error }, 'shutdown'));
  };
  try {
    const key = await loadOrCreateRegistryKey(ctx.paths.keys);
    // Listen first and build the app after: with port 0 the real address is known only then, and
    // every URL the registry writes or answers (config.json, dl links, the session issuer) uses it.
    let app: ReturnType<typeof createApp> | null = null;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      if (app !== null) return void app(req, res);
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          code: 'starting',
          detail: 'the registry is starting',
        }),
      );
    };
    const server = config.tls
      ? createHttpsServer(
          { cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) },
          handler,
        )
      : createHttpServer(handler);
    server.headersTimeout = TIMEOUTS.headersMs;
    server.requestTimeout = TIMEOUTS.requestMs;
    server.keepAliveTimeout = TIMEOUTS.keepAliveMs;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const url = publicBaseUrl({ ...config, port });
    ctx.config = { ...config, port, publicUrl: url };

    const read = await startReadModel(ctx);
    cleanups.push(() => read.stop());
    app = createApp(
      ctx,
      [
        Router().use(authenticate(ctx)),
        authRoutes(ctx),
        keyRoutes(ctx, { requireSession: requireAuth({ session: true }) }),
        publishRoutes(ctx),
        manageRoutes(ctx),
        openapiRoutes({ config: () => ctx.config }),
        readRoutes(ctx, read.model),
        staticRoutes(ctx),
      ],
      { files: FILE_PATHS },
    );
    await ensureIndex(ctx, { signer: key, publicUrl: url });
    let worker: Worker | null = null;
    if (options.worker ?? true) {
      const started = startWorker(ctx, {
        signer: key,
        publicUrl: url,
        ...(options.workerPollMs === undefined ? {} : { pollMs: options.workerPollMs }),
      });
      cleanups.push(() => started.stop());
      worker = started;
    }
    return { ctx, url, key, worker, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
