import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { FEED_HEAD_PATH, parseFeedHead, type FeedHead } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import { problem, sendProblem } from '../http/problem.js';
import { IMMUTABLE, notFound, REVALIDATE, servableSegments, serveFile } from './files.js';
import { gitRoutes, type GitServeOptions } from './git.js';

export { contentTypeOf, IMMUTABLE, REVALIDATE, servableSegments } from './files.js';
export { gitRoutes, type GitServeOptions } from './git.js';

/** The paths staticRoutes serves: files, not pages (createApp's `files`). */
export const FILE_PATHS = /^\/(?:index|index\.git|dl)(?:\/|$)/;

/** Publishers' keys may gain a revocation: cached briefly, not forever. */
export const KEY_CACHE = 'public, max-age=300';

/**
 * The static side of the registry (DESIGN §2 Read): `/index/…` (the index work tree), `/dl/…` (the
 * download tree) and `/index.git` (smart HTTP clone). Decisions:
 * - ETag is strong: the sha256 of the bytes, so a rewrite with equal bytes (a rebuild) keeps it.
 * - Dotfiles are never served (`.git`, `.gitattributes`, temp files); readers need none of them.
 * - Nothing is content-encoded, ranged or not.
 * - Cache-Control: immutable for tarballs and signatures, snapshots, and feed segments that can no
 *   longer change (below head.segment, or of an older epoch); `public, no-cache` for head.json
 *   and its signature, config.json, the head's segment, shard files and the rest; keys 5 minutes.
 */
export function staticRoutes(ctx: RegistryContext, options: GitServeOptions = {}): Router {
  const router = Router();
  router.use(gitRoutes(ctx, options));
  router.use(
    '/index',
    tree(ctx.paths.index, (segments) => indexCacheControl(ctx.paths.index, segments)),
  );
  router.use(
    '/dl',
    tree(ctx.paths.dl, async () => IMMUTABLE),
  );
  return router;
}

function tree(root: string, cacheControl: (segments: string[]) => Promise<string>): RequestHandler {
  return async (req: Request, res: Response) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendProblem(
        res,
        problem(405, 'method_not_allowed', `${req.method} is not allowed here: only GET and HEAD`),
      );
    }
    const rawPath = req.url.split('?')[0]!;
    const segments = servableSegments(rawPath);
    if (segments === null) return notFound(req, res);
    await serveFile(req, res, { root, segments, cacheControl: await cacheControl(segments) });
  };
}

/** Cache-Control of an index file, by kind (see staticRoutes). */
export async function indexCacheControl(root: string, segments: readonly string[]): Promise<string> {
  const [top] = segments;
  if (top === 'snapshots') return IMMUTABLE;
  if (top === 'keys') return KEY_CACHE;
  if (top === 'feed' && segments.length === 3) {
    const match = /^(\d{8})\.ndjson$/.exec(segments[2]!);
    if (match === null) return REVALIDATE;
    const head = await readHead(root);
    if (head === null) return REVALIDATE;
    const complete = segments[1] !== head.epoch || Number(match[1]) < head.segment;
    return complete ? IMMUTABLE : REVALIDATE;
  }
  return REVALIDATE;
}

async function readHead(root: string): Promise<FeedHead | null> {
  try {
    return parseFeedHead(await readFile(path.join(root, ...FEED_HEAD_PATH.split('/'))));
  } catch {
    return null;
  }
}
