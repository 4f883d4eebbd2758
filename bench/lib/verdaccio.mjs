// Verdaccio 6.8.0 (bench/package.json) on loopback, the npm registry our numbers are compared with:
// its own process, htpasswd accounts, JWT API tokens, no uplinks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addScratch, freePort, removeScratch, sleep, startChild, stopChild } from './processes.mjs';

const VERDACCIO_BIN = fileURLToPath(new URL('../node_modules/verdaccio/bin/verdaccio', import.meta.url));

/**
 * Starts Verdaccio with its storage in `dir` (a scratch folder, removed by `stop`). Resolves with
 * its base URL (no trailing slash), `addUser(name, password)` → a JWT token, `pid` and `stop()`.
 */
export async function startVerdaccio(dir) {
  if (!fs.existsSync(VERDACCIO_BIN)) {
    throw new Error('Verdaccio is not installed: run `npm ci --prefix bench` (or pass --verdaccio no)');
  }
  addScratch(dir);
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      `storage: ${path.join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(dir, 'htpasswd')}`,
      '    max_users: 1000',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      'web:',
      '  enable: false',
      // npm's own deployments use JWT API tokens; the legacy default re-checks the password
      // (bcrypt) on every request, which would make Verdaccio look slower than it can be.
      'security:',
      '  api:',
      '    jwt:',
      '      sign:',
      '        expiresIn: 2h',
      'userRateLimit:',
      '  windowMs: 1000',
      '  max: 100000',
      'max_body_size: 100mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = startChild(
    process.execPath,
    [VERDACCIO_BIN, '--config', config, '--listen', `127.0.0.1:${port}`],
    { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' },
    'verdaccio',
  );
  const stop = async () => {
    await stopChild(child);
    removeScratch(dir);
  };
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/-/ping`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error(`verdaccio did not start:\n${child.output()}`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    base,
    pid: child.pid,
    async addUser(username, password) {
      const response = await fetch(`${base}/-/user/org.couchdb.user:${username}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: username, password, email: `${username}@bench.invalid` }),
      });
      const body = await response.json();
      if (!body.token) throw new Error(`verdaccio refused user ${username}: ${JSON.stringify(body)}`);
      return body.token;
    },
    stop,
  };
}
