import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { RegistryContext } from '../context.js';
import { errorHandler, notFound } from './problem.js';

/** JSON bodies are small (logins, tokens, keys); tarballs come as multipart with their own caps. */
export const JSON_BODY_LIMIT = '64kb';

interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
  headers?: Record<string, unknown>;
}

function requestForLog(req: LoggedRequest): Record<string, unknown> {
  const agent = req.headers?.['user-agent'];
  return {
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
    ...(typeof agent === 'string' ? { userAgent: agent.slice(0, 200) } : {}),
  };
}

function responseForLog(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

export interface AppOptions {
  /**
   * Paths whose answers are files, not pages (the index, download and git trees): helmet's
   * policies for pages (CSP, HSTS, same-origin CORP and COOP, frame options, …) only made every
   * index and tarball response a dozen headers longer, and CORP `same-origin` kept browsers on
   * other origins from reading public files. They get `X-Content-Type-Options: nosniff` alone,
   * so nothing is rendered as a page.
   */
  files?: RegExp;
}

/**
 * The Express application: request ids and logs, security headers, the JSON body cap, the
 * feature routers in order, and one problem+json envelope for everything that goes wrong.
 */
export function createApp(
  ctx: RegistryContext,
  routers: readonly Router[],
  options: AppOptions = {},
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false); // static files carry their own; API answers are not cached
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Requests carry API tokens, session JWTs and passwords: log what identifies a request,
      // never its headers or body.
      serializers: { req: requestForLog, res: responseForLog },
    }),
  );
  const pagePolicies = helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"] } } });
  const files = options.files;
  app.use((req, res, next) => {
    if (files === undefined || !files.test(req.path)) return pagePolicies(req, res, next);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(express.json({ limit: JSON_BODY_LIMIT, strict: true }));
  for (const router of routers) app.use(router);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
