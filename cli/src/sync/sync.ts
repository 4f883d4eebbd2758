import { printable, SkillsError, type FeedHead } from '@skills/schema';
import { buildSearchIndex, serializeSearchIndex, type SearchEntry } from '@skills/schema/ranking';
import { Catalog, checkHeadAgainst, type FeedEntry } from '@skills/schema/reader';
import type { Warning } from '../report.js';
import { readPin } from '../registry/pins.js';
import type { SelectedRegistry } from '../registry/select.js';
import type { Session } from '../session.js';
import { nextRequestSent } from '../http/client.js';
import { loadOpenpgp } from '../pgp/openpgp.js';
import { openTransport } from '../transport/open.js';
import type { IndexTransport } from '../transport/types.js';
import type { CatalogHeader, CatalogState, EntryLines } from './catalog-file.js';
import { mergeFeed, type MergedCatalog } from './merge.js';
import { readFeedTo, type SyncPosition } from './feed.js';
import {
  checkHead,
  fetchConfig,
  fetchHead,
  fetchHeadSignature,
  type FetchedConfig,
  type FetchedHead,
  type HeadSignatureFiles,
} from './head.js';
import { farBehind, GENESIS, readHeadSnapshot, type SnapshotRead } from './snapshot.js';
import {
  headEtag,
  openCatalog,
  readChecked,
  syncPaths,
  writeCatalog,
  writeChecked,
  type SyncPaths,
} from './state.js';

export interface SyncOptions {
  /** `skills sync --accept-reset <registry>`: a new epoch restarts from its snapshot. */
  acceptReset?: boolean;
  progress?: (line: string) => void;
  warn?: (warning: Warning) => void;
  /**
   * The caller verifies signatures after the sync anyway (install, update): load openpgp while the
   * head request travels, so its ~25 ms start-up overlaps the wait instead of following it. (A
   * first sync checks the head's signature at once, which loads it anyway.)
   */
  preloadVerifier?: boolean;
}

export interface SyncOutcome {
  /** What the registry is called in messages: its configured name, else its location. */
  registry: string;
  /** unchanged: the head was where the catalog is; updated: new lines were applied; behind:
   * the registry served an older head (the local copy was kept). */
  status: 'unchanged' | 'updated' | 'behind';
  epoch: string;
  seq: number;
  hash: string;
  /** Feed lines read and applied by this sync. */
  lines: number;
  /** Whether it started over from the head's snapshot. */
  fromSnapshot: boolean;
  skills: number;
  syncedAt: string;
}

/**
 * `skills sync` for one registry: DESIGN §4 "Client sync over HTTP", over whichever transport
 * reads its index. Nothing under state/ changes unless the sync reaches the head exactly; then
 * the catalog, epoch, position and hash are written in one rename, under the home lock.
 */
export async function syncRegistry(
  session: Session,
  selected: SelectedRegistry,
  options: SyncOptions = {},
): Promise<SyncOutcome> {
  const { record } = selected;
  const transport = await openTransport(session, {
    transport: record.transport,
    index: record.index,
    allowHttp: record.allowHttp,
  });
  const run = new SyncRun(session, selected, transport, options);
  try {
    // A snapshot that is gone means head.json moved on: read it again, once.
    return (await run.once()) ?? (await run.once()) ?? run.snapshotGone();
  } finally {
    await transport.close();
  }
}

/** A small registry's snapshot is read while its head is checked; a large one waits for the check. */
const EARLY_SNAPSHOT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A first sync starts from the snapshot the head names: asked for before the head's signature is
 * checked, so the round trip overlaps the check. Its bytes are used only if the head passes, and
 * are checked against that head's sha256 (readHeadSnapshot); its path cannot leave the index (the
 * head's reader pins it to `snapshots/<epoch>/…`).
 */
function readSnapshotEarly(
  transport: IndexTransport,
  head: FeedHead,
): { head: FeedHead; read: Promise<SnapshotRead> } | null {
  if (head.snapshot === null || head.snapshot.size > EARLY_SNAPSHOT_MAX_BYTES) return null;
  const read = readHeadSnapshot(transport, head.snapshot);
  read.catch(() => undefined); // reported when awaited, after the head passed; never otherwise
  return { head, read };
}

/** The requests #verified checks a head with, started by #askVerification. */
interface Verification {
  pinnedKey: string | null;
  noCache: boolean;
  config: Promise<FetchedConfig>;
  signature: Promise<HeadSignatureFiles> | undefined;
}

class SyncRun {
  readonly name: string;
  readonly paths: SyncPaths;
  readonly #progress: (line: string) => void;

  constructor(
    readonly session: Session,
    readonly selected: SelectedRegistry,
    readonly transport: IndexTransport,
    readonly options: SyncOptions,
  ) {
    this.name = selected.name ?? selected.record.location;
    this.paths = syncPaths(session.home, selected.record.location);
    this.#progress = options.progress ?? (() => {});
  }

  /** One pass of steps 1–5; null when the head's snapshot was not there. */
  async once(): Promise<SyncOutcome | null> {
    const stored = this.#storedHeader();
    const checked = stored === null ? null : await readChecked(this.paths, stored);
    const pin = await readPin(this.session.home, this.selected.record.location);
    const pinnedKey = pin?.signingKey ?? null;

    const request = fetchHead(this.transport, {
      etag: stored === null ? null : headEtag(stored, checked),
    });
    // A first sync needs config.json and the head's signature whatever the head says: asked for
    // beside it, one round trip instead of two. Later syncs ask only for the head (a no-change
    // sync is one request) and for the rest when it moved.
    const early = stored === null ? this.#askVerification(null, pinnedKey, false) : undefined;
    // Checking the head loads openpgp, which holds the thread ~25 ms: first every request that
    // can go out before the check is put on the wire. A later sync preloads it for the caller
    // once the head request is sent; a first sync checks the head at once, after asking for the
    // snapshot the head names.
    if (stored !== null && this.options.preloadVerifier) {
      void this.#sent(request).then(() => loadOpenpgp().catch(() => undefined));
    }
    let fetched = await request;
    if (fetched === 'not-modified') return this.#unchanged(stored!, checked?.headEtag ?? stored!.headEtag);
    const earlySnapshot = stored === null ? readSnapshotEarly(this.transport, fetched.head) : null;
    if (earlySnapshot !== null) await this.#sent(earlySnapshot.read);
    let fresh = false;
    let config: FetchedConfig;
    try {
      config = await this.#verified(fetched, early ?? this.#askVerification(stored, pinnedKey, false));
    } catch (error) {
      // Caches keep head.json and its signature apart: a pair that does not match may be one
      // stale file. Both are asked again past caches once before the head is refused.
      if (!(error instanceof SkillsError) || error.code !== 'HEAD_SIGNATURE_INVALID') throw error;
      fetched = await this.#fetchFresh();
      fresh = true;
      config = await this.#verified(fetched, this.#askVerification(stored, pinnedKey, true));
    }
    let comparison = stored === null ? 'new' : checkHeadAgainst(stored, fetched.head);
    if (comparison === 'behind' && !fresh) {
      // Most likely a cache: ask past it once before settling for the old copy.
      fetched = await this.#fetchFresh();
      config = await this.#verified(fetched, this.#askVerification(stored, pinnedKey, true));
      comparison = checkHeadAgainst(stored!, fetched.head);
    }
    const head = fetched.head;
    if (pinnedKey === null) {
      this.options.warn?.({
        code: 'REGISTRY_UNSIGNED',
        message: `${this.name} does not sign its feed: a mirror or a compromised server could serve an old or altered index`,
      });
    }

    let start: 'stored' | 'snapshot' | 'genesis';
    switch (comparison) {
      case 'same':
        return this.#unchanged(stored!, fetched.etag);
      case 'behind':
        this.options.warn?.({
          code: 'FEED_BEHIND',
          message: `${this.name} serves feed seq ${head.seq}, older than the ${stored!.seq} already synced: the local copy is kept`,
        });
        return this.#outcome(stored!, 'behind', 0, false);
      case 'fork':
        throw new SkillsError(
          'FEED_FORK',
          `${this.name} serves feed line ${head.seq} with hash ${head.hash}, but the synced copy has ${stored!.hash} there: its feed was rewritten`,
          {
            hint: 'nothing was changed; do not trust this registry until its operator explains (a restored backup needs a new epoch)',
          },
        );
      case 'reset':
        if (this.options.acceptReset !== true) {
          throw new SkillsError(
            'FEED_RESET',
            `${this.name} restarted its feed: epoch ${head.epoch} replaces ${stored!.epoch}`,
            {
              hint: `ask the operator why; to accept it, run \`skills sync --accept-reset ${this.selected.name ?? printable(this.selected.record.location)}\``,
            },
          );
        }
        this.#progress(`${this.name}: accepting the new epoch ${head.epoch}`);
        start = head.snapshot === null ? 'genesis' : 'snapshot';
        break;
      case 'new':
        start = head.snapshot === null ? 'genesis' : 'snapshot';
        break;
      default:
        start = farBehind(positionOf(stored!), head) ? 'snapshot' : 'stored';
    }

    let catalog: Catalog | null = null;
    let from: SyncPosition = GENESIS;
    if (start === 'snapshot') {
      this.#progress(`${this.name}: reading the catalog snapshot at seq ${head.snapshot!.seq}`);
      const read = await (earlySnapshot?.head === head
        ? earlySnapshot.read
        : readHeadSnapshot(this.transport, head.snapshot!));
      if (read === 'gone') return null;
      ({ catalog } = read);
      from = read.position;
    } else if (start === 'stored') {
      from = positionOf(stored!);
    }
    const count = head.seq - from.seq;
    if (count > 0)
      this.#progress(
        `${this.name}: reading ${count} feed line${count === 1 ? '' : 's'} (seq ${from.seq + 1}–${head.seq})`,
      );
    const feed = await readFeedTo(this.transport, head, from);
    let entries: EntryLines;
    let search: SearchEntry[];
    let applied = 0;
    for (const entry of feed.lines) if (entry.line.known) applied++;
    if (catalog === null && start === 'stored') {
      ({ search, ...entries } = this.#mergeStored(stored!, feed.lines));
    } else {
      catalog ??= new Catalog();
      for (const entry of feed.lines) catalog.apply(entry.line);
      entries = { chunks: [catalog.toSnapshot()], count: catalog.size };
      search = [];
      for (const entry of catalog) if (entry.latest !== null) search.push(entry.latest);
    }
    const state: CatalogState = {
      location: this.selected.record.location,
      epoch: head.epoch,
      seq: head.seq,
      hash: head.hash,
      segment: head.segment,
      offset: head.offset,
      headTime: head.time,
      syncedAt: new Date().toISOString(),
      headEtag: fetched.etag,
      configEtag: config.etag,
      config: config.text,
    };
    const written = await this.#write(stored, state, entries, search, head);
    return this.#outcome(written, 'updated', applied, start === 'snapshot');
  }

  /**
   * Once the request `answer` belongs to is on the wire (over HTTP; other transports read at
   * once), or it has ended without being sent. Call right after making the request.
   */
  #sent(answer: Promise<unknown>): Promise<void> {
    const ended = answer.then(
      () => undefined,
      () => undefined,
    );
    if (this.transport.kind !== 'http') return ended;
    return Promise.race([nextRequestSent(), ended]);
  }

  snapshotGone(): never {
    throw new SkillsError('FEED_STALE', `${this.name} names a catalog snapshot it does not serve`, {
      hint: 'the registry is replacing its snapshot: try `skills sync` again in a minute',
    });
  }

  #storedHeader(): CatalogHeader | null {
    const file = openCatalog(this.paths);
    file?.close();
    return file?.header ?? null;
  }

  /** The stored catalog with the feed applied, reading only the entries the feed touches. */
  #mergeStored(stored: CatalogHeader, lines: readonly FeedEntry[]): MergedCatalog {
    const file = openCatalog(this.paths);
    if (file === null) throw new SkillsError('INTERNAL', 'the stored catalog vanished during sync');
    try {
      const touched = new Set<string>();
      for (const { line } of lines) if (line.known) touched.add(line.line.name);
      const held = [...touched].sort().flatMap((name) => file.rawEntry(name) ?? []);
      return mergeFeed(file.entryLines(), held, stored.seq, lines);
    } finally {
      file.close();
    }
  }

  async #fetchFresh(): Promise<FetchedHead> {
    const fetched = await fetchHead(this.transport, { etag: null, noCache: true });
    if (fetched === 'not-modified') throw new SkillsError('INTERNAL', 'head.json answered 304 unasked');
    return fetched;
  }

  /** Asks for config.json and, when a key is pinned, head.json's signature and that key. */
  #askVerification(stored: CatalogHeader | null, pinnedKey: string | null, noCache: boolean): Verification {
    const signature = pinnedKey === null ? undefined : fetchHeadSignature(this.transport, pinnedKey, noCache);
    const config = fetchConfig(
      this.transport,
      stored === null ? null : { text: stored.config, etag: stored.configEtag },
    );
    // Awaited later, in order (a failed config.json is reported first), or never when the head
    // request fails: not unhandled meanwhile.
    signature?.catch(() => undefined);
    config.catch(() => undefined);
    return { pinnedKey, noCache, config, signature };
  }

  /** config.json, the pinned key's signature over head.json, `expires`, and the epochs agreeing. */
  async #verified(fetched: FetchedHead, asked: Verification): Promise<FetchedConfig> {
    const { pinnedKey, noCache, signature } = asked;
    const config = await asked.config;
    await checkHead(this.transport, fetched, config.config, pinnedKey, new Date(), noCache, signature);
    if (config.config.epoch !== fetched.head.epoch) {
      throw new SkillsError(
        'FEED_STALE',
        `${this.name} serves config.json of epoch ${config.config.epoch} but feed/head.json of epoch ${fetched.head.epoch}`,
        {
          hint: 'the registry is changing epochs, or a cache holds an old file: try `skills sync` again later',
        },
      );
    }
    return config;
  }

  async #unchanged(stored: CatalogHeader, etag: string | null): Promise<SyncOutcome> {
    const at = new Date().toISOString();
    await writeChecked(this.paths, {
      at,
      epoch: stored.epoch,
      seq: stored.seq,
      hash: stored.hash,
      headEtag: etag,
    });
    return { ...this.#outcome(stored, 'unchanged', 0, false), syncedAt: at };
  }

  /**
   * Writes the new catalog under the home lock, unless another process synced meanwhile to a
   * head at least as far in the same epoch: then its catalog stays (never replaced by an older
   * one).
   */
  async #write(
    stored: CatalogHeader | null,
    state: CatalogState,
    entries: EntryLines,
    search: SearchEntry[],
    head: FeedHead,
  ): Promise<CatalogHeader> {
    const searchIndex = serializeSearchIndex(buildSearchIndex(search));
    return this.session.withLock(async () => {
      const current = this.#storedHeader();
      const moved =
        current !== null &&
        (stored === null ||
          current.epoch !== stored.epoch ||
          current.seq !== stored.seq ||
          current.hash !== stored.hash);
      if (moved && current.epoch === head.epoch && current.seq >= head.seq) return current;
      return writeCatalog(this.paths, state, entries, searchIndex);
    });
  }

  #outcome(
    header: CatalogHeader,
    status: SyncOutcome['status'],
    lines: number,
    fromSnapshot: boolean,
  ): SyncOutcome {
    return {
      registry: this.name,
      status,
      epoch: header.epoch,
      seq: header.seq,
      hash: header.hash,
      lines,
      fromSnapshot,
      skills: header.skills,
      syncedAt: header.syncedAt,
    };
  }
}

function positionOf(header: CatalogHeader): SyncPosition {
  return { seq: header.seq, hash: header.hash, segment: header.segment, offset: header.offset };
}
