import { spawn } from 'node:child_process';
import { Router, type Request, type Response } from 'express';
import type { RegistryContext } from '../context.js';
import { problem, sendProblem } from '../http/problem.js';

export interface GitServeOptions {
  /** The git executable (`git` on PATH by default). */
  git?: string;
  /** A request's git process is killed after this long (ms). Default 120 s. */
  timeoutMs?: number;
  /** Largest upload-pack request body (wants and haves), in bytes. Default 8 MiB. */
  maxRequestBytes?: number;
}

const SERVICE = 'git-upload-pack';

/**
 * `/index.git`: read-only smart HTTP over the system `git http-backend` (CGI), spawned per request
 * with a timeout. Only the two requests of a fetch are passed on — `GET info/refs?service=
 * git-upload-pack` and `POST git-upload-pack`; receive-pack (pushing) is refused, and so is the
 * dumb protocol. Without git, a clear 501 `git_unavailable`.
 */
export function gitRoutes(ctx: RegistryContext, options: GitServeOptions = {}): Router {
  const router = Router();
  router.get('/index.git/info/refs', (req, res) => {
    if (req.query.service === SERVICE) return backend(ctx, options, req, res, '/info/refs');
    if (req.query.service === 'git-receive-pack') return readOnly(res);
    sendProblem(
      res,
      problem(
        403,
        'git_smart_http_only',
        'this repository is served over smart HTTP only: use git or isomorphic-git',
      ),
    );
  });
  router.post(`/index.git/${SERVICE}`, (req, res) => backend(ctx, options, req, res, `/${SERVICE}`));
  router.all('/index.git/git-receive-pack', (_req, res) => readOnly(res));
  router.all('/index.git{/*rest}', (req, res) => {
    sendProblem(res, problem(404, 'not_found', `nothing at ${req.method} ${req.path}`));
  });
  return router;
}

function readOnly(res: Response): void {
  sendProblem(
    res,
    problem(403, 'git_read_only', 'the index repository is read-only: it changes only through the registry'),
  );
}

function backend(
  ctx: RegistryContext,
  options: GitServeOptions,
  req: Request,
  res: Response,
  pathInfo: string,
): void {
  const maxBytes = options.maxRequestBytes ?? 8 * 1024 * 1024;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // No user or system configuration: the backend behaves the same on every host.
    HOME: ctx.paths.index,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: ctx.paths.index,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_HTTP_MAX_REQUEST_BUFFER: String(maxBytes),
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method,
    QUERY_STRING: req.originalUrl.includes('?')
      ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
      : '',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.ip ?? '',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
  };
  const child = spawn(options.git ?? 'git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // Whoever answers first wins: a refusal (timeout, cap) or the backend's own headers.
  let failed = false;
  const fail = (status: number, code: string, detail: string): void => {
    if (failed) return;
    failed = true;
    if (!res.headersSent) sendProblem(res, problem(status, code, detail));
    else res.destroy();
  };
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    fail(504, 'git_timeout', 'git took too long to answer');
  }, options.timeoutMs ?? 120_000);
  child.on('error', (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (error.code === 'ENOENT') {
      fail(
        501,
        'git_unavailable',
        'git is not installed on the registry host: read the index over /index/ instead',
      );
    } else {
      ctx.logger.error({ err: error }, 'git http-backend failed to start');
      fail(500, 'internal', 'git failed to start');
    }
  });
  child.on('close', () => clearTimeout(timer));
  res.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  child.on('close', (code) => {
    if (code !== 0 && stderr !== '') ctx.logger.warn({ code, stderr }, 'git http-backend');
  });

  // The request body, capped: a client cannot make us buffer or pipe more than maxBytes.
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      child.kill('SIGKILL');
      req.unpipe(child.stdin);
      fail(413, 'body_too_large', 'the git request is larger than allowed');
    }
  });
  child.stdin.on('error', () => undefined); // the backend may exit before reading everything
  req.pipe(child.stdin);

  readCgiResponse(child.stdout, res, fail, () => failed);
}

/** Parses the CGI answer: header lines (with `Status:`), a blank line, then the body streamed through. */
function readCgiResponse(
  stdout: NodeJS.ReadableStream,
  res: Response,
  fail: (status: number, code: string, detail: string) => void,
  failed: () => boolean,
): void {
  let head = Buffer.alloc(0);
  let done = false;
  const onData = (chunk: Buffer): void => {
    if (done) return;
    if (failed()) {
      done = true;
      stdout.removeListener('data', onData);
      stdout.resume(); // drain what the killed backend still wrote
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === null) {
      if (head.length > 64 * 1024) fail(502, 'git_bad_gateway', 'git http-backend sent no end of headers');
      return;
    }
    done = true;
    stdout.removeListener('data', onData);
    let status = 200;
    for (const line of head.subarray(0, end.at).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 502;
      else res.setHeader(name, value);
    }
    res.status(status);
    const rest = head.subarray(end.at + end.length);
    if (rest.length > 0) res.write(rest);
    stdout.pipe(res);
  };
  stdout.on('data', onData);
  stdout.on('end', () => {
    if (!done) fail(502, 'git_bad_gateway', 'git http-backend ended without an answer');
  });
}

function headerEnd(bytes: Buffer): { at: number; length: number } | null {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}
