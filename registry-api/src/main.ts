import { Builtins, Cli } from 'clipanion';
import { EpochNewCommand, IndexRebuildCommand, IndexVerifyCommand } from './commands/index-commands.js';
import { MigrateCommand } from './commands/migrate.js';
import { ServeCommand } from './commands/serve.js';
import { UserAddCommand, UserAdminCommand, UserListCommand } from './commands/user.js';
import { WorkerCommand } from './commands/worker.js';

export function getRegistryCli(): Cli {
  const cli = new Cli({
    binaryName: 'skills-registry',
    binaryLabel: 'skills registry',
    binaryVersion: '0.1.0',
  });
  for (const command of [
    ServeCommand,
    WorkerCommand,
    MigrateCommand,
    UserAddCommand,
    UserListCommand,
    UserAdminCommand,
    IndexRebuildCommand,
    IndexVerifyCommand,
    EpochNewCommand,
    Builtins.HelpCommand,
    Builtins.VersionCommand,
  ]) {
    cli.register(command);
  }
  return cli;
}
