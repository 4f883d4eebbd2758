import { Router, type Response } from 'express';
import { headCommit, indexRepo } from '@skills/index-builder';
import { compareVersions, isValidName, isValidVersion, printable, type IndexLine } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import { ApiError } from '../http/problem.js';
import { indexLineOf } from '../worker/index.js';
import { DiscoveryIndex, DISCOVERY_MAX_AGE_MS } from './discovery.js';
import type { ReadModel } from './model.js';
import { pageOf, searchText } from '../http/query.js';
import { liveVersion, ownersOf, pendingJobs, skillExists } from './queries.js';
import { SkillFiles, contentTypeOf } from './skill-files.js';
import { downloadUrl, signatureUrl } from './urls.js';

export interface ReadRoutesOptions {
  /** The index repository's current commit; by default read from `ctx.paths.index` with git. */
  gitCommit?: () => Promise<string | null>;
}

/**
 * Path segments after `/skills/:name/` that other routers own (owners; yank and unyank take other
 * methods): never read as a version, whichever router is mounted first.
 */
const LITERAL_SEGMENTS = new Set(['owners', 'yank', 'unyank']);

/**
 * The read endpoints of DESIGN §5, answered from the read model; owners, and versions the feed
 * has not published yet, come from SQL.
 *
 * Decisions:
 * - `GET /skills` lists every skill that has a latest line, by name; each item is that line.
 * - `GET /skills/:name` lists the versions in the index, highest first. A skill whose first
 *   version is not indexed yet exists (200, `latest: null`, no versions) as soon as SQL has it.
 * - `GET /skills/:name/:version` answers the index's line with `indexed: true` and `seq`, the
 *   last feed line about that version. A version SQL has (not purged) but the feed does not yet
 *   answers `indexed: false, seq: null` with the line the worker will write (built from SQL the
 *   way the worker builds it); its dl URL works once it is indexed. A pending yank or purge shows
 *   only once indexed: the answer is the index's view.
 * - `GET /search` needs a non-blank `q` of at most 256 characters; items are the ranking's
 *   `{name, version, description, score}`. Skills whose every version is yanked are not found.
 * - `GET /tags` counts, per keyword, the skills search can find that list it; most used first.
 * - `GET /health` answers 503 (same body, `ok: false`) when the database does not answer or the
 *   feed table is broken (`feed.broken_at`).
 * - Discovery lists the skills search can find. `/.well-known/agent-skills/:name/<path>` serves
 *   the latest version's files that the archive inspector keeps in memory (SKILL.md, skill.yaml,
 *   `.skill/` files up to 1 MiB); another path in the archive answers 404 `file_not_served`, one
 *   not in it 404 `file_not_found`. Markdown goes out as text/markdown, anything else as
 *   text/plain, always with `nosniff`.
 */
export function readRoutes(ctx: RegistryContext, model: ReadModel, options: ReadRoutesOptions = {}): Router {
  const router = Router();
  const discovery = new DiscoveryIndex(ctx, model);
  const files = new SkillFiles(ctx);
  const gitCommit = options.gitCommit ?? (() => headCommit(indexRepo(ctx.paths.index)));

  router.get('/api/v1/health', async (_req, res) => {
    const db = await ctx.db.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const pending = db ? await pendingJobs(ctx.db).catch(() => null) : null;
    const commit = await gitCommit().catch(() => null);
    const ok = db && model.brokenAt === null;
    res.status(ok ? 200 : 503).json({
      ok,
      db,
      feed: { epoch: model.epoch, seq: model.seq, broken_at: model.brokenAt },
      git_commit: commit,
      pending_jobs: pending,
    });
  });

  router.get('/api/v1/skills', (req, res) => {
    const { perPage, offset } = pageOf(req.query);
    const lines = model.catalog();
    res.json({ items: lines.slice(offset, offset + perPage), total: lines.length });
  });

  router.get('/api/v1/skills/:name', async (req, res) => {
    const { name } = req.params;
    if (!isValidName(name)) throw skillNotFound(name);
    const skill = model.skill(name);
    const owners = await ownersOf(ctx.db, name);
    if (skill === undefined && owners === null) throw skillNotFound(name);
    const versions = [...(skill?.lines ?? [])]
      .sort((a, b) => compareVersions(b.version, a.version))
      .map((line) => ({
        version: line.version,
        yanked: line.yanked,
        yank_reason: line.yank_reason,
        sha256: line.sha256,
        size: line.size,
        deps: line.deps,
        published: line.published,
        signer: line.signer,
      }));
    res.json({ name, latest: skill?.latest ?? null, versions, owners: owners ?? [] });
  });

  router.get('/api/v1/skills/:name/:version', async (req, res, next) => {
    const { name, version } = req.params;
    if (LITERAL_SEGMENTS.has(version)) return next();
    if (!isValidName(name)) throw skillNotFound(name);
    const skill = model.skill(name);
    const indexed = skill?.lines.find((line) => line.version === version);
    if (indexed !== undefined) {
      return sendVersion(res, indexed, true, skill!.versionSeqs.get(version) ?? skill!.seq);
    }
    const row = isValidVersion(version) ? await liveVersion(ctx.db, name, version) : null;
    if (row !== null) return sendVersion(res, indexLineOf(row), false, null);
    if (skill === undefined && !(await skillExists(ctx.db, name))) throw skillNotFound(name);
    throw new ApiError(404, 'version_not_found', `${name} has no version "${printable(version)}"`);
  });

  function sendVersion(res: Response, line: IndexLine, indexed: boolean, seq: number | null): void {
    res.json({
      line,
      dl: downloadUrl(ctx.config, line.name, line.version),
      sig: signatureUrl(ctx.config, line.name, line.version),
      indexed,
      seq,
    });
  }

  router.get('/api/v1/search', (req, res) => {
    const q = searchText(req.query);
    const { perPage, offset } = pageOf(req.query);
    const { results, total } = model.search(q, { limit: perPage, offset });
    res.json({ items: results, total });
  });

  router.get('/api/v1/tags', (req, res) => {
    const { perPage, offset } = pageOf(req.query);
    const tags = model.tags();
    res.json({ items: tags.slice(offset, offset + perPage), total: tags.length });
  });

  router.get('/.well-known/agent-skills/index.json', async (_req, res) => {
    const body = await discovery.body();
    res
      .type('application/json')
      .set('Cache-Control', `public, max-age=${DISCOVERY_MAX_AGE_MS / 1000}`)
      .send(body);
  });

  router.get('/.well-known/agent-skills/:name/*path', async (req, res) => {
    const { name } = req.params;
    const path = (req.params as { path: string[] }).path.join('/');
    const latest = isValidName(name) ? model.skill(name)?.latest : undefined;
    if (latest === undefined || latest === null || latest.yanked) throw skillNotFound(name);
    const archive = await files.archive(latest.sha256);
    const content = archive.readFile(path);
    if (content === undefined) {
      const inArchive = archive.files.some((file) => file.path === path);
      throw inArchive
        ? new ApiError(
            404,
            'file_not_served',
            `"${printable(path)}" is in ${name}@${latest.version} but larger than the 1 MiB served here; download the archive`,
            { url: downloadUrl(ctx.config, name, latest.version) },
          )
        : new ApiError(404, 'file_not_found', `${name}@${latest.version} has no file "${printable(path)}"`);
    }
    res
      .type(contentTypeOf(path))
      .set('X-Content-Type-Options', 'nosniff')
      .set('Cache-Control', 'public, max-age=60')
      .send(content);
  });

  return router;
}

function skillNotFound(name: string): ApiError {
  return new ApiError(404, 'skill_not_found', `no skill is named "${printable(name)}"`);
}
