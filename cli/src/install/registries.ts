import { printable, SkillsError } from '@skills/schema';
import type { RegistryIndex } from '../registry/registry-index.js';
import type { Report, Warning } from '../report.js';
import { openRegistryIndex } from '../sync/registry-index.js';
import { selectRegistry, type SelectedRegistry } from '../registry/select.js';
import type { Session } from '../session.js';

export type OpenRegistryIndex = (session: Session, registry: SelectedRegistry) => Promise<RegistryIndex>;

/**
 * The registries one command reads, opened on first use: the command's own (`--registry`, else
 * the default) and, by identity, those that installed skills or the lock come from — a
 * dependency resolves only in its declaring skill's registry (DESIGN §6). Nothing is opened for a
 * command whose every choice is already installed.
 */
export class RegistrySet {
  readonly #session: Session;
  readonly #option: string | undefined;
  readonly #open: OpenRegistryIndex;
  #selected: Promise<RegistryIndex> | undefined;
  readonly #byIdentity = new Map<string, Promise<RegistryIndex>>();

  constructor(session: Session, option: string | undefined, open: OpenRegistryIndex) {
    this.#session = session;
    this.#option = option;
    this.#open = open;
  }

  /** Whether `--registry` was given: then the command's requests resolve only there. */
  get explicit(): boolean {
    return this.#option !== undefined;
  }

  selected(): Promise<RegistryIndex> {
    this.#selected ??= selectRegistry(this.#session, this.#option).then((selected) =>
      this.#open(this.#session, selected),
    );
    return this.#selected;
  }

  /** The configured registry whose identity is `identity` (config.json's `url`, else its location). */
  async byIdentity(identity: string): Promise<RegistryIndex> {
    const known = this.#byIdentity.get(identity);
    if (known !== undefined) return known;
    const opening = this.#find(identity);
    this.#byIdentity.set(identity, opening);
    return opening;
  }

  async #find(identity: string): Promise<RegistryIndex> {
    if (this.#selected !== undefined || this.#option !== undefined) {
      const selected = await this.selected();
      if (selected.identity === identity) return selected;
    }
    const config = await this.#session.config();
    const match = Object.entries(config.registries).find(
      ([, record]) => (record.url ?? record.location) === identity,
    );
    if (match === undefined) {
      throw new SkillsError('REGISTRY_UNKNOWN', `no configured registry is ${printable(identity, 200)}`, {
        hint: `the skills installed or locked from it need it: add it with \`skills registry add <name> ${printable(identity, 200)}\``,
      });
    }
    const [name, record] = match;
    if (config.defaultRegistry === name && this.#option === undefined) return this.selected();
    const index = await this.#open(this.#session, { name, record });
    if (index.identity !== identity) {
      throw new SkillsError(
        'REGISTRY_UNKNOWN',
        `the registry "${name}" now says it is ${printable(index.identity, 200)}, not ${printable(identity, 200)}`,
        { hint: `add the registry at ${printable(identity, 200)} again, or reinstall the skills from it` },
      );
    }
    return index;
  }
}

/**
 * How install and update open a registry: synced first, so a version published a moment ago is
 * found; when the registry cannot be reached, the last synced copy is used with a warning (what
 * is cached still installs offline).
 */
export function syncedOpener(report: Report): OpenRegistryIndex {
  const options = {
    progress: (line: string) => report.progress(line),
    warn: (warning: Warning) => report.warning(warning),
    preloadVerifier: true,
  };
  return async (session, selected) => {
    try {
      return await openRegistryIndex(session, selected, { sync: 'always', ...options });
    } catch (error) {
      if (!(error instanceof SkillsError) || error.code !== 'REGISTRY_UNREACHABLE') throw error;
      const offline = await openRegistryIndex(session, selected, { sync: 'never', ...options }).catch(() => {
        throw error;
      });
      report.warning({
        code: error.code,
        message: `${error.message}; using the copy of ${selected.name ?? selected.record.location} synced before`,
      });
      return offline;
    }
  };
}
