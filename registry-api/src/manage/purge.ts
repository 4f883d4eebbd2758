import { recordAudit, type AuditSource } from '../auth/audit.js';
import type { RegistryContext } from '../context.js';
import { ApiError } from '../http/problem.js';
import type { Principal } from '../http/principal.js';
import { requireScope } from '../publish/guards.js';
import { enqueueIndexJob } from '../publish/queries.js';
import { dependentsOf } from './dependents.js';
import { markPurged, resolvableVersions, versionsDependingOn } from './queries.js';
import { lockOwnedVersion } from './yank.js';

/** How long after publishing its owners may still take a version down (DESIGN §5). */
export const PURGE_WINDOW_MS = 72 * 60 * 60 * 1000;

export interface PurgeBody {
  name: string;
  version: string;
  purged: true;
}

/**
 * Purges a version: its index line goes (the worker removes it), its row stays with `purged_at`,
 * so the number is never published again. Owners may purge a version younger than 72 hours that
 * no other skill depends on; an administrator may purge any version, giving a reason. Purging a
 * purged version changes nothing.
 *
 * Decision: API tokens need the `yank` scope (the closest one DESIGN lists) to purge.
 */
export async function purgeVersion(
  ctx: RegistryContext,
  principal: Principal,
  source: AuditSource,
  target: { name: string; version: string },
  reason: string | null,
): Promise<PurgeBody> {
  requireScope(principal, 'yank', target.name);
  const now = ctx.now();
  await ctx.db.tx(async (q) => {
    const { skill, version, owner } = await lockOwnedVersion(q, principal, target, {
      allowAdmin: true,
      allowPurged: true,
    });
    if (version.purged_at !== null) return;
    const young = now.getTime() - version.published_at.getTime() < PURGE_WINDOW_MS;
    const dependents = dependentsOf(
      version.version,
      await resolvableVersions(q, skill.id, version.version),
      await versionsDependingOn(q, skill.id, skill.name),
    );
    const asOwner = owner && young && dependents.length === 0;
    if (!asOwner && !principal.isAdmin) {
      if (!young) {
        throw new ApiError(
          409,
          'purge_window_passed',
          `${skill.name}@${version.version} was published more than 72 hours ago: yank it instead`,
          { hint: 'Yank it with `skills yank`, or ask a registry administrator to purge it.' },
        );
      }
      throw new ApiError(
        409,
        'has_dependents',
        `${dependents.length} version(s) of other skills depend on ${skill.name}@${version.version} alone`,
        {
          dependents: dependents.map((dep) => ({ name: dep.name, version: dep.version, range: dep.range })),
          hint: 'Yank it instead, or ask a registry administrator to purge it.',
        },
      );
    }
    if (!asOwner && reason === null) {
      throw new ApiError(400, 'reason_required', 'an administrator purging this version must give a reason', {
        hint: 'Send {"reason": "…"}.',
      });
    }
    await markPurged(q, version.id, now, reason);
    await enqueueIndexJob(q, skill.id, skill.name);
    await recordAudit(q, source, {
      action: 'version.purge',
      subject: `skill:${skill.name}@${version.version}`,
      detail: {
        reason,
        as_admin: !asOwner,
        dependents: dependents.map((dep) => `${dep.name}@${dep.version}`),
      },
    });
  });
  return { name: target.name, version: target.version, purged: true };
}
