import { Command, Option } from 'clipanion';
import { loadOrCreateRegistryKey } from '../pgp/registry-key.js';
import { epochNew } from '../worker/epoch.js';
import { rebuildIndex, verifyIndex } from '../worker/maintenance.js';
import { RegistryCommand } from './base.js';

export class IndexRebuildCommand extends RegistryCommand {
  static override paths = [['index', 'rebuild']];
  static override usage = Command.Usage({
    description: 're-render every index file from the feed table',
    details:
      'Never alters, adds or renumbers a feed line; commits only what differs and repairs the served files.',
    examples: [['Rebuild the index', '$0 index rebuild']],
  });

  async execute(): Promise<number> {
    const { ctx, database } = await this.open();
    try {
      const signer = await loadOrCreateRegistryKey(ctx.paths.keys);
      const result = await rebuildIndex(ctx, { signer });
      this.context.stdout.write(
        `rebuilt: seq ${result.head.seq}, ${result.changed.length} file(s) changed\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  }
}

export class IndexVerifyCommand extends RegistryCommand {
  static override paths = [['index', 'verify']];
  static override usage = Command.Usage({
    description:
      'check that the index files are the projection of the feed, the chain is intact and git is sound',
    examples: [['Verify the index', '$0 index verify']],
  });
  json = Option.Boolean('--json', false, { description: 'Print the report as JSON' });

  async execute(): Promise<number> {
    const { ctx, database } = await this.open();
    try {
      const key = await loadOrCreateRegistryKey(ctx.paths.keys);
      const report = await verifyIndex(ctx, { publicKey: key.publicArmored });
      if (this.json) this.context.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        for (const problem of report.problems) {
          this.context.stdout.write(
            `${problem.code} ${problem.path}${problem.seq === undefined ? '' : ` (seq ${problem.seq})`}: ${problem.message}\n`,
          );
        }
        this.context.stdout.write(
          report.ok
            ? `ok: epoch ${report.epoch}, seq ${report.seq}\n`
            : `${report.problems.length} problem(s)\n`,
        );
      }
      return report.ok ? 0 : 1;
    } finally {
      await database.close();
    }
  }
}

export class EpochNewCommand extends RegistryCommand {
  static override paths = [['epoch', 'new']];
  static override usage = Command.Usage({
    description: 'restart the feed in a new epoch (after restoring an older database)',
    details: 'Every client must then accept the reset (`skills sync --accept-reset`). Needs --yes.',
    examples: [['Start a new epoch', '$0 epoch new --yes']],
  });
  yes = Option.Boolean('--yes', false, { description: 'Confirm: this resets every client of the registry' });

  async execute(): Promise<number> {
    if (!this.yes) {
      this.context.stderr.write(
        'error: a new epoch resets every client of the registry; run again with --yes\n',
      );
      return 2;
    }
    const { ctx, database } = await this.open();
    try {
      const signer = await loadOrCreateRegistryKey(ctx.paths.keys);
      const result = await epochNew(ctx, { confirm: true, signer });
      this.context.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      await database.close();
    }
  }
}
