import { nameSkeleton, type Issue } from '@skills/schema';
import { inspect } from '@skills/schema/archive';
import type { AuditSource } from '../auth/audit.js';
import {
  discardUpload,
  placeUpload,
  readSignature,
  signaturePath,
  stageUpload,
  writeDurably,
  type StagedUpload,
} from '../blobs.js';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { ApiError } from '../http/problem.js';
import type { Principal } from '../http/principal.js';
import { verifyTarballSignature, type CandidateKey } from '../pgp/signature.js';
import { limitRate, notOwner, rateLimitedError, requireScope } from './guards.js';
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
  publishTargetTaking,
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
 * The publish pipeline of DESIGN §2, cheapest refusals first. Once the bytes passed every check
 * of their own, the blob and its signature are staged (written and fsynced under temp names)
 * while the name is looked up and the signature verified; they get their names only inside the
 * ONE transaction that holds every row, after its last refusal (the rate limit), and whatever is
 * not placed is removed. The index is never touched here: the worker derives it from the job
 * (STYLE: crates.io).
 *
 * `keys` are the publisher's registered keys (candidateKeysOf), asked for before the body was read.
 */
export async function publishUpload(
  ctx: RegistryContext,
  principal: Principal,
  upload: Upload,
  source: AuditSource,
  keys: Promise<readonly CandidateKey[]>,
): Promise<PublishResult> {
  const contents = await inspect(upload.tarball, ctx.config.archiveLimits);
  const pkg = checkPackage(contents);
  checkIndexLine(indexLineOf(pkg, PLACEHOLDER_SIGNER, ctx.now()));

  const staging = stageUpload(ctx.paths.blobs, upload.tarball, upload.signature);
  staging.catch(() => undefined); // a failure to stage is answered where the files are placed
  try {
    // The name's state (one round trip) while the signature is checked (CPU); a refusal by name
    // (owner, scope, confusable) is answered before one by signature, as if it had come first.
    const [named, signed] = await Promise.allSettled([
      targetFor(ctx.db, principal, pkg.name, pkg.version),
      keys.then((candidateKeys) =>
        verifyTarballSignature({
          tarball: upload.tarball,
          signatureArmored: upload.signature,
          candidateKeys,
          now: ctx.now(),
        }),
      ),
    ]);
    if (named.status === 'rejected') throw named.reason;
    if (signed.status === 'rejected') throw signed.reason;
    const target = named.value;
    const { fingerprint } = signed.value;
    if (target?.version) return replay(target.version, pkg, fingerprint);
    return await ctx.db.tx((q) =>
      recordVersion(q, ctx, principal, pkg, fingerprint, source, target !== null, {
        staging,
        signature: upload.signature,
      }),
    );
  } finally {
    await staging.then(discardUpload, () => undefined);
  }
}

/** The name's state, after the refusals it alone decides (scope, ownership, a confusable name). */
async function targetFor(
  q: Queryable,
  principal: Principal,
  name: string,
  version: string,
): Promise<PublishTarget | null> {
  const target = await publishTarget(q, name, version, principal.userId);
  if (target === null) await checkMayCreate(q, principal, name);
  else checkMayUpdate(principal, name, target);
  return target;
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

/** The staged blob and signature given their names, the signature made this upload's own. */
async function placeFiles(
  blobs: string,
  sha256: string,
  files: { staging: Promise<StagedUpload>; signature: string },
): Promise<void> {
  const staged = await files.staging;
  if (staged.sha256 !== sha256)
    throw new Error(`the blob store computed ${staged.sha256}, inspect ${sha256}`);
  const stored = await placeUpload(staged);
  if (!stored.signaturePlaced) await keepOwnSignature(blobs, sha256, files.signature);
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
 * ONE transaction: the skill (its owner and skeleton on first publish), the rate limit's token,
 * then side by side the blob's names and one statement for the version, its keywords, the index
 * job and the audit row (insertVersion). The skill's row stays locked until COMMIT, so publishes
 * of one name queue up and exactly one of a same-version race inserts.
 */
async function recordVersion(
  q: Queryable,
  ctx: RegistryContext,
  principal: Principal,
  pkg: CheckedPackage,
  signer: string,
  source: AuditSource,
  existed: boolean,
  files: { staging: Promise<StagedUpload>; signature: string },
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
    // Only a publish about to commit spends a token (a refusal or replay costs nothing), and its
    // blob is named only after this last refusal, so a refused publish stores nothing.
    await limitRate(
      q,
      ctx,
      `new-name:user:${principal.userId}`,
      ctx.config.rateLimits.newName,
      'new skill names',
    );
  } else {
    // It existed, or another publish created it meanwhile: wait for its row, then re-check, and
    // take the token in the same statement (undone with everything else by a refusal below).
    const bucket = {
      key: `new-version:user:${principal.userId}`,
      limit: ctx.config.rateLimits.newVersion,
      now: ctx.now(),
    };
    const target =
      (await lockSkill(q, pkg.name)) &&
      (await publishTargetTaking(q, pkg.name, pkg.version, principal.userId, bucket));
    if (!target) throw new Error(`the skill ${pkg.name} vanished`); // rows are never deleted
    checkMayUpdate(principal, pkg.name, target);
    if (target.version !== null) return replay(target.version, pkg, signer);
    if (!target.took) throw await rateLimitedError(q, bucket, 'new versions');
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
  // The blob's names are durable before COMMIT; the rows are written meanwhile. Both are awaited
  // before the transaction ends either way, so a rollback never races a placement.
  const [placed, inserted] = await Promise.allSettled([
    placeFiles(ctx.paths.blobs, pkg.sha256, files),
    insertVersion(
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
    ),
  ]);
  if (placed.status === 'rejected') throw placed.reason;
  if (inserted.status === 'rejected') throw inserted.reason;
  return { status: 201, body };
}
