import { formatTimestamp, printable, type IndexLine } from '@skills/schema';
import { recordAudit, type AuditSource } from '../auth/audit.js';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { Principal } from '../http/principal.js';
import { limitRate, notOwner, requireScope, skillNotFound } from '../publish/guards.js';
import { checkIndexLine } from '../publish/package-check.js';
import {
  enqueueIndexJob,
  isOwner,
  lockSkill,
  lockVersion,
  type SkillRow,
  type VersionRow,
} from '../publish/queries.js';
import { markYanked } from './queries.js';

export interface YankBody {
  name: string;
  version: string;
  yanked: boolean;
  yank_reason: string | null;
}

/**
 * Yanks or unyanks a version: owners only, rate limited, idempotent. A change and its index job
 * commit together; asking for the state the version is already in changes nothing, enqueues
 * nothing and costs no rate-limit token (the original reason of a yanked version stays).
 */
export async function setYanked(
  ctx: RegistryContext,
  principal: Principal,
  source: AuditSource,
  target: { name: string; version: string },
  yanked: boolean,
  reason: string | null,
): Promise<YankBody> {
  requireScope(principal, 'yank', target.name);
  return ctx.db.tx(async (q) => {
    const { skill, version } = await lockOwnedVersion(q, principal, target);
    if (version.yanked === yanked) return yankBody(skill, version);
    await limitRate(q, ctx, `yank:user:${principal.userId}`, ctx.config.rateLimits.yank, 'yanks and unyanks');
    const stored = yanked ? reason : null;
    if (yanked) checkIndexLine({ ...indexLineOfRow(skill.name, version), yanked, yank_reason: stored });
    await markYanked(q, version.id, yanked, stored);
    await enqueueIndexJob(q, skill.id, skill.name);
    await recordAudit(q, source, {
      action: yanked ? 'version.yank' : 'version.unyank',
      subject: `skill:${skill.name}@${version.version}`,
      detail: yanked ? { reason: stored } : {},
    });
    return yankBody(skill, { ...version, yanked, yank_reason: stored });
  });
}

function yankBody(skill: SkillRow, version: VersionRow): YankBody {
  return {
    name: skill.name,
    version: version.version,
    yanked: version.yanked,
    yank_reason: version.yank_reason,
  };
}

/**
 * The skill and version rows, locked, after checking the caller owns the skill. A purged version
 * is gone as far as yanking goes (404), though its number stays taken.
 */
export async function lockOwnedVersion(
  q: Queryable,
  principal: Principal,
  target: { name: string; version: string },
  options: { allowAdmin?: boolean; allowPurged?: boolean } = {},
): Promise<{ skill: SkillRow; version: VersionRow; owner: boolean }> {
  const skill = await lockSkill(q, target.name);
  if (skill === null) throw skillNotFound(target.name);
  const owner = await isOwner(q, skill.id, principal.userId);
  if (!owner && !(options.allowAdmin === true && principal.isAdmin)) throw notOwner(skill.name);
  const version = await lockVersion(q, skill.id, target.version);
  if (version === null || (version.purged_at !== null && options.allowPurged !== true)) {
    throw new ApiError(404, 'version_not_found', `${skill.name} has no version ${printable(target.version)}`);
  }
  return { skill, version, owner };
}

/** The version's index line as the worker will write it (to check a yank reason still fits). */
export function indexLineOfRow(name: string, row: VersionRow): IndexLine {
  return {
    v: 1,
    name,
    version: row.version,
    deps: row.deps,
    sha256: row.sha256,
    size: row.size,
    description: row.description,
    keywords: row.keywords,
    license: row.license,
    yanked: row.yanked,
    yank_reason: row.yank_reason,
    published: formatTimestamp(row.published_at),
    signer: row.signer,
  };
}
