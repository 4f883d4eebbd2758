import { printable } from '@skills/schema';
import { recordAudit, type AuditSource } from '../auth/audit.js';
import { findUserByName } from '../auth/users.js';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { Principal } from '../http/principal.js';
import { notOwner, requireScope, skillNotFound } from '../publish/guards.js';
import { addOwner, findSkill, isOwner, lockSkill, type SkillRow } from '../publish/queries.js';
import { countOwners, ownerNames, removeOwner } from './queries.js';

export interface OwnersBody {
  items: string[];
  total: number;
}

/** The skill's owners' usernames, sorted (public: the read endpoints show them too). */
export async function listOwners(ctx: RegistryContext, name: string): Promise<OwnersBody> {
  const skill = await findSkill(ctx.db, name);
  if (skill === null) throw skillNotFound(name);
  return ownersBody(await ownerNames(ctx.db, skill.id));
}

/**
 * Adds or removes an owner. Only an owner may (or a registry administrator, who may reassign a
 * name: DESIGN §3); API tokens need the `owners` scope. Both are idempotent; the last owner is
 * never removed (409 `last_owner`), so a skill always has someone who may act on it.
 */
export async function changeOwner(
  ctx: RegistryContext,
  principal: Principal,
  source: AuditSource,
  name: string,
  username: string,
  change: 'add' | 'remove',
): Promise<OwnersBody> {
  requireScope(principal, 'owners', name);
  return ctx.db.tx(async (q) => {
    const skill = await lockManagedSkill(q, principal, name);
    const user = await findUserByName(q, username);
    if (user === null) throw new ApiError(404, 'user_not_found', `there is no user "${printable(username)}"`);
    if (change === 'add') {
      if (await addOwner(q, skill.id, user.id, principal.userId)) {
        await recordAudit(q, source, {
          action: 'owner.add',
          subject: `skill:${skill.name}`,
          detail: { username },
        });
      }
    } else if (await isOwner(q, skill.id, user.id)) {
      if ((await countOwners(q, skill.id)) <= 1) {
        throw new ApiError(409, 'last_owner', `${username} is the last owner of ${skill.name}`, {
          hint: 'Add another owner first.',
        });
      }
      await removeOwner(q, skill.id, user.id);
      await recordAudit(q, source, {
        action: 'owner.remove',
        subject: `skill:${skill.name}`,
        detail: { username },
      });
    }
    return ownersBody(await ownerNames(q, skill.id));
  });
}

/** The skill's row, locked so two owner changes cannot both see "not the last owner". */
async function lockManagedSkill(q: Queryable, principal: Principal, name: string): Promise<SkillRow> {
  const skill = await lockSkill(q, name);
  if (skill === null) throw skillNotFound(name);
  if (!principal.isAdmin && !(await isOwner(q, skill.id, principal.userId))) throw notOwner(name);
  return skill;
}

function ownersBody(items: string[]): OwnersBody {
  return { items, total: items.length };
}
