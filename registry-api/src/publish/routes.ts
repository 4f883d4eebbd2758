import { Router, type ErrorRequestHandler } from 'express';
import { auditSourceOf } from '../auth/audit.js';
import { authenticate, requireAuth } from '../auth/middleware.js';
import type { RegistryContext } from '../context.js';
import { principalOf } from '../http/principal.js';
import { candidateKeysOf } from '../pgp/keys.js';
import { retryAfterHeader } from './guards.js';
import { publishUpload } from './publish.js';
import { maxBodyBytes, readUpload, refuseLargeBodies, uploadLimits } from './upload.js';

/**
 * `POST /api/v1/skills`: multipart with fields `tarball` and `signature` (DESIGN §5). The body's
 * declared size is checked first, then the credential, and only then is the body read, under caps.
 */
export function publishRoutes(ctx: RegistryContext): Router {
  const router = Router();
  const limits = uploadLimits(ctx.config.archiveLimits.compressedBytes);
  router.post(
    '/api/v1/skills',
    refuseLargeBodies(maxBodyBytes(limits)),
    authenticate(ctx),
    requireAuth(),
    async (req, res) => {
      const principal = principalOf(req);
      // The publisher's keys do not depend on the upload: asked for while its body streams in.
      const keys = candidateKeysOf(ctx.db, principal.userId);
      keys.catch(() => undefined); // awaited by publishUpload; not when the body is refused
      const upload = await readUpload(req, res, limits);
      const result = await publishUpload(ctx, principal, upload, auditSourceOf(req), keys);
      res.status(result.status).json(result.body);
    },
  );
  router.use('/api/v1/skills', closeUnreadBodies, retryAfterHeader);
  return router;
}

/**
 * A refusal answered before the body was read (401, 413…) closes the connection, so Node does not
 * go on reading and discarding what the client still sends. The app's handler then answers.
 */
const closeUnreadBodies: ErrorRequestHandler = (error, req, res, next) => {
  if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
  next(error);
};
