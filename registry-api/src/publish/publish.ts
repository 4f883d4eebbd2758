import { nameSkeleton, type Issue } from '@skills/schema';
import { inspect } from '@skills/schema/archive';
import type { AuditSource } from '../auth/audit.js';
import { putBlobAndSignature, readSignature, signaturePath, writeDurably } from '../blobs.js';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { Principal } from '../http/principal.js';
import { candidateKeysOf } from '../pgp/keys.js';
import { verifyTarballSignature } from '../pgp/signature.js';
import { limitRate, notOwner, requireScope } from './guards.js';
import {
  checkIndexLine,
  checkPackage,
  indexLineOf,
  PLACEHOLDER_SIGNER,
  type CheckedPackage,
} from './package-check.js';
import {
  addOwner,
  claimSkeleton,
  insertSkill,
  insertVersion,
  isOwner,
  lockSkill,
  publishTarget,
  skeletonHolder,
  type PublishTarget,
  type VersionRow,
} from './queries.js';
import type { Upload } from './upload.js';

/** The 201 body (DESIGN §2), stored with the version and answered again as 200 for a replay. */
export interface PublishBody {
  name: string;
  version: string;
  sha256: string;
  size: number;
  signer: string;
  warnings: Issue[];
  indexed: false;
}

export interface PublishResult {
  status: 200 | 201;
  body: PublishBody;
}

/**
 * The publish pipeline of DESIGN §2, cheapest refusals first. Nothing is written before every
 * check passed; then the blob and its signature (content-addressed, so a blob left by a later
 * failure is harmless: it is only ever served once a version row names its digest), then ONE
 * transaction holds every row. The index is never touched here: the worker derives it from the
 * job (STYLE: crates.io).
 */
export async function publishUpload(
  ctx: RegistryContext,
  principal: Principal,
  upload: Upload,
  source: AuditSource,
): Promise<PublishResult> {
  const contents = await inspect(upload.tarball, ctx.config.archiveLimits);
  const pkg = checkPackage(contents);
  checkIndexLine(indexLineOf(pkg, PLACEHOLDER_SIGNER, ctx.now()));

  // The name's state and the publisher's keys in one round trip each, side by side.
  const [target, candidateKeys] = await Promise.all([
    publishTarget(ctx.db, pkg.name, pkg.version, principal.userId),
    candidateKeysOf(ctx.db, principal.userId),
  ]);
  if (target === null) await checkMayCreate(ctx.db, principal, pkg.name);
  else checkMayUpdate(principal, pkg.name, target);

  const { fingerprint } = await verifyTarballSignature({
    tarball: upload.tarball,
    signatureArmored: upload.signature,
    candidateKeys,
    now: ctx.now(),
  });

  if (target?.version) return replay(target.version, pkg, fingerprint);

  if (target === null) {
    await limitRate(
      ctx.db,
      ctx,
      `new-name:user:${principal.userId}`,
      ctx.config.rateLimits.newName,
      'new skill names',
    );
  } else {
    await limitRate(
      ctx.db,
      ctx,
      `new-version:user:${principal.userId}`,
      ctx.config.rateLimits.newVersion,
      'new versions',
    );
  }

  const stored = await putBlobAndSignature(ctx.paths.blobs, upload.tarball, upload.signature);
  if (stored.sha256 !== pkg.sha256)
    throw new Error(`the blob store computed ${stored.sha256}, inspect ${pkg.sha256}`);

  // The NOTIFY that wakes the index worker is part of the transaction (insertVersion).
  return ctx.db.tx(async (q) => {
    const recorded = await recordVersion(q, ctx, principal, pkg, fingerprint, source, target !== null);
    // A signature file this upload did not create may be another upload's: make it ours.
    if (recorded.status === 201 && !stored.signaturePlaced)
      await keepOwnSignature(ctx.paths.blobs, pkg.sha256, upload.signature);
    return recorded;
  });
}

/**
 * May this caller publish a new version of this existing skill? Checked before the signature
 * (cheap refusals first) and again inside the transaction, where the answer cannot change under us.
 */
function checkMayUpdate(principal: Principal, name: string, target: PublishTarget): void {
  requireScope(principal, 'publish-update', name);
  if (!target.owned) throw notOwner(name);
}

/** May this caller take this new name? Not when it looks like a skill someone else owns. */
async function checkMayCreate(q: Queryable, principal: Principal, name: string): Promise<void> {
  requireScope(principal, 'publish-new', name);
  const holder = await skeletonHolder(q, nameSkeleton(name));
  if (holder !== null && !(await isOwner(q, holder, principal.userId))) throw confusable(name);
}

function confusable(name: string): ApiError {
  return new ApiError(403, 'name_confusable', `"${name}" looks too much like a skill someone else owns`, {
    hint: 'Choose a clearly different name.',
  });
}

/**
 * The same bytes by the same signer again is a retry: the original answer, as 200. Anything else
 * under a taken version number is a conflict, forever — also once yanked or purged.
 *
 * Decision (DESIGN is silent): a purged version answers 409 even for the same bytes, because a
 * 200 would tell the client the version is available when it was taken down.
 */
function replay(version: VersionRow, pkg: CheckedPackage, signer: string): PublishResult {
  if (version.purged_at === null && version.sha256 === pkg.sha256 && version.signer === signer) {
    return { status: 200, body: publishBody(version.response) };
  }
  const why = version.purged_at !== null ? 'was purged' : 'was published with other bytes or another key';
  throw new ApiError(
    409,
    'version_exists',
    `${pkg.name}@${pkg.version} ${why}; a version number is never reused`,
    {
      hint: 'Raise the version in skill.yaml and publish again.',
    },
  );
}

/** The stored body in its documented key order (jsonb keeps its own order). */
function publishBody(stored: Record<string, unknown>): PublishBody {
  const body = stored as unknown as PublishBody;
  return {
    name: body.name,
    version: body.version,
    sha256: body.sha256,
    size: body.size,
    signer: body.signer,
    warnings: body.warnings,
    indexed: false,
  };
}

/**
 * The signature file next to a blob is created only if absent, so one left by an upload that
 * failed later (or that lost a race for this version) could name another signer than the row
 * about to commit. Under the skill's row lock, the winner makes the stored file its own.
 */
async function keepOwnSignature(blobs: string, sha256: string, signature: string): Promise<void> {
  const stored = await readSignature(blobs, sha256);
  if (stored === null || stored.toString('utf8') !== signature) {
    await writeDurably(signaturePath(blobs, sha256), Buffer.from(signature), 'replace');
  }
}

/**
 * ONE transaction: the skill (its owner and skeleton on first publish), then the version, its
 * keywords, the index job and the audit row in one statement (insertVersion). The skill's row
 * stays locked until COMMIT, so publishes of one name queue up and exactly one of a same-version
 * race inserts.
 */
async function recordVersion(
  q: Queryable,
  ctx: RegistryContext,
  principal: Principal,
  pkg: CheckedPackage,
  signer: string,
  source: AuditSource,
  existed: boolean,
): Promise<PublishResult> {
  const skeleton = nameSkeleton(pkg.name);
  let skillId = existed ? null : await insertSkill(q, pkg.name, skeleton);
  const created = skillId !== null;
  if (skillId !== null) {
    if (!(await claimSkeleton(q, skeleton, skillId))) {
      const holder = await skeletonHolder(q, skeleton);
      if (holder === null || !(await isOwner(q, holder, principal.userId))) throw confusable(pkg.name);
    }
    await addOwner(q, skillId, principal.userId, principal.userId);
  } else {
    // It existed, or another publish created it meanwhile: wait for its row, then re-check.
    const target =
      (await lockSkill(q, pkg.name)) && (await publishTarget(q, pkg.name, pkg.version, principal.userId));
    if (!target) throw new Error(`the skill ${pkg.name} vanished`); // rows are never deleted
    checkMayUpdate(principal, pkg.name, target);
    if (target.version !== null) return replay(target.version, pkg, signer);
    skillId = target.id;
  }

  const publishedAt = ctx.now();
  const body: PublishBody = {
    name: pkg.name,
    version: pkg.version,
    sha256: pkg.sha256,
    size: pkg.size,
    signer,
    warnings: pkg.warnings,
    indexed: false,
  };
  checkIndexLine(indexLineOf(pkg, signer, publishedAt));
  await insertVersion(
    q,
    {
      skillId,
      name: pkg.name,
      version: pkg.version,
      sha256: pkg.sha256,
      size: pkg.size,
      signer,
      publisherId: principal.userId,
      description: pkg.description,
      license: pkg.license,
      deps: pkg.deps,
      keywords: pkg.keywords,
      files: pkg.files,
      publishedAt,
      response: { ...body },
    },
    {
      source,
      entry: {
        action: 'version.publish',
        subject: `skill:${pkg.name}@${pkg.version}`,
        detail: { sha256: pkg.sha256, size: pkg.size, signer, new_skill: created },
      },
    },
  );
  return { status: 201, body };
}
