import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { publishExamples } from '../demo.js';
import { startServer } from '../server.js';
import { RegistryCommand } from './base.js';

export class ServeCommand extends RegistryCommand {
  static override paths = [['serve']];

  static override usage = Command.Usage({
    description: 'run the registry: the HTTP API, static and git serving, and the index worker',
    details: `
      Without DATABASE_URL the registry runs on the embedded database in the data dir, which it locks: a second process on the same data dir exits with "stop the server or use DATABASE_URL". With DATABASE_URL several servers may share one database and data store.

      With \`--examples <dir>\`, the skills in that folder are published on the first start, through the real publish pipeline, by a generated demo publisher (this is what \`npm start\` does).
    `,
    examples: [
      ['Run on the embedded database in ./.data', '$0 serve'],
      [
        'Serve requests only, with the index worker in a process of its own',
        'DATABASE_URL=postgres://… SKILLS_JWT_SECRET=… $0 serve --no-worker & $0 worker',
      ],
      [
        'Run on PostgreSQL behind a proxy',
        'DATABASE_URL=postgres://… SKILLS_JWT_SECRET=… $0 serve --public-url https://skills.example.com --trust-proxy 1',
      ],
    ],
  });

  host = Option.String('--host', { description: 'The address to listen on (HOST; default 127.0.0.1)' });
  port = Option.String('--port', { description: 'The port (PORT; default 8080)', validator: t.isNumber() });
  publicUrl = Option.String('--public-url', {
    description: 'The absolute URL clients use (SKILLS_PUBLIC_URL)',
  });
  trustProxy = Option.String('--trust-proxy', {
    description: 'Proxies in front to trust (SKILLS_TRUST_PROXY)',
    validator: t.isNumber(),
  });
  allowSignup = Option.Boolean('--allow-signup', {
    description: 'Let anyone create an account (on by default on the embedded database)',
  });
  tlsCert = Option.String('--tls-cert', { description: 'Serve HTTPS with this certificate (PEM)' });
  tlsKey = Option.String('--tls-key', { description: 'and this private key (PEM)' });
  examples = Option.String('--examples', { description: 'Publish the skills in this folder on first start' });
  worker = Option.Boolean('--worker', true, {
    description:
      'Run the index worker in this process (--no-worker: a separate `worker` process runs it; PostgreSQL only)',
  });

  async execute(): Promise<number> {
    const config = await this.config({
      ...(this.host === undefined ? {} : { host: this.host }),
      ...(this.port === undefined ? {} : { port: this.port }),
      ...(this.publicUrl === undefined ? {} : { publicUrl: this.publicUrl }),
      ...(this.trustProxy === undefined ? {} : { trustProxy: this.trustProxy }),
      ...(this.allowSignup === undefined ? {} : { allowSignup: this.allowSignup }),
      ...(this.tlsCert === undefined ? {} : { tlsCert: this.tlsCert }),
      ...(this.tlsKey === undefined ? {} : { tlsKey: this.tlsKey }),
    });
    const logger = this.logger();
    if (!this.worker && config.databaseUrl === null) {
      this.context.stderr.write(
        'error: --no-worker needs DATABASE_URL: the embedded database belongs to one process, which must index too\n',
      );
      return 2;
    }
    const registry = await startServer(config, { logger, worker: this.worker });
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void registry.close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));

    if (this.examples !== undefined) {
      try {
        const demo = await publishExamples(registry, this.examples);
        if (!demo.skipped)
          logger.info({ published: demo.published }, 'published the examples as user "demo"');
      } catch (error) {
        // A registry half set up must not sit there serving: say what failed and stop.
        this.context.stderr.write(
          `error: could not publish the examples in ${this.examples}: ${(error as Error).message}\n`,
        );
        stopping = true;
        await registry.close();
        return 1;
      }
    }
    const { url, key } = registry;
    this.context.stdout.write(
      [
        '',
        `skills registry listening on ${url}`,
        `  data dir:      ${config.dataDir}${config.databaseUrl === null ? ' (embedded database)' : ''}`,
        `  registry key:  ${key.fingerprint}  (signs feed/head.json; pin it in clients)`,
        `  index:         ${url}/index/config.json   git: ${url}/index.git`,
        '',
        'Try:',
        `  skills registry add local ${url} --key ${key.fingerprint}`,
        '  skills search review',
        '  skills install --project release-checklist',
        `  curl '${url}/api/v1/search?q=review'`,
        `  git clone ${url}/index.git skills-index`,
        '',
      ].join('\n'),
    );
    await new Promise(() => undefined); // serve until a signal stops the process
    return 0;
  }
}
