import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { headCommit, indexRepo, initIndex, newEpoch, openIndex } from '@skills/index-builder';
import { isLoopback, serializeIndexConfig, type IndexConfig } from '@skills/schema';
import type { RegistryConfig } from '../config.js';
import type { RegistryContext } from '../context.js';
import { withRenderLock } from './lock.js';
import { ensureEpoch } from './sql.js';

/**
 * The registry's own OpenPGP key, which signs feed/head.json (built elsewhere, from the data dir).
 * `sign` returns an armored detached signature over exactly the given bytes.
 */
export interface RegistrySigner {
  fingerprint: string;
  publicArmored: string;
  sign(bytes: Uint8Array): Promise<string>;
}

export interface IndexOptions {
  signer: RegistrySigner;
  /**
   * The absolute base URL clients use; ctx.config.publicUrl by default, else derived from host
   * and port. (Tests pass the URL of a server started on port 0.)
   */
  publicUrl?: string;
}

/**
 * The base URL of the registry as clients see it, without a trailing slash: SKILLS_PUBLIC_URL, or
 * the listening address (a wildcard address becomes loopback, which is all it can serve unnamed).
 */
export function publicBaseUrl(config: RegistryConfig, override?: string): string {
  const given = override ?? config.publicUrl;
  if (given) return given.replace(/\/+$/, '');
  const scheme = config.tls ? 'https' : 'http';
  let host = config.host;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  if (host.includes(':')) host = `[${host}]`;
  return `${scheme}://${host}:${config.port}`;
}

/**
 * config.json of the registry's index, less format and epoch. Decision: `dl` is absolute,
 * `<public>/dl/{prefix}/{name}/{name}-{version}.tgz`, because a relative template must resolve
 * under `url` (`<public>/index/`) and /dl/ lies beside it; mirrors of the index keep downloading
 * from the registry. `sig` is null (the dl URL + `.asc`), `auth_required` false.
 */
export function indexConfigFor(
  ctx: RegistryContext,
  options: IndexOptions,
): Omit<IndexConfig, 'format' | 'epoch'> {
  const base = publicBaseUrl(ctx.config, options.publicUrl);
  const url = new URL(`${base}/index/`).href;
  const host = new URL(base).hostname;
  return {
    name: isLoopback(host) ? 'skills registry (local)' : `skills registry ${host}`,
    url,
    dl: `${base}/dl/{prefix}/{name}/{name}-{version}.tgz`,
    sig: null,
    api: `${base}/api/v1`,
    signing_key: options.signer.fingerprint,
    auth_required: false,
  };
}

export interface EnsureResult {
  epoch: string;
  /** True when this call created the index repository. */
  created: boolean;
}

/**
 * Makes sure the registry_state row (the epoch) and the index repository exist. A missing index
 * is created at the database's epoch, empty (seq 0): the worker then renders the feed table into
 * it. It is built in a temp folder and renamed into place, so a crash leaves no half index. An
 * existing index is left alone; a config.json that no longer matches the configuration is logged
 * (it changes with the next `epoch new`).
 */
export async function ensureIndex(ctx: RegistryContext, options: IndexOptions): Promise<EnsureResult> {
  const config = indexConfigFor(ctx, options);
  serializeIndexConfig({ format: 1, epoch: 'check', ...config }); // a bad public URL fails before any write
  const epoch = await ensureEpoch(ctx.db, newEpoch(ctx.now()));
  return withRenderLock(ctx, async () => {
    const dir = ctx.paths.index;
    if ((await headCommit(indexRepo(dir))) !== null) {
      const index = await openIndex(dir);
      const differs = (Object.keys(config) as (keyof typeof config)[]).filter(
        (key) => index.config[key] !== config[key],
      );
      if (differs.length > 0) {
        ctx.logger.warn(
          { differs, index: index.config, configured: config },
          'the index config.json differs from the configuration; `epoch new` would write the new one',
        );
      }
      return { epoch: index.config.epoch, created: false };
    }
    await createIndex(ctx, dir, epoch, config, options.signer);
    ctx.logger.info({ dir, epoch }, 'created the index repository');
    return { epoch, created: true };
  });
}

/** Builds a fresh index (seq 0) in a temp sibling folder; returns that folder. */
export async function buildFreshIndex(
  ctx: RegistryContext,
  dir: string,
  epoch: string,
  config: Omit<IndexConfig, 'format' | 'epoch'>,
  signer: RegistrySigner,
): Promise<string> {
  const temp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
  await mkdir(path.dirname(dir), { recursive: true });
  await initIndex(temp, {
    config,
    epoch,
    time: ctx.now(),
    sign: (bytes) => signer.sign(bytes),
    keys: { [signer.fingerprint]: normalizeArmor(signer.publicArmored) },
  });
  return temp;
}

async function createIndex(
  ctx: RegistryContext,
  dir: string,
  epoch: string,
  config: Omit<IndexConfig, 'format' | 'epoch'>,
  signer: RegistrySigner,
): Promise<void> {
  const entries = await readdir(dir).catch(() => null);
  if (entries !== null && entries.length > 0) {
    throw new Error(`${dir} is not empty and holds no index repository: move it away or empty it`);
  }
  const temp = await buildFreshIndex(ctx, dir, epoch, config, signer);
  try {
    await rename(temp, dir); // replaces an empty folder
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Index files never hold 0x0D (DESIGN §4 Bytes); armor is text, so CRLF becomes LF. */
export function normalizeArmor(armored: string): string {
  return armored.replace(/\r\n?/g, '\n');
}
