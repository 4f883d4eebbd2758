import { rm } from 'node:fs/promises';
import { printable, SkillsError, UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { discoverRegistry } from '../registry/discover.js';
import { readPin, registryStateDir, writePin } from '../registry/pins.js';
import { selectRegistry, type SelectedRegistry } from '../registry/select.js';
import { syncRegistry, type SyncOutcome } from '../sync/sync.js';

export class SyncCommand extends BaseCommand {
  static override paths = [['sync']];

  static override usage = Command.Usage({
    category: 'Search and sync',
    description: "bring the local catalog up to date with a registry's feed",
    details: `
      Reads the registry's feed from where the last sync stopped and applies it to the local catalog that \`skills search\`, \`skills info\` and install read. Only what changed is transferred: \`feed/head.json\` with its ETag (an unchanged registry costs one request), then exact byte ranges of the feed. Everything read is verified first — the head's signature with the pinned registry key, the hash chain of every line, the snapshot's digest — and the catalog, its position and chain hash are written in one atomic step only when the feed reaches the head exactly. A failed sync changes nothing.

      A registry that restarted its feed in a new epoch stops the sync with FEED_RESET until you accept it with \`--accept-reset <registry>\`. A registry serving an older head than the one synced is kept at the local copy, with a warning.

      \`--reset\` forgets everything this home synced and pinned for the registry (its state folder), pins the signing key its config.json names now, and syncs from scratch.

      Syncs the default registry, the one given with \`--registry\`, or every configured registry with \`--all\`.
    `,
    examples: [
      ['Sync the default registry', '$0 sync'],
      ['Sync every configured registry', '$0 sync --all'],
      ['Accept that the registry "main" started a new epoch', '$0 sync --accept-reset main'],
      ['Forget what was synced and pinned for "main", and start again', '$0 sync --reset --registry main'],
    ],
  });

  acceptReset = Option.String('--accept-reset', {
    description: 'Accept that this registry (name or URL) restarted its feed in a new epoch',
  });
  reset = Option.Boolean('--reset', false, {
    description: "Clear the registry's sync state and pins, then sync from scratch",
  });
  all = Option.Boolean('--all', false, { description: 'Sync every configured registry' });

  async execute(): Promise<number> {
    if (this.all && this.registry !== undefined) {
      throw new UsageError('--all and --registry cannot be used together', {
        hint: 'give one registry with --registry, or none with --all',
      });
    }
    const targets = await this.targets();
    const accepting = this.acceptReset === undefined ? null : await this.acceptedRegistry(targets);
    const outcomes: SyncOutcome[] = [];
    const failures: Array<{ name: string; error: SkillsError }> = [];
    for (const target of targets) {
      const name = target.name ?? printable(target.record.location);
      try {
        if (this.reset) await this.resetState(target);
        const outcome = await syncRegistry(this.session, target, {
          acceptReset: accepting !== null && accepting.record.location === target.record.location,
          progress: (line) => this.report.progress(line),
          warn: (warning) => this.report.warning(warning),
        });
        outcomes.push(outcome);
        this.report.result(describe(outcome));
      } catch (error) {
        if (!(error instanceof SkillsError) || targets.length === 1) throw error;
        failures.push({ name, error });
        this.report.warning({ code: error.code, message: `${name}: ${error.message}` });
      }
    }
    if (failures.length > 0) {
      const [first] = failures as [{ name: string; error: SkillsError }];
      throw new SkillsError(
        first.error.code,
        `${failures.length} of ${targets.length} registries did not sync (${failures.map((f) => f.name).join(', ')}): ${first.name}: ${first.error.message}`,
        { ...(first.error.hint === undefined ? {} : { hint: first.error.hint }), cause: first.error },
      );
    }
    return this.report.success({
      registries: outcomes.map((outcome) => ({
        name: outcome.registry,
        status: outcome.status,
        epoch: outcome.epoch,
        seq: outcome.seq,
        lines: outcome.lines,
        from_snapshot: outcome.fromSnapshot,
        skills: outcome.skills,
        synced_at: outcome.syncedAt,
      })),
    });
  }

  private async targets(): Promise<SelectedRegistry[]> {
    if (!this.all) {
      const option = this.registry ?? (this.acceptReset !== undefined ? this.acceptReset : undefined);
      return [await selectRegistry(this.session, option)];
    }
    const config = await this.session.config();
    const names = Object.keys(config.registries).sort();
    if (names.length === 0) {
      throw new SkillsError('REGISTRY_NONE', 'no registry is configured', {
        hint: 'add one with `skills registry add <name> <url>`',
      });
    }
    return names.map((name) => ({ name, record: config.registries[name]! }));
  }

  /** The registry --accept-reset names; it must be one of those being synced. */
  private async acceptedRegistry(targets: readonly SelectedRegistry[]): Promise<SelectedRegistry> {
    const config = await this.session.config();
    const given = this.acceptReset!;
    const found = targets.find(
      (target) =>
        target.name === given ||
        target.record.location === given ||
        config.registries[given]?.location === target.record.location,
    );
    if (found === undefined) {
      throw new UsageError(`--accept-reset names "${printable(given)}", which this sync does not include`, {
        hint: 'give the name of the registry that was reset (see `skills registry list`)',
      });
    }
    return found;
  }

  /** --reset: the registry's state folder goes, then its key is pinned again as `registry add` does. */
  private async resetState(target: SelectedRegistry): Promise<void> {
    const { session } = this;
    const { record } = target;
    const name = target.name ?? printable(record.location);
    const hadPin = (await readPin(session.home, record.location)) !== null;
    this.report.progress(`${name}: forgetting what was synced${hadPin ? ' and pinned' : ''}`);
    const found = hadPin ? await discoverRegistry(session, record, record.allowHttp) : null;
    await session.withLock(async () => {
      await rm(registryStateDir(session.home, record.location), { recursive: true, force: true });
      if (found !== null) {
        await writePin(session.home, {
          location: record.location,
          signingKey: found.config.signing_key,
          api: found.config.api,
          pinnedAt: new Date().toISOString(),
        });
      }
    });
    if (found !== null) {
      this.report.progress(
        found.config.signing_key === null
          ? `${name}: the registry does not sign its feed`
          : `${name}: pinned the signing key ${found.config.signing_key}`,
      );
    }
  }
}

function describe(outcome: SyncOutcome): string {
  switch (outcome.status) {
    case 'unchanged':
      return `${outcome.registry}: up to date at seq ${outcome.seq} (${outcome.skills} skills)`;
    case 'behind':
      return `${outcome.registry}: kept the local copy at seq ${outcome.seq}: the registry served an older head`;
    case 'updated':
      return `${outcome.registry}: ${outcome.lines} new feed line${outcome.lines === 1 ? '' : 's'}${outcome.fromSnapshot ? ' after the snapshot' : ''}, now at seq ${outcome.seq} (${outcome.skills} skills)`;
  }
}
