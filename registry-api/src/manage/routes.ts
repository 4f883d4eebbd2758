import { isValidName, isValidVersion, printable } from '@skills/schema';
import { Router, type Request } from 'express';
import { auditSourceOf } from '../auth/audit.js';
import { authenticate, requireAuth } from '../auth/middleware.js';
import type { RegistryContext } from '../context.js';
import { ApiError } from '../http/problem.js';
import { principalOf } from '../http/principal.js';
import { retryAfterHeader, skillNotFound } from '../publish/guards.js';
import { reasonOf, usernameOf } from './body.js';
import { changeOwner, listOwners } from './owners.js';
import { purgeVersion } from './purge.js';
import { setYanked } from './yank.js';

/**
 * Yank, unyank, purge and owners (DESIGN §5). The literal `owners` segment is routed before
 * `:version`; mount this router before any router with `GET /api/v1/skills/:name/:version`.
 */
export function manageRoutes(ctx: RegistryContext): Router {
  const router = Router();
  const signedIn = [authenticate(ctx), requireAuth()];

  router.get('/api/v1/skills/:name/owners', async (req, res) => {
    res.json(await listOwners(ctx, nameParam(req)));
  });
  router.put('/api/v1/skills/:name/owners', ...signedIn, async (req, res) => {
    const name = nameParam(req);
    const username = usernameOf(req.body);
    res.json(await changeOwner(ctx, principalOf(req), auditSourceOf(req), name, username, 'add'));
  });
  router.delete('/api/v1/skills/:name/owners', ...signedIn, async (req, res) => {
    const name = nameParam(req);
    const username = usernameOf(req.body);
    res.json(await changeOwner(ctx, principalOf(req), auditSourceOf(req), name, username, 'remove'));
  });

  router.delete('/api/v1/skills/:name/:version/yank', ...signedIn, async (req, res) => {
    const target = targetParams(req);
    const reason = reasonOf(req.body);
    res.json(await setYanked(ctx, principalOf(req), auditSourceOf(req), target, true, reason));
  });
  router.put('/api/v1/skills/:name/:version/unyank', ...signedIn, async (req, res) => {
    const target = targetParams(req);
    res.json(await setYanked(ctx, principalOf(req), auditSourceOf(req), target, false, null));
  });
  router.delete('/api/v1/skills/:name/:version', ...signedIn, async (req, res) => {
    const target = targetParams(req);
    const reason = reasonOf(req.body);
    res.json(await purgeVersion(ctx, principalOf(req), auditSourceOf(req), target, reason));
  });

  router.use('/api/v1/skills', retryAfterHeader);
  return router;
}

/** A name that cannot exist is simply not found (and never reaches SQL or a message unescaped). */
function nameParam(req: Request): string {
  const name = String(req.params.name);
  if (!isValidName(name)) throw skillNotFound(name);
  return name;
}

function targetParams(req: Request): { name: string; version: string } {
  const name = nameParam(req);
  const version = String(req.params.version);
  if (!isValidVersion(version)) {
    throw new ApiError(404, 'version_not_found', `${name} has no version ${printable(version)}`);
  }
  return { name, version };
}
