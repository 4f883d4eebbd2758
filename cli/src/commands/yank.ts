import { isValidName, isValidVersion, printable, UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { RegistryApi } from '../api/client.js';
import { setYanked } from '../api/skills.js';

export class YankCommand extends BaseCommand {
  static override paths = [['yank']];

  static override usage = Command.Usage({
    category: 'Publishing',
    description: 'yank a published version (or undo a yank)',
    details: `
      A yanked version is no longer chosen for a version range nor shown as the latest, but whoever pinned it exactly (a lock file) still installs it, with a warning. Give a one-line \`--reason\`: it is shown to people who install it. \`--undo\` makes the version available again. Both are idempotent. Needs an API token with the \`yank\` scope (the one \`skills login\` stores has it).
    `,
    examples: [
      ['Yank a broken release', '$0 yank ada-notes@0.1.0 --reason "breaks on Windows"'],
      ['Undo the yank', '$0 yank ada-notes@0.1.0 --undo'],
    ],
  });

  reason = Option.String('--reason', {
    description: 'Why it was yanked: one line, at most 1,024 characters',
  });
  undo = Option.Boolean('--undo', false, { description: 'Unyank: make the version available again' });

  spec = Option.String({ name: 'name@version' });

  async execute(): Promise<number> {
    const target = parseSpec(this.spec);
    if (this.undo && this.reason !== undefined) {
      throw new UsageError('--reason goes with a yank, not with --undo', {
        hint: 'leave out --reason to unyank',
      });
    }
    const reason = this.reason?.trim() || null;
    if (reason !== null && (reason.length > 1024 || /\p{Cc}/u.test(reason))) {
      throw new UsageError('--reason must be one line of at most 1,024 characters', {
        hint: 'shorten the reason',
      });
    }
    const api = await RegistryApi.open(this.session, this.registry);
    const state = await setYanked(api, target, this.undo ? null : { reason });
    const spec = `${state.name}@${state.version}`;
    this.report.result(
      state.yanked
        ? `Yanked ${this.report.out.bold(spec)}${state.yankReason === null ? '' : ` (${state.yankReason})`}.`
        : `${this.report.out.bold(spec)} is available (not yanked).`,
    );
    return this.report.success({
      name: state.name,
      version: state.version,
      yanked: state.yanked,
      yank_reason: state.yankReason,
    });
  }
}

/** `name@version`, exact: yanking a range would be a guess. */
function parseSpec(spec: string): { name: string; version: string } {
  const at = spec.lastIndexOf('@');
  const name = at <= 0 ? spec : spec.slice(0, at);
  const version = at <= 0 ? '' : spec.slice(at + 1);
  if (!isValidName(name) || !isValidVersion(version)) {
    throw new UsageError(`"${printable(spec)}" is not <name>@<version>`, {
      hint: 'give the exact version, e.g. `skills yank ada-notes@0.1.0`',
    });
  }
  return { name, version };
}
