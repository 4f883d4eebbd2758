import { Command } from 'clipanion';
import { RegistryCommand } from './base.js';

export class MigrateCommand extends RegistryCommand {
  static override paths = [['migrate']];
  static override usage = Command.Usage({
    description: 'apply the database migrations that are not applied yet',
    details:
      'Every other command migrates on start too; this one only migrates, for deployments that run it as a separate step.',
    examples: [['Migrate the PostgreSQL database', 'DATABASE_URL=postgres://… $0 migrate']],
  });

  async execute(): Promise<number> {
    const { database } = await this.open();
    await database.close();
    this.context.stdout.write('the database is up to date\n');
    return 0;
  }
}
