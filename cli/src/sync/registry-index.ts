import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  indexPath,
  isFingerprint,
  isSha256,
  isValidName,
  isValidVersion,
  printable,
  shardPrefix,
  SkillsError,
  type IndexConfig,
  type IndexLine,
} from '@skills/schema';
import { readShardFile } from '@skills/schema/reader';
import { writeFileAtomic } from '../fs/atomic.js';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { SelectedRegistry } from '../registry/select.js';
import type { Session } from '../session.js';
import { openTransport } from '../transport/open.js';
import type { IndexTransport } from '../transport/types.js';
import { CatalogFile } from './catalog-file.js';
import { localCatalog, type LocalCatalogOptions } from './local-catalog.js';
import { syncRegistry } from './sync.js';

/** A skill's shard file holds one ≤ 16 KiB line per version. */
const SHARD_MAX_BYTES = 64 * 1024 * 1024;
const KEY_MAX_BYTES = 64 * 1024;

export type OpenRegistryIndexOptions = LocalCatalogOptions;

/**
 * The RegistryIndex install, update and info read through (registry/registry-index.ts): the
 * local catalog (synced first as `options.sync` says) for which shard file is current, and the
 * registry's transport for the files themselves.
 */
export async function openRegistryIndex(
  session: Session,
  selected: SelectedRegistry,
  options: OpenRegistryIndexOptions,
): Promise<SyncedRegistryIndex> {
  const local = await localCatalog(session, selected, options);
  return new SyncedRegistryIndex(session, selected, local.paths.catalog, options);
}

export class SyncedRegistryIndex implements RegistryIndex {
  readonly registry: SelectedRegistry;
  #config: IndexConfig;
  #transport: Promise<IndexTransport> | undefined;
  readonly #keys = new Map<string, Promise<string>>();
  #resyncing: Promise<void> | undefined;

  constructor(
    private readonly session: Session,
    selected: SelectedRegistry,
    private readonly catalogFile: string,
    private readonly options: OpenRegistryIndexOptions,
  ) {
    this.registry = selected;
    this.#config = this.#withCatalog((file) => file.config());
  }

  get config(): IndexConfig {
    return this.#config;
  }

  get identity(): string {
    return this.#config.url ?? this.registry.record.location;
  }

  /** The catalog's entry for `name` (its latest line and shard digest), or null when it is unknown. */
  catalogEntry(name: string): { latest: IndexLine | null; file: string | null; seq: number } | null {
    if (!isValidName(name)) return null;
    return this.#withCatalog((file) => file.entry(name));
  }

  latest(name: string): IndexLine | null {
    return this.catalogEntry(name)?.latest ?? null;
  }

  /**
   * DESIGN §4: the shard file is valid only if its sha256 equals `file` of the last synced line
   * for the name. Copies are cached by that digest (so this works offline); a copy that does not
   * match re-syncs, is asked again past caches, and otherwise fails INDEX_INCONSISTENT. Lines
   * failing their patterns are skipped with a warning.
   */
  async versions(name: string): Promise<IndexLine[]> {
    const entry = this.catalogEntry(name);
    if (entry === null || entry.file === null) return [];
    let expected = entry.file;
    let bytes = await this.#cachedShard(expected);
    const cached = bytes !== null;
    if (bytes === null) {
      bytes = await this.#fetchShard(name, false);
      if (!sameDigest(bytes, expected)) {
        this.options.progress?.(
          `${this.#name()}: ${name}'s index file is not the one the catalog expects; syncing`,
        );
        await this.#resync();
        const again = this.catalogEntry(name);
        if (again === null || again.file === null) return [];
        expected = again.file;
        bytes = (await this.#cachedShard(expected)) ?? (await this.#fetchShard(name, true));
      }
    }
    // Throws INDEX_INCONSISTENT when the digest still differs.
    const read = readShardFile(bytes, expected, name);
    if (!cached) await this.#cacheShard(expected, bytes);
    for (const issue of read.diagnostics)
      this.options.warn?.({ code: issue.code, message: issue.message, path: issue.path });
    return read.lines;
  }

  /** One re-sync per command, shared by the shard reads that run at once and found a stale copy. */
  #resync(): Promise<void> {
    this.#resyncing ??= syncRegistry(this.session, this.registry, {
      ...(this.options.progress ? { progress: this.options.progress } : {}),
      ...(this.options.warn ? { warn: this.options.warn } : {}),
    }).then(() => {
      this.#config = this.#withCatalog((file) => file.config());
    });
    return this.#resyncing;
  }

  /**
   * keys/<FPR>.asc of the index; the last copy read is used when the registry is unreachable.
   * Read once per command (the packages of one install often share a signer); a failure is not kept.
   */
  publicKey(fingerprint: string): Promise<string> {
    let reading = this.#keys.get(fingerprint);
    if (reading === undefined) {
      reading = this.#readPublicKey(fingerprint);
      this.#keys.set(fingerprint, reading);
      reading.catch(() => this.#keys.delete(fingerprint));
    }
    return reading;
  }

  async #readPublicKey(fingerprint: string): Promise<string> {
    if (!isFingerprint(fingerprint)) {
      throw new SkillsError('SIGNER_KEY_INVALID', `"${printable(fingerprint)}" is not a key fingerprint`, {
        hint: 'the index names a malformed signer: report it to the registry operator',
      });
    }
    const cached = path.join(this.session.home.cache, 'keys', `${fingerprint}.asc`);
    let result;
    try {
      result = await (
        await this.#openTransport()
      ).get(`keys/${fingerprint}.asc`, { maxBytes: KEY_MAX_BYTES });
    } catch (error) {
      if (error instanceof SkillsError && error.code === 'REGISTRY_UNREACHABLE') {
        const copy = await readFile(cached, 'utf8').catch(() => null);
        if (copy !== null) return copy;
      }
      throw error;
    }
    if (result.status !== 'ok') {
      throw new SkillsError('SIGNER_KEY_INVALID', `${this.#name()} has no keys/${fingerprint}.asc`, {
        hint: 'the registry does not serve the key that signed this version: report it to its operator',
      });
    }
    await writeFileAtomic(cached, result.bytes, { sync: false });
    return result.bytes.toString('utf8');
  }

  tarballUrl(line: IndexLine): string {
    return this.#fill(this.#config.dl, line);
  }

  signatureUrl(line: IndexLine): string {
    return this.#config.sig === null ? `${this.tarballUrl(line)}.asc` : this.#fill(this.#config.sig, line);
  }

  /** A URL template filled with a checked line's values; a relative one resolves against `url`. */
  #fill(template: string, line: IndexLine): string {
    if (!isValidName(line.name) || !isValidVersion(line.version) || !isSha256(line.sha256)) {
      throw new SkillsError(
        'INDEX_LINE_INVALID',
        `refusing a download URL for "${printable(line.name)}@${printable(line.version)}"`,
        {
          hint: 'the index line is malformed: report it to the registry operator',
        },
      );
    }
    const values: Record<string, string> = {
      '{name}': line.name,
      '{version}': line.version,
      '{prefix}': shardPrefix(line.name),
      '{sha256}': line.sha256,
    };
    const filled = template.replace(/\{(?:name|version|prefix|sha256)\}/g, (token) => values[token]!);
    const base = this.#config.url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(filled)) return new URL(filled).href;
    if (base === null) {
      throw new SkillsError(
        'INDEX_CONFIG_INVALID',
        `${this.#name()}'s download template is relative but it has no url`,
        {
          hint: "The registry's config.json is broken: tell its operator.",
        },
      );
    }
    return new URL(filled, base).href;
  }

  #name(): string {
    return this.registry.name ?? printable(this.registry.record.location);
  }

  #withCatalog<T>(read: (file: CatalogFile) => T): T {
    const file = CatalogFile.open(this.catalogFile);
    if (file === null) {
      throw new SkillsError('NOT_SYNCED', `${this.#name()} has not been synced into this skills home yet`, {
        hint: 'run `skills sync`',
      });
    }
    try {
      return read(file);
    } finally {
      file.close();
    }
  }

  #openTransport(): Promise<IndexTransport> {
    const { record } = this.registry;
    this.#transport ??= openTransport(this.session, {
      transport: record.transport,
      index: record.index,
      allowHttp: record.allowHttp,
    });
    return this.#transport;
  }

  async #fetchShard(name: string, noCache: boolean): Promise<Buffer> {
    const result = await (
      await this.#openTransport()
    ).get(indexPath(name), {
      maxBytes: SHARD_MAX_BYTES,
      ...(noCache ? { noCache: true } : {}),
    });
    if (result.status === 'ok') return result.bytes;
    // The catalog says the file exists: a missing one is just another mismatch.
    return Buffer.alloc(0);
  }

  #shardCacheFile(digest: string): string {
    return path.join(this.session.home.cache, 'shards', digest);
  }

  async #cachedShard(digest: string): Promise<Buffer | null> {
    const bytes = await readFile(this.#shardCacheFile(digest)).catch(() => null);
    return bytes !== null && sameDigest(bytes, digest) ? bytes : null;
  }

  async #cacheShard(digest: string, bytes: Buffer): Promise<void> {
    await writeFileAtomic(this.#shardCacheFile(digest), bytes, { sync: false });
  }
}

function sameDigest(bytes: Buffer, digest: string): boolean {
  return createHash('sha256').update(bytes).digest('hex') === digest;
}
