import fs from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import type * as IsomorphicGit from 'isomorphic-git';
import type { GitHttpRequest, GitHttpResponse, HttpClient as GitHttpClient, TreeEntry } from 'isomorphic-git';
import { printable, SkillsError } from '@skills/schema';
import { writeFileAtomic } from '../fs/atomic.js';
import type { HttpClient } from '../http/client.js';
import { checkSecure } from '../registry/location.js';
import type { GetOptions, GetResult, IndexTransport } from './types.js';

type Git = typeof IsomorphicGit;
let loaded: Promise<Git> | undefined;

/** isomorphic-git, loaded on first use: only registries read over git need it (DESIGN §1). */
function loadGit(): Promise<Git> {
  loaded ??= import('isomorphic-git').then(
    (module) => (module as unknown as { default?: Git }).default ?? module,
  );
  return loaded;
}

export interface GitTransportOptions {
  client: HttpClient;
  /** The repository's http(s) URL (without `git+`). */
  url: string;
  /** A bare repository of its own under `$SKILLS_HOME/.cache/git/`, kept between runs. */
  gitdir: string;
  allowHttp: boolean;
  tokenFor?: (origin: string) => string | null;
}

/** The branch the index is committed on (index-builder's INDEX_BRANCH). */
const BRANCH = 'main';
/** A fetched pack is buffered whole; an index of 100,000 skills packs to tens of MiB. */
const GIT_MAX_BYTES = 1024 * 1024 * 1024;
const VERIFIED_FILE = 'skills-verified';
const MODE_TREE = '040000';
const BLOB_MODES = new Set(['100644', '100755']);

interface Tip {
  commit: string;
  tree: string;
}

/**
 * An index read from a git repository over HTTP(S) (DESIGN §4 Git): one branch fetched at depth
 * 1 into a bare repository under `.cache/`, any new tip accepted (rollbacks are the feed chain's
 * business), files read as blobs from the fetched tree — no checkout, no submodules. A tree
 * holding a symlink, a submodule or a `.gitmodules` is refused (INDEX_TREE_INVALID); only the
 * trees that changed since the last verified tip are walked again. The remote's refs are asked
 * once per transport (one GET); an unchanged tip fetches nothing.
 */
export class GitTransport implements IndexTransport {
  readonly kind = 'git' as const;
  readonly where: string;
  readonly #cache = {};
  #tip: Promise<Tip> | undefined;

  constructor(private readonly options: GitTransportOptions) {
    this.where = options.url;
  }

  async get(indexPath: string, options: GetOptions): Promise<GetResult> {
    const segments = checkedSegments(indexPath);
    if (options.noCache || this.#tip === undefined) this.#tip = this.#update();
    const tip = await this.#tip;
    const git = await loadGit();
    let tree = tip.tree;
    let entry: TreeEntry | undefined;
    for (const [i, segment] of segments.entries()) {
      const { tree: entries } = await git.readTree({
        fs,
        gitdir: this.options.gitdir,
        oid: tree,
        cache: this.#cache,
      });
      entry = entries.find((one) => one.path === segment);
      if (entry === undefined) return { status: 'not-found' };
      const last = i === segments.length - 1;
      if (!last && entry.mode !== MODE_TREE) return { status: 'not-found' };
      if (last && !BLOB_MODES.has(entry.mode)) return { status: 'not-found' };
      tree = entry.oid;
    }
    const etag = `"${entry!.oid}"`;
    if (options.etag === etag && options.range === undefined) return { status: 'not-modified' };
    const { blob } = await git.readBlob({
      fs,
      gitdir: this.options.gitdir,
      oid: entry!.oid,
      cache: this.#cache,
    });
    const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    const start = options.range?.start ?? 0;
    const end = Math.min(options.range?.end ?? bytes.length - 1, bytes.length - 1);
    const part = bytes.subarray(start, Math.max(start, end + 1));
    if (part.length > options.maxBytes) {
      throw new SkillsError(
        'RESPONSE_TOO_LARGE',
        `${indexPath} in ${this.where} is larger than ${options.maxBytes} bytes`,
        {
          hint: 'the index holds a file larger than skills accepts: tell its operator',
        },
      );
    }
    return { status: 'ok', bytes: part, etag, start };
  }

  async close(): Promise<void> {}

  /** The remote tip: fetched (depth 1) when it is not the one verified last time. */
  async #update(): Promise<Tip> {
    const git = await loadGit();
    const { gitdir, url } = this.options;
    checkSecure(url, this.options.allowHttp);
    await mkdir(gitdir, { recursive: true });
    if (!fs.existsSync(`${gitdir}/HEAD`)) {
      await git.init({ fs, gitdir, bare: true, defaultBranch: BRANCH });
      await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
    }
    const http = this.#http();
    const remote = await gitCall(url, () => git.getRemoteInfo2({ http, url, protocolVersion: 1 }));
    const ref = remote.refs?.find((one) => one.ref === `refs/heads/${BRANCH}`);
    if (ref === undefined) {
      throw new SkillsError('REGISTRY_NOT_FOUND', `${printable(url)} has no branch ${BRANCH}`, {
        hint: 'check the URL: it must be the git repository of a skills index',
      });
    }
    const verified = await readFile(`${gitdir}/${VERIFIED_FILE}`, 'utf8').then(
      (text) => text.trim(),
      () => null,
    );
    if (verified !== ref.oid) {
      const fetched = await gitCall(url, () =>
        git.fetch({
          fs,
          http,
          gitdir,
          url,
          remote: 'origin',
          ref: BRANCH,
          singleBranch: true,
          depth: 1,
          tags: false,
          cache: this.#cache,
        }),
      );
      const commit = fetched.fetchHead ?? ref.oid;
      const { commit: parsed } = await git.readCommit({ fs, gitdir, oid: commit, cache: this.#cache });
      const previous = verified === null ? null : await this.#treeOf(verified);
      await this.#verifyTree(parsed.tree, previous, '');
      await writeFileAtomic(`${gitdir}/${VERIFIED_FILE}`, `${commit}\n`, { sync: false });
      return { commit, tree: parsed.tree };
    }
    return { commit: ref.oid, tree: (await this.#treeOf(ref.oid))! };
  }

  async #treeOf(commit: string): Promise<string | null> {
    const git = await loadGit();
    try {
      return (await git.readCommit({ fs, gitdir: this.options.gitdir, oid: commit, cache: this.#cache }))
        .commit.tree;
    } catch {
      return null;
    }
  }

  /**
   * Refuses a tree holding a symlink, a submodule (a commit entry) or a `.gitmodules`, walking
   * only what differs from the tree verified last time (same oid at the same path: same content).
   */
  async #verifyTree(tree: string, previous: string | null, where: string): Promise<void> {
    if (tree === previous) return;
    const git = await loadGit();
    const read = async (oid: string): Promise<TreeEntry[]> =>
      (await git.readTree({ fs, gitdir: this.options.gitdir, oid, cache: this.#cache })).tree;
    const entries = await read(tree);
    const before = new Map<string, string>();
    if (previous !== null) {
      for (const entry of await read(previous).catch(() => [])) before.set(entry.path, entry.oid);
    }
    for (const entry of entries) {
      const at = `${where}${entry.path}`;
      if (entry.path === '.gitmodules' || entry.type === 'commit' || entry.mode === '160000') {
        throw invalidTree(
          this.where,
          at,
          entry.path === '.gitmodules' ? 'is a .gitmodules file' : 'is a submodule',
        );
      }
      if (entry.mode === '120000') throw invalidTree(this.where, at, 'is a symbolic link');
      if (entry.type === 'tree') await this.#verifyTree(entry.oid, before.get(entry.path) ?? null, `${at}/`);
    }
  }

  /** isomorphic-git's HTTP client, through the CLI's own (caps, proxies, the http rule, tokens). */
  #http(): GitHttpClient {
    const { client, allowHttp, tokenFor } = this.options;
    return {
      async request(request: GitHttpRequest): Promise<GitHttpResponse> {
        const chunks: Uint8Array[] = [];
        if (request.body) for await (const chunk of request.body) chunks.push(chunk);
        const method = (request.method ?? 'GET').toUpperCase() as 'GET' | 'POST';
        const response = await client.request(request.url, {
          method,
          headers: request.headers ?? {},
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          maxBytes: GIT_MAX_BYTES,
          allowHttp,
          ...(tokenFor ? { tokenFor } : {}),
        });
        return {
          url: response.url,
          method,
          statusCode: response.status,
          statusMessage: String(response.status),
          headers: response.headers,
          body: (async function* () {
            yield new Uint8Array(response.body.buffer, response.body.byteOffset, response.body.byteLength);
          })(),
        };
      },
    };
  }
}

/** Index paths only: relative, `/`-separated, no empty, `.` or `..` segments. */
function checkedSegments(indexPath: string): string[] {
  const segments = indexPath.split('/');
  if (
    indexPath.includes('\\') ||
    indexPath.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new SkillsError('INTERNAL', `refusing the index path "${printable(indexPath)}"`);
  }
  return segments;
}

function invalidTree(where: string, at: string, what: string): SkillsError {
  return new SkillsError(
    'INDEX_TREE_INVALID',
    `the git index at ${where} is refused: ${printable(at)} ${what}`,
    {
      hint: 'an index tree holds only regular files: report it to the registry operator',
    },
  );
}

/** isomorphic-git's failures as the CLI's: ours pass through, HTTP statuses get their codes. */
async function gitCall<T>(url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SkillsError) throw error;
    const data = (error as { code?: string; data?: { statusCode?: number } }).data;
    const status = (error as { code?: string }).code === 'HttpError' ? data?.statusCode : undefined;
    if (status === 401 || status === 403) {
      throw new SkillsError(
        'AUTH_REQUIRED',
        `${printable(url)} answered ${status}: this registry needs a login`,
        {
          hint: 'run `skills login` for this registry, or set SKILLS_TOKEN',
          cause: error,
        },
      );
    }
    if (status === 404) {
      throw new SkillsError('REGISTRY_NOT_FOUND', `${printable(url)} is not a git repository (404)`, {
        hint: 'check the URL: a git index ends in .git, e.g. https://skills.example.com/index.git',
        cause: error,
      });
    }
    throw new SkillsError('HTTP_ERROR', `fetching ${printable(url)} failed: ${(error as Error).message}`, {
      hint:
        status !== undefined && status >= 500
          ? 'the registry has a problem: try again later'
          : 'check the git URL',
      cause: error,
    });
  }
}
