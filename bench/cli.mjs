// `skills search`, `skills sync` and `skills install` with the BUILT CLI (cli/bin/skills.js).
// Against generated registries of 1k, 10k and 100k skills, served by a static file server on
// loopback:
//   - search: whole-process wall time and peak RSS of `skills search <query>`, against `node -e 0`
//     measured in the same run, interleaved (goals at 100k: ≤ 150 ms, ≤ 2.5× node, ≤ 150 MB);
//   - a no-change sync: the requests it makes (goal: one, a 304);
//   - a sync after 1,000 new versions: bytes transferred against the bytes of the new feed lines
//     (goal: < 2×);
//   - `skills --version` against `node -e 0` (goal: ≤ 2×).
// Then, against the built registry: install of a skill with 5 dependencies of 20 KiB each, cold
// and warm, against `npm install` of the same graph from Verdaccio 6.8.0 (goal: cold ≤ 0.5× npm's);
// see bench/lib/install.mjs.
//
//   npm ci && npm ci --prefix bench                 # builds every workspace; Verdaccio for the bench
//   node bench/cli.mjs [--sizes 1000,10000,100000|none] [--runs 15] [--new-versions 1000] [--seed 1]
//        [--install yes|no] [--install-runs 10] [--deps 5] [--dep-kib 20]
//        [--bin cli/bin/skills.js]   (another build of the CLI: a copy of its bin/ and dist/)
//
// Each index is made with @skills/index-builder in a child process (initIndex, rebuild of the
// generated feed, a snapshot, every head signed with a generated ed25519 key), like a registry
// makes it; the client first syncs from the snapshot, as a new user would.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mulberry32, percentile, progress } from './lib/common.mjs';
import { benchInstall, installReport } from './lib/install.mjs';
import { addScratch, cleanUpAndExit, cleanUpOnSignals, removeScratch } from './lib/processes.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
let BIN = path.join(ROOT, 'cli/bin/skills.js');
const EPOCH = 'bench';
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const WORDS = (
  'agent api audit backup bash batch build cache changelog chart check cli cloud code commit config ' +
  'container csv data database debug deploy design diff doc docker draft email error event excel export ' +
  'feed file finance format git github graph guide helm html http image import incident index invoice ' +
  'issue java json kafka kubernetes lint log markdown merge metric migrate mock monitor node notebook ' +
  'oauth outline pdf plan postgres python query react readme redis refactor release report research ' +
  'review rust schema scraper search security shell slack slide sql ssh summary svg table terraform test ' +
  'ticket translate triage typescript ui upgrade video web webhook wiki workflow xml yaml'
).split(' ');
const PROSE = (
  'helps you with and the for a to of in that it when your files writes reads checks makes ' +
  'turns finds explains fixes plans runs keeps small fast careful clear every each team project'
).split(' ');

async function main(options) {
  if (!fs.existsSync(path.join(path.dirname(BIN), '../dist/skills.cjs'))) {
    console.error('Build the CLI first: npx tsc -b && npm run build -w @skills/cli');
    process.exit(1);
  }
  cleanUpOnSignals();
  const work = addScratch(fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-cli-')));
  const load = [os.loadavg()[0]];
  const results = [];
  try {
    for (const size of options.sizes) {
      results.push(await runSize(path.join(work, String(size)), size, options));
      fs.rmSync(path.join(work, String(size)), { recursive: true, force: true });
    }
  } finally {
    removeScratch(work);
  }
  load.push(os.loadavg()[0]);
  if (results.length > 0) report(results, options, load);
  if (options.install === 'yes') {
    const install = await benchInstall({
      bin: BIN,
      runs: options.installRuns,
      deps: options.deps,
      kib: options.depKib,
      seed: options.seed,
    });
    console.log(`\n${installReport(install)}`);
  }
}

async function runSize(dir, size, options) {
  fs.mkdirSync(dir, { recursive: true });
  const server = await serve(path.join(dir, 'index'));
  const url = `${server.url}index/`;
  const t0 = performance.now();
  const built = child('--child-build', { dir: path.join(dir, 'index'), url, size, seed: options.seed });
  progress(`${size}: index of ${built.lines} feed lines built in ${seconds(performance.now() - t0)} s`);

  const home = path.join(dir, 'home');
  const env = { ...process.env, HOME: home, SKILLS_HOME: path.join(home, '.skills'), NO_COLOR: '1' };
  delete env.SKILLS_TOKEN;
  await skills(env, ['registry', 'add', 'bench', url]);
  server.reset();
  const first = await skills(env, ['sync', '--json']);
  const firstBody = JSON.parse(first.stdout);
  const firstSync = { ms: first.ms, requests: server.requests.length, bytes: server.bytes() };
  progress(`${size}: first sync (from the snapshot) ${seconds(first.ms)} s, ${mib(firstSync.bytes)} MiB`);
  const catalogBytes = dirBytes(path.join(home, '.skills', 'state'));

  // Search: node -e 0 and each query interleaved, so both see the same machine load.
  const queries = [
    built.sample.name,
    built.sample.word,
    `${built.sample.word} ${built.sample.other}`,
    built.sample.typo,
  ];
  const node = [];
  const search = [];
  const rss = [];
  let results = 0;
  for (let run = 0; run < options.runs; run++) {
    node.push((await exec(process.execPath, ['-e', '0'], env)).ms);
    for (const query of queries) {
      const measured = await skills(env, ['search', ...query.split(' '), '--json'], { rss: true });
      search.push(measured.ms);
      if (measured.rss !== null) rss.push(measured.rss);
      if (run === 0) results += JSON.parse(measured.stdout).results.length;
    }
  }
  const version = [];
  for (let run = 0; run < options.runs; run++) version.push((await skills(env, ['--version'])).ms);
  progress(
    `${size}: search p50 ${ms(percentile(search, 50))} ms, node -e 0 p50 ${ms(percentile(node, 50))} ms`,
  );

  server.reset();
  const unchanged = await skills(env, ['sync', '--json']);
  const noChange = {
    ms: unchanged.ms,
    requests: server.requests.length,
    statuses: server.requests.map((r) => r.status),
    status: JSON.parse(unchanged.stdout).registries[0].status,
  };

  const appended = child('--child-append', {
    dir: path.join(dir, 'index'),
    count: options.newVersions,
    seed: options.seed + 1,
  });
  server.reset();
  const after = await skills(env, ['sync', '--json']);
  const afterBody = JSON.parse(after.stdout).registries[0];
  const update = {
    ms: after.ms,
    lines: afterBody.lines,
    requests: server.requests.length,
    bytes: server.bytes(),
    bodyBytes: server.bodyBytes(),
    lineBytes: appended.bytes,
    byPath: server.byPath(),
  };
  progress(
    `${size}: sync of ${update.lines} new lines: ${update.bytes} bytes for ${update.lineBytes} bytes of lines`,
  );
  await server.close();
  return {
    size,
    built,
    firstSync,
    firstBody,
    catalogBytes,
    node,
    search,
    rss,
    version,
    results,
    queries,
    noChange,
    update,
  };
}

/** Runs the built CLI; with `rss`, under /usr/bin/time for the peak resident set. */
function skills(env, args, options = {}) {
  return exec(process.execPath, [BIN, ...args], env, options);
}

/**
 * Runs a process and waits for it without blocking this one's event loop: the index server
 * answering the CLI lives here. Resolves with its stdout, wall time and peak RSS (with `rss`).
 */
function exec(command, args, env, options = {}) {
  const wrapped = options.rss && TIME !== null;
  const [file, argv] = wrapped ? [TIME, ['-f', '%M', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const ms = performance.now() - start;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (status !== 0) {
        reject(new Error(`${[command, ...args].join(' ')} exited ${status}:\n${stdout}\n${stderr}`));
        return;
      }
      const rss = wrapped ? Number(stderr.trim().split('\n').pop()) * 1024 : null;
      resolve({ stdout, rss, ms });
    });
  });
}

function child(flag, input) {
  return JSON.parse(
    execFileSync(process.execPath, [SELF, flag, JSON.stringify(input)], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
}

/** A static file server like a plain web host or CDN: ETag, 304, one-range 206; counts what it sends. */
async function serve(root) {
  let requests = [];
  const server = createServer((req, res) => {
    const record = { url: req.url, status: 0, body: 0, head: 0 };
    requests.push(record);
    const send = (status, headers, body = Buffer.alloc(0)) => {
      record.status = status;
      record.body = req.method === 'HEAD' ? 0 : body.length;
      const all = { ...headers, 'content-length': body.length };
      record.head =
        `HTTP/1.1 ${status} X\r\n`.length +
        Object.entries(all).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 2);
      res.writeHead(status, all);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const file = path.join(
      root,
      ...decodeURIComponent(new URL(req.url, 'http://x').pathname).split('/').filter(Boolean).slice(1),
    );
    let bytes;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return send(404, {});
    }
    const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) return send(304, { etag });
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
      if (start >= bytes.length) return send(416, { 'content-range': `bytes */${bytes.length}` });
      return send(
        206,
        { etag, 'content-range': `bytes ${start}-${end}/${bytes.length}` },
        bytes.subarray(start, end + 1),
      );
    }
    send(200, { etag }, bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    get requests() {
      return requests;
    },
    reset: () => (requests = []),
    bytes: () => requests.reduce((n, r) => n + r.body + r.head, 0),
    bodyBytes: () => requests.reduce((n, r) => n + r.body, 0),
    byPath: () => requests.map((r) => `${r.status} ${r.url.replace(/^\/index\//, '')} ${r.body}`),
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

// --- children: building the index with index-builder ------------------------------------------

async function childBuild({ dir, url, size, seed }) {
  const { initIndex, rebuild, writeSnapshot } = await import('@skills/index-builder');
  const key = await benchKey(path.join(dir, '..'));
  const registry = new Registry(seed * 1_000_003 + size);
  const lines = registry.seed(size);
  await initIndex(dir, {
    epoch: EPOCH,
    config: {
      name: 'bench',
      url,
      dl: `${url.replace(/index\/$/, '')}dl/{prefix}/{name}/{name}-{version}.tgz`,
      sig: null,
      api: null,
      signing_key: key.fingerprint,
      auth_required: false,
    },
    sign: key.sign,
    keys: { [key.fingerprint]: key.publicArmored },
  });
  await rebuild(dir, lines, { sign: key.sign });
  await writeSnapshot(dir, { sign: key.sign });
  fs.writeFileSync(path.join(dir, '..', 'registry.json'), JSON.stringify(registry.state()));
  const name = registry.names[Math.floor(registry.names.length / 3)];
  const word = name.split('-')[0];
  const other =
    WORDS.find((w) => w !== word && registry.names.some((n) => n.includes(word) && n.includes(w))) ?? 'data';
  // Two neighbouring letters swapped: a typo the ranking forgives in words of 4 or more letters.
  const swap = [...word].findIndex((c, i) => i > 0 && i + 1 < word.length && c !== word[i + 1]);
  const typo =
    word.length >= 4 && swap > 0
      ? `${word.slice(0, swap)}${word[swap + 1]}${word[swap]}${word.slice(swap + 2)}`
      : 'reveiw';
  process.stdout.write(JSON.stringify({ lines: lines.length, sample: { name, word, other, typo } }));
}

async function childAppend({ dir, count, seed }) {
  const { appendFeed } = await import('@skills/index-builder');
  const key = await benchKey(path.join(dir, '..'));
  const registry = Registry.restore(
    JSON.parse(fs.readFileSync(path.join(dir, '..', 'registry.json'), 'utf8')),
    seed,
    dir,
  );
  const lines = Array.from({ length: count }, () => registry.publish(registry.pickName()));
  // In batches, as a registry's worker commits them.
  for (let at = 0; at < lines.length; at += 100)
    await appendFeed(dir, { lines: lines.slice(at, at + 100), sign: key.sign });
  process.stdout.write(JSON.stringify({ bytes: lines.reduce((n, line) => n + line.length + 1, 0) }));
}

/** The registry's signing key, generated once per size and kept beside the index. */
async function benchKey(dir) {
  const openpgp = await import('openpgp');
  const file = path.join(dir, 'registry-key.asc');
  if (!fs.existsSync(file)) {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'bench' }],
      format: 'armored',
    });
    fs.writeFileSync(file, privateKey);
  }
  const key = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(file, 'utf8') });
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicArmored: key.toPublic().armor(),
    sign: async (bytes) =>
      openpgp.sign({
        message: await openpgp.createMessage({ binary: bytes }),
        signingKeys: key,
        detached: true,
        format: 'armored',
      }),
  };
}

/** Generated skills: 1 + Geometric(1/2) versions each, names of 1–3 topic words, ~100-character descriptions. */
class Registry {
  constructor(seed) {
    this.random = mulberry32(seed);
    this.names = [];
    this.shards = new Map();
    this.versions = new Map();
    this.seq = 0;
    this.hash = '0'.repeat(64);
  }

  /** Continues a registry whose index is in `dir`: names and chain from the build, shards read back. */
  static restore(state, seed, dir) {
    const registry = new Registry(seed);
    Object.assign(registry, { names: state.names, seq: state.seq, hash: state.hash });
    registry.load = (name) => {
      const bytes = fs.readFileSync(path.join(dir, indexPath(name)));
      const lines = bytes
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => parseIndexLine(line));
      const [, minor] = lines.at(-1).version.split('.').map(Number);
      registry.versions.set(name, [1, minor]);
      return lines;
    };
    return registry;
  }

  state() {
    return { names: this.names, seq: this.seq, hash: this.hash };
  }

  seed(size) {
    const names = new Set();
    while (names.size < size) {
      const words = Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.pick(WORDS));
      let name = words.join('-');
      if (this.random() < 0.3) name += `-${Math.floor(this.random() * 100)}`;
      if (name.length >= 4 && name.length <= 40 && !['index', 'feed', 'keys', 'skills'].includes(name))
        names.add(name);
    }
    this.names = [...names];
    const lines = [];
    for (const name of this.names) {
      lines.push(this.publish(name));
      while (this.random() < 0.5) lines.push(this.publish(name));
    }
    return lines;
  }

  pickName() {
    return this.pick(this.names);
  }

  publish(name) {
    if (!this.shards.has(name) && this.load) this.shards.set(name, this.load(name));
    const before = this.shards.get(name) ?? [];
    const current = this.versions.get(name);
    const version = current === undefined ? '1.0.0' : `${current[0]}.${current[1] + 1}.0`;
    this.versions.set(name, current === undefined ? [1, 0] : [current[0], current[1] + 1]);
    const line = {
      v: 1,
      name,
      version,
      deps: this.random() < 0.2 ? { [this.pick(this.names)]: '^1.0.0' } : {},
      sha256: randomBytes(32).toString('hex'),
      size: 1000 + Math.floor(this.random() * 100_000),
      description: this.description(name),
      keywords: [...new Set(Array.from({ length: Math.floor(this.random() * 5) }, () => this.pick(WORDS)))],
      license: 'MIT',
      yanked: false,
      yank_reason: null,
      published: '2026-01-01T00:00:00Z',
      signer: 'A'.repeat(40),
    };
    delete line.deps[name];
    const after = [...before, line];
    this.seq += 1;
    const built = buildFeedLine({
      seq: this.seq,
      op: 'publish',
      name,
      version,
      before,
      after,
      prev: this.hash,
    });
    this.hash = built.hash;
    this.shards.set(name, after);
    return built.bytes;
  }

  description(name) {
    const words = [name.split('-')[0]];
    while (words.join(' ').length < 70 + this.random() * 60)
      words.push(this.random() < 0.3 ? this.pick(WORDS) : this.pick(PROSE));
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }
}

let buildFeedLine, indexPath, parseIndexLine;

// --- the report ---------------------------------------------------------------------------------

function report(results, options, load) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nMachine: Node ${process.version}, ${os.availableParallelism()} CPUs (${cpu}), ${os.platform()} ${os.arch()}.`,
  );
  console.log(
    `Runs: ${options.runs} of \`node -e 0\` and of each of 4 queries per size, interleaved; seed ${options.seed}; 1-minute load average ${load[0].toFixed(1)} at the start, ${load[1].toFixed(1)} at the end.\n`,
  );
  console.log('`skills search` (whole process, built binary) against `node -e 0` in the same run:\n');
  console.log(
    '| skills | feed lines | catalog MiB | node -e 0 p50 ms | search p50 ms | search p90 ms | ratio p50 | peak RSS MiB | `--version` p50 ms | `--version` / node |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const node = percentile(r.node, 50);
    const search = percentile(r.search, 50);
    console.log(
      `| ${r.size.toLocaleString('en')} | ${r.built.lines.toLocaleString('en')} | ${mib(r.catalogBytes)} | ${ms(node)} | ${ms(search)} | ${ms(percentile(r.search, 90))} | ${(search / node).toFixed(2)}× | ${r.rss.length ? mib(Math.max(...r.rss)) : 'n/a'} | ${ms(percentile(r.version, 50))} | ${(percentile(r.version, 50) / node).toFixed(2)}× |`,
    );
  }
  console.log('\nSync:\n');
  console.log(
    '| skills | first sync s | first sync MiB | no-change sync: requests | statuses | sync of new versions: lines | requests | bytes sent | bytes of the new lines | ratio | s |',
  );
  console.log('|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const u = r.update;
    console.log(
      `| ${r.size.toLocaleString('en')} | ${seconds(r.firstSync.ms)} | ${mib(r.firstSync.bytes)} | ${r.noChange.requests} | ${r.noChange.statuses.join(', ')} | ${u.lines} | ${u.requests} | ${u.bytes.toLocaleString('en')} | ${u.lineBytes.toLocaleString('en')} | ${(u.bytes / u.lineBytes).toFixed(3)}× | ${seconds(u.ms)} |`,
    );
  }
  const last = results.at(-1);
  if (last) {
    console.log(
      `\nRequests of the sync after new versions at ${last.size.toLocaleString('en')} skills (status, path, body bytes):`,
    );
    for (const line of last.update.byPath) console.log(`    ${line}`);
    console.log(
      `Queries at ${last.size.toLocaleString('en')}: ${last.queries.map((q) => `"${q}"`).join(', ')}.`,
    );
  }
}

function dirBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

const ms = (value) => value.toFixed(1);
const seconds = (value) => (value / 1000).toFixed(2);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

function parseOptions(argv) {
  const options = {
    sizes: [1000, 10000, 100000],
    runs: 15,
    newVersions: 1000,
    seed: 1,
    bin: BIN,
    install: 'yes',
    installRuns: 10,
    deps: 5,
    depKib: 20,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const key = flag?.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in options) || value === undefined || (key === 'install' && !['yes', 'no'].includes(value))) {
      console.error(`unknown option ${flag} ${value ?? ''}; see the comment at the top of ${SELF}`);
      process.exit(2);
    }
    options[key] =
      key === 'sizes'
        ? value === 'none'
          ? []
          : value.split(',').map(Number)
        : key === 'bin'
          ? path.resolve(value)
          : key === 'install'
            ? value
            : Number(value);
  }
  BIN = options.bin;
  return options;
}

const args = process.argv.slice(2);
if (args[0]?.startsWith('--child-'))
  ({ buildFeedLine, indexPath, parseIndexLine } = await import('@skills/schema'));
if (args[0] === '--child-build') await childBuild(JSON.parse(args[1]));
else if (args[0] === '--child-append') await childAppend(JSON.parse(args[1]));
else {
  try {
    await main(parseOptions(args));
  } catch (error) {
    console.error(error);
    cleanUpAndExit(1); // no registry or Verdaccio left running
  }
}
