import type { IndexLine } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import type { ReadModel } from './model.js';
import { fileLists } from './queries.js';
import { downloadUrl } from './urls.js';

export const DISCOVERY_SCHEMA = 'https://schemas.agentskills.io/discovery/0.2.0/schema.json';
/** DESIGN §5: the discovery index is regenerated at most once a minute. */
export const DISCOVERY_MAX_AGE_MS = 60_000;

/** One skill in the Agent Skills discovery index (the shape Vercel's `skills` CLI reads). */
export interface DiscoverySkill {
  name: string;
  description: string;
  type: 'archive';
  /** Absolute download URL of the latest version's tarball. */
  url: string;
  digest: `sha256:${string}`;
  /** The archive's file paths (versions.files). */
  files: string[];
}

/** The skills the discovery index lists: those with a latest line that is not yanked. */
export function discoverable(model: ReadModel): IndexLine[] {
  return model.catalog().filter((line) => !line.yanked);
}

/**
 * `/.well-known/agent-skills/index.json` (DESIGN §5), kept in memory as bytes. It is built from the
 * read model, with each latest version's file list from SQL (cached per name@version, which never
 * changes), and rebuilt on a request at least a minute after the last build, when the model
 * changed since. Requests meanwhile get the bytes already built.
 */
export class DiscoveryIndex {
  readonly #ctx: RegistryContext;
  readonly #model: ReadModel;
  #built: { at: number; generation: number; body: Buffer } | null = null;
  #building: Promise<Buffer> | null = null;
  #files = new Map<string, string[]>();

  constructor(ctx: RegistryContext, model: ReadModel) {
    this.#ctx = ctx;
    this.#model = model;
  }

  /** The index.json bytes. */
  async body(): Promise<Buffer> {
    const built = this.#built;
    const now = this.#ctx.now().getTime();
    if (
      built !== null &&
      (now - built.at < DISCOVERY_MAX_AGE_MS || built.generation === this.#model.generation)
    ) {
      return built.body;
    }
    this.#building ??= this.#build(now).finally(() => {
      this.#building = null;
    });
    return this.#building;
  }

  async #build(now: number): Promise<Buffer> {
    const generation = this.#model.generation;
    const lines = discoverable(this.#model);
    const key = (line: IndexLine): string => `${line.name}@${line.version}`;
    const missing = lines.filter((line) => !this.#files.has(key(line)));
    const fetched = missing.length > 0 ? await fileLists(this.#ctx.db, missing) : new Map<string, string[]>();
    // Keep only the lists still in use, so old versions do not pile up.
    const files = new Map<string, string[]>();
    for (const line of lines)
      files.set(key(line), this.#files.get(key(line)) ?? fetched.get(key(line)) ?? []);
    this.#files = files;
    const skills: DiscoverySkill[] = lines.map((line) => ({
      name: line.name,
      description: line.description,
      type: 'archive',
      url: downloadUrl(this.#ctx.config, line.name, line.version),
      digest: `sha256:${line.sha256}`,
      files: files.get(key(line))!,
    }));
    const body = Buffer.from(JSON.stringify({ $schema: DISCOVERY_SCHEMA, skills }));
    this.#built = { at: now, generation, body };
    return body;
  }
}
