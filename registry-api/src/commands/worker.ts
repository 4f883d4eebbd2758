import { Command } from 'clipanion';
import { loadOrCreateRegistryKey } from '../pgp/registry-key.js';
import { startWorker } from '../worker/worker.js';
import { RegistryCommand } from './base.js';

export class WorkerCommand extends RegistryCommand {
  static override paths = [['worker']];
  static override usage = Command.Usage({
    description: 'run only the index worker (serve runs one too)',
    examples: [
      [
        'Run a worker beside servers on one PostgreSQL',
        'DATABASE_URL=postgres://… SKILLS_JWT_SECRET=… $0 worker',
      ],
    ],
  });

  async execute(): Promise<number> {
    const { ctx, database } = await this.open();
    const signer = await loadOrCreateRegistryKey(ctx.paths.keys);
    const worker = startWorker(ctx, { signer });
    const stop = (): void => {
      void worker
        .stop()
        .then(() => database.close())
        .then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise(() => undefined);
    return 0;
  }
}
