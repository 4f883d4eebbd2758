import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isSkillsError } from '@skills/schema';

/**
 * An API error, answered as RFC 9457 problem+json with a stable lower-case `code` (the API's own
 * vocabulary, e.g. `version_exists`; DESIGN §5). Throw it from any handler.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra members of the problem object (e.g. `issues`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  code: string;
  detail: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, code, detail, ...extra };
}

export function sendProblem(res: Parameters<RequestHandler>[1], body: Problem): void {
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'not_found', `nothing at ${req.method} ${req.path}`));
};

/**
 * The one error envelope of every endpoint. A SkillsError from the schema (a refused archive, an
 * invalid manifest) is the client's fault: 422 with its code lower-cased. Anything else is ours:
 * 500, logged, with no detail leaked.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (res.headersSent) return;
  if (error instanceof ApiError)
    return sendProblem(res, problem(error.status, error.code, error.message, error.extra));
  if (isSkillsError(error)) {
    const issues = 'issues' in error ? { issues: (error as { issues: unknown }).issues } : {};
    return sendProblem(
      res,
      problem(422, error.code.toLowerCase(), error.message, { hint: error.hint ?? null, ...issues }),
    );
  }
  const status = (error as { status?: number; type?: string }).status;
  if (status === 413)
    return sendProblem(res, problem(413, 'body_too_large', 'the request body is larger than allowed'));
  if (status === 400 && (error as { type?: string }).type === 'entity.parse.failed') {
    return sendProblem(res, problem(400, 'invalid_json', 'the request body is not valid JSON'));
  }
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, problem(500, 'internal', 'the registry failed to answer; the error was logged'));
};
