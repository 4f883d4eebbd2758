// The registry under load, with the BUILT registry-api running as `skills-registry serve` (a child
// process, as in production): publish latency (p50, p99) and sustained publishes/s with 1, 8 and 32
// concurrent clients, on PostgreSQL and on PGlite, with 100 and 100,000 skills already indexed;
// the time from a publish's 201 to its version being served from /index/; search latency; and
// tarball downloads. In the same run, the same tarballs are published and downloaded through
// Verdaccio 6.8.0 on loopback, and the table gives our/their ratios.
//
//   npm ci && npm ci --prefix bench          # the registry is built by the root install
//   node bench/registry.mjs [--databases postgres,pglite] [--seeds 100,100000] [--clients 1,8,32]
//        [--per-client 30] [--min-publishes 200] [--index-samples 30] [--searches 300]
//        [--downloads 400] [--payload-kib 0] [--pg-url postgres://postgres@127.0.0.1:5432/test]
//        [--verdaccio yes] [--cpu-prof <dir>] [--seed 1] [--pg-worker separate|in-process]
//   BENCH_DEBUG=1 prints each `serve`'s last output when it stops.
//
// Every publish goes through the real pipeline: accounts signed up, logged in, an OpenPGP key
// registered with a signed challenge, an API token, then one signed multipart upload per version.
// Tarballs and signatures are made before each timed level (client CPU is not timed; signatures
// are at most a few minutes old, inside the registry's 5-minute window). Each client publishes
// new versions of a skill of its own, created by its first publish. Rate limits are raised through
// SKILLS_RATE_LIMITS, the registry's own configuration; nothing else differs from `serve`.
// On PostgreSQL the index worker runs as its own `skills-registry worker` process beside
// `serve --no-worker` (the production layout; `--pg-worker in-process` keeps it inside serve).
// PGlite always runs it in-process: the embedded database belongs to one process.
//
// Seeding: `serve` once on an empty database (it migrates and creates the epoch, registry key and
// index), then skills, owners, versions, keywords and the chained feed rows are inserted with SQL,
// then `skills-registry index rebuild` renders them. Seeded versions have no tarballs on disk (the
// bench never downloads them); rebuild reports them as missing downloads and goes on.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LICENSES, mulberry32, percentile, progress, WORDS } from './lib/common.mjs';
import {
  addScratch,
  cleanUpAndExit,
  cleanUpOnSignals,
  removeScratch,
  runChild,
  sleep,
  startChild,
  stopChild,
  waitForOutput,
} from './lib/processes.mjs';
import { startVerdaccio } from './lib/verdaccio.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const REGISTRY_BIN = path.join(ROOT, 'registry-api/bin/skills-registry.js');

const { buildFeedLine, formatTimestamp, GENESIS_HASH, indexPath, isReservedName, nameSkeleton, shardPrefix } =
  await load('@skills/schema');
const { pack } = await load('@skills/schema/archive');
const { createMessage, generateKey, readPrivateKey, sign } = await load('openpgp');
const { loadConfig } = await load('../registry-api/dist/config.js');
const { openDatabase } = await load('../registry-api/dist/db/open.js');
const pg = (await load('pg')).default;

/** Every bucket a publisher's set-up or publishes touch, raised for the bench (not the defaults). */
const BENCH_RATE_LIMITS = JSON.stringify(
  Object.fromEntries(
    ['newName', 'newVersion', 'keyRegistration', 'authAttempt', 'signup', 'failedLogin'].map((bucket) => [
      bucket,
      { burst: 1_000_000, perMinute: 1_000_000 },
    ]),
  ),
);
const JWT_SECRET = randomBytes(36).toString('base64url');
const PASSWORD = 'bench-password-not-secret';
const SEED_START = Date.parse('2025-01-01T00:00:00Z');
const FILES = ['SKILL.md', 'docs/README.md', 'skill.yaml'];

async function load(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    console.error(
      `Cannot load ${specifier}: run \`npm ci\` at the repository root (it builds every workspace) and \`npm ci --prefix bench\`.`,
    );
    throw error;
  }
}

function parseOptions(argv) {
  const options = {
    databases: ['postgres', 'pglite'],
    seeds: [100, 100_000],
    clients: [1, 8, 32],
    perClient: 30,
    minPublishes: 200,
    indexSamples: 30,
    searches: 300,
    downloads: 400,
    payloadKib: 0,
    pgUrl: 'postgres://postgres@127.0.0.1:5432/test',
    verdaccio: 'yes',
    cpuProf: '',
    seed: 1,
    pgWorker: 'separate',
  };
  const lists = new Set(['databases', 'seeds', 'clients']);
  const strings = new Set(['pgUrl', 'verdaccio', 'cpuProf', 'pgWorker']);
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const key = flag?.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in options) || value === undefined) {
      console.error(`unknown option ${flag}; see the comment at the top of ${SELF}`);
      process.exit(2);
    }
    if (lists.has(key)) {
      const items = value.split(',');
      options[key] = key === 'databases' ? items : items.map(Number);
    } else options[key] = strings.has(key) ? value : Number(value);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one started is stopped on exit, also on Ctrl-C.

// ---------------------------------------------------------------------------------------------
// Our registry: scratch database and data dir, seeding, serve.

class Registry {
  constructor(kind, options) {
    this.kind = kind;
    this.options = options;
    this.dataDir = addScratch(fs.mkdtempSync(path.join(os.tmpdir(), `skills-bench-registry-${kind}-`)));
    this.databaseUrl = null;
    this.dbName = null;
    this.child = null;
    this.worker = null;
  }

  env(extra = {}) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SKILLS_DATA_DIR: this.dataDir,
      SKILLS_JWT_SECRET: JWT_SECRET,
      SKILLS_RATE_LIMITS: BENCH_RATE_LIMITS,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
      // NODE_OPTIONS (an --import hook that counts or traces, say) reaches serve and worker too.
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      ...extra,
    };
    if (this.databaseUrl) env.DATABASE_URL = this.databaseUrl;
    return env;
  }

  async createDatabase() {
    if (this.kind !== 'postgres') return;
    this.dbName = `skills_bench_${randomBytes(5).toString('hex')}`;
    await adminQuery(this.options.pgUrl, `CREATE DATABASE ${this.dbName}`);
    const url = new URL(this.options.pgUrl);
    url.pathname = `/${this.dbName}`;
    this.databaseUrl = url.toString();
  }

  async dropDatabase() {
    if (this.dbName === null) return;
    await adminQuery(this.options.pgUrl, `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
  }

  async serve() {
    // `--cpu-prof <dir>`: a CPU profile of each `serve`, written when it stops.
    const profile = this.options.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(this.options.cpuProf)}`]
      : [];
    const separate = this.databaseUrl !== null && this.options.pgWorker === 'separate';
    const args = [
      ...profile,
      REGISTRY_BIN,
      'serve',
      ...(this.databaseUrl ? ['--allow-signup'] : []),
      ...(separate ? ['--no-worker'] : []),
    ];
    const child = startChild(process.execPath, args, this.env(), `skills-registry serve (${this.kind})`);
    const match = await waitForOutput(child, /listening on (http:\/\/\S+)[\s\S]*git clone/);
    this.child = child;
    this.url = match[1];
    if (separate) {
      this.worker = startChild(
        process.execPath,
        [...profile, REGISTRY_BIN, 'worker'],
        this.env({ SKILLS_PUBLIC_URL: this.url }),
        `skills-registry worker (${this.kind})`,
      );
    }
    return this.url;
  }

  /** The pids of `serve` and of the separate `worker`, when there is one. */
  pids() {
    return [this.child, this.worker].filter((child) => child !== null).map((child) => child.pid);
  }

  async stop() {
    if (this.worker) await stopChild(this.worker);
    this.worker = null;
    if (this.child) await stopChild(this.child);
    if (this.child && process.env.BENCH_DEBUG) process.stderr.write(this.child.output());
    this.child = null;
  }

  async rebuild() {
    const start = performance.now();
    const out = await runChild(
      process.execPath,
      [REGISTRY_BIN, 'index', 'rebuild'],
      this.env(),
      'index rebuild',
    );
    return { ms: performance.now() - start, out: out.trim().split('\n').pop() };
  }

  /** Opens the registry's own database (the server must be stopped on the embedded one). */
  async open() {
    const config = await loadConfig({
      env: { SKILLS_DATA_DIR: this.dataDir, SKILLS_JWT_SECRET: JWT_SECRET },
      ...(this.databaseUrl ? { databaseUrl: this.databaseUrl } : {}),
    });
    return openDatabase(config);
  }

  async close() {
    await this.stop();
    await this.dropDatabase();
    removeScratch(this.dataDir);
  }
}

async function adminQuery(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Inserts `size` skills (1 version for most, 2 or 3 for some) with their owner, skeletons,
 * keywords and the chained feed rows, in the epoch the first `serve` created. Returns the names,
 * the feed line count and the seconds taken.
 */
async function seedRegistry(registry, size, seed) {
  const start = performance.now();
  const random = mulberry32(seed * 1_000_003 + size);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const opened = await registry.open();
  const { db } = opened;
  try {
    const { rows: state } = await db.query('SELECT epoch FROM registry_state WHERE id = 1');
    const epoch = state[0].epoch;
    const { rows: owner } = await db.query(
      `INSERT INTO users (username, skeleton, email, password_hash) VALUES ('seed-owner', $1, 'seed@bench.invalid', '!')
       RETURNING id`,
      [nameSkeleton('seed-owner')],
    );
    const ownerId = owner[0].id;
    const names = makeNames(size, random);
    const events = [];
    for (let i = 0; i < size; i++) {
      events.push(i);
      const roll = random();
      if (roll < 0.15) events.push(i);
      if (roll < 0.05) events.push(i);
    }
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }

    const skills = { id: [], name: [], skeleton: [] };
    const versions = {
      id: [],
      skill: [],
      version: [],
      sha256: [],
      size: [],
      description: [],
      license: [],
      keywords: [],
      published: [],
      response: [],
    };
    const keywordRows = { version: [], keyword: [] };
    const feed = { seq: [], line: [], hash: [], skill: [], version: [] };
    const lines = new Map();
    let prev = GENESIS_HASH;
    for (const [index, i] of events.entries()) {
      const name = names[i];
      const skillId = i + 1;
      const before = lines.get(name) ?? [];
      if (before.length === 0) {
        skills.id.push(skillId);
        skills.name.push(name);
        skills.skeleton.push(nameSkeleton(name));
      }
      const seq = index + 1;
      const version = `1.${before.length}.0`;
      const publishedAt = new Date(SEED_START + seq * 37_000);
      const words = Array.from({ length: 10 + Math.floor(random() * 8) }, () => pick(WORDS));
      const description = `${words.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
      const keywords = [...new Set(Array.from({ length: Math.floor(random() * 6) }, () => pick(WORDS)))];
      const line = {
        v: 1,
        name,
        version,
        deps: {},
        sha256: randomBytes(32).toString('hex'),
        size: 1000 + Math.floor(random() * 20_000),
        description,
        keywords,
        license: pick(LICENSES),
        yanked: false,
        yank_reason: null,
        published: formatTimestamp(publishedAt),
        signer: null,
      };
      const after = [...before, line];
      const built = buildFeedLine({ seq, op: 'publish', name, version, before, after, prev });
      prev = built.hash;
      lines.set(name, after);
      versions.id.push(seq);
      versions.skill.push(skillId);
      versions.version.push(version);
      versions.sha256.push(line.sha256);
      versions.size.push(line.size);
      versions.description.push(description);
      versions.license.push(line.license);
      versions.keywords.push(keywords.join(','));
      versions.published.push(publishedAt);
      versions.response.push(
        JSON.stringify({
          name,
          version,
          sha256: line.sha256,
          size: line.size,
          signer: null,
          warnings: [],
          indexed: false,
        }),
      );
      for (const keyword of keywords) {
        keywordRows.version.push(seq);
        keywordRows.keyword.push(keyword);
      }
      feed.seq.push(seq);
      feed.line.push(built.bytes.toString('hex'));
      feed.hash.push(built.hash);
      feed.skill.push(skillId);
      feed.version.push(version);
    }

    const CHUNK = 5000;
    const chunks = (columns, fn) => {
      const count = Object.values(columns)[0].length;
      const work = [];
      for (let from = 0; from < count; from += CHUNK) {
        work.push(() =>
          fn(
            Object.fromEntries(
              Object.entries(columns).map(([key, list]) => [key, list.slice(from, from + CHUNK)]),
            ),
          ),
        );
      }
      return work;
    };
    await db.tx(async (q) => {
      for (const run of chunks(skills, (c) =>
        q.query(
          `INSERT INTO skills (id, name, skeleton) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`,
          [c.id, c.name, c.skeleton],
        ),
      ))
        await run();
      for (const run of chunks(skills, (c) =>
        q.query(`INSERT INTO skeletons (skeleton, skill_id) SELECT * FROM unnest($1::text[], $2::bigint[])`, [
          c.skeleton,
          c.id,
        ]),
      ))
        await run();
      for (const run of chunks(skills, (c) =>
        q.query(
          `INSERT INTO owners (skill_id, user_id, added_by) SELECT s, $2, $2 FROM unnest($1::bigint[]) s`,
          [c.id, ownerId],
        ),
      ))
        await run();
      for (const run of chunks(versions, (c) =>
        q.query(
          `INSERT INTO versions (id, skill_id, version, sha256, size, signer, publisher_id, description, license,
                                 deps, keywords, files, published_at, response)
           SELECT t.id, t.skill_id, t.version, t.sha256, t.size, NULL, $1, t.description, t.license, '{}'::jsonb,
                  COALESCE(string_to_array(NULLIF(t.keywords, ''), ','), '{}'), $2::jsonb, t.published_at,
                  t.response::jsonb
           FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[],
                       $10::text[], $11::timestamptz[], $12::text[])
             AS t (id, skill_id, version, sha256, size, description, license, keywords, published_at, response)`,
          [
            ownerId,
            JSON.stringify(FILES),
            c.id,
            c.skill,
            c.version,
            c.sha256,
            c.size,
            c.description,
            c.license,
            c.keywords,
            c.published,
            c.response,
          ],
        ),
      ))
        await run();
      for (const run of chunks(keywordRows, (c) =>
        q.query(
          `INSERT INTO version_keywords (version_id, keyword) SELECT * FROM unnest($1::bigint[], $2::text[])`,
          [c.version, c.keyword],
        ),
      ))
        await run();
      for (const run of chunks(feed, (c) =>
        q.query(
          `INSERT INTO feed (epoch, seq, line, hash, skill_id, version, op)
           SELECT $1, t.seq, decode(t.line, 'hex'), t.hash, t.skill_id, t.version, 'publish'
           FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS t (seq, line, hash, skill_id, version)`,
          [epoch, c.seq, c.line, c.hash, c.skill, c.version],
        ),
      ))
        await run();
      await q.query(`SELECT setval('skills_id_seq', (SELECT max(id) FROM skills))`);
      await q.query(`SELECT setval('versions_id_seq', (SELECT max(id) FROM versions))`);
    });
    if (db.kind === 'postgres') await db.query('ANALYZE');
    return { names, feedLines: events.length, ms: performance.now() - start };
  } finally {
    await opened.close();
  }
}

/** Unique valid names with unique confusable skeletons: 1–4 words joined by `-`, some with `-N`. */
function makeNames(size, random) {
  const names = [];
  const skeletons = new Set();
  while (names.length < size) {
    const count = 1 + Math.floor(random() * 4);
    let name = Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]).join('-');
    if (random() < 0.1) name += `-${1 + Math.floor(random() * 9)}`;
    const skeleton = nameSkeleton(name);
    if (name.length < 4 || name.length > 40 || isReservedName(name) || skeletons.has(skeleton)) continue;
    skeletons.add(skeleton);
    names.push(name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Publishers and their packages.

async function api(base, method, route, { bearer, body, form } = {}) {
  const headers = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${route}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(form ? { body: form } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
  return text === '' ? {} : JSON.parse(text);
}

/** A publisher through the real pipeline: sign-up, login, key with proof, API token. */
async function addPublisher(base, username, armoredKey) {
  await api(base, 'POST', '/api/v1/users', {
    body: { username, email: `${username}@bench.invalid`, password: PASSWORD },
  });
  const { token: session } = await api(base, 'POST', '/api/v1/auth/login', {
    body: { username, password: PASSWORD },
  });
  const key = await readPrivateKey({ armoredKey });
  const { nonce } = await api(base, 'GET', '/api/v1/keys/challenge', { bearer: session });
  const proof = await detachedSignature(key, Buffer.from(`skills-key:${username}:${nonce}`));
  await api(base, 'POST', '/api/v1/keys', {
    bearer: session,
    body: { armored: key.toPublic().armor(), proof },
  });
  const { token } = await api(base, 'POST', '/api/v1/tokens', {
    bearer: session,
    body: { name: 'bench', scopes: ['publish-new', 'publish-update'], expires_in: 7200 },
  });
  return { username, key, token };
}

async function newArmoredKey(username) {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: username, email: `${username}@bench.invalid` }],
    date: new Date(Date.now() - 60_000),
    format: 'armored',
  });
  return privateKey;
}

async function detachedSignature(key, bytes) {
  return sign({ message: await createMessage({ binary: bytes }), signingKeys: key, detached: true });
}

/**
 * A realistic skill folder, like the examples: SKILL.md with ~2 KB of instructions, skill.yaml,
 * docs/README.md, plus `--payload-kib` of text in assets/ when asked.
 */
class PackageMaker {
  constructor(work, random, payloadKib) {
    this.work = work;
    this.random = random;
    this.payloadKib = payloadKib;
  }

  prose(chars) {
    const words = [];
    let length = 0;
    while (length < chars) {
      const word = WORDS[Math.floor(this.random() * WORDS.length)];
      words.push(word);
      length += word.length + 1;
    }
    const lines = [];
    for (let i = 0; i < words.length; i += 14) lines.push(words.slice(i, i + 14).join(' '));
    return `${lines.join('\n')}\n`;
  }

  folder(name) {
    const dir = path.join(this.work, name);
    fs.mkdirSync(path.join(dir, 'docs'), { recursive: true });
    const description = `Benchmark skill ${name}, ${this.prose(60).trim().replace(/\n/g, ' ')}.`;
    fs.writeFileSync(
      path.join(dir, 'SKILL.md'),
      `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\n${this.prose(2000)}`,
    );
    fs.writeFileSync(path.join(dir, 'docs/README.md'), `# ${name}\n\n${this.prose(900)}`);
    if (this.payloadKib > 0) {
      fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'assets/payload.txt'), this.prose(this.payloadKib * 1024));
    }
    return { dir, description };
  }

  /** The .tar.gz of `name@version`, packed as `skills pack` does. */
  async tarball(folder, name, version) {
    fs.writeFileSync(
      path.join(folder.dir, 'skill.yaml'),
      `name: ${name}\nversion: '${version}'\ndescription: ${JSON.stringify(folder.description)}\nlicense: MIT\nkeywords: [bench, load]\n`,
    );
    return (await pack(folder.dir)).bytes;
  }
}

/**
 * The uploads of one timed level: per client, `count` versions of its own skill, packed and (for
 * our registry) signed by that client's key.
 */
async function makeJobs(maker, prefix, clients, count, publishers) {
  const jobs = [];
  for (let c = 0; c < clients; c++) {
    const name = `${prefix}-c${c}`;
    const folder = maker.folder(name);
    const list = [];
    for (let v = 0; v < count; v++) {
      const version = `1.0.${v}`;
      const bytes = await maker.tarball(folder, name, version);
      const signature = publishers ? await detachedSignature(publishers[c].key, bytes) : null;
      list.push({ name, version, bytes, signature });
    }
    jobs.push(list);
    fs.rmSync(folder.dir, { recursive: true, force: true });
  }
  return jobs;
}

/**
 * Runs every client's list concurrently, each one request at a time; returns the latency of each
 * request (ms), the wall time and the failures. `onAnswer` sees each success as it comes.
 */
async function runClients(lists, request, onAnswer = () => {}) {
  const latencies = [];
  const failures = [];
  const start = performance.now();
  await Promise.all(
    lists.map(async (list, client) => {
      for (const job of list) {
        const t0 = performance.now();
        try {
          await request(job, client);
          const t1 = performance.now();
          latencies.push(t1 - t0);
          onAnswer(job, t1);
        } catch (error) {
          failures.push(error.message);
        }
      }
    }),
  );
  return { latencies, wallMs: performance.now() - start, failures };
}

async function publishOurs(base, publisher, job) {
  const form = new FormData();
  form.set('tarball', new Blob([job.bytes], { type: 'application/gzip' }), `${job.name}.tgz`);
  form.set('signature', job.signature);
  const response = await fetch(`${base}/api/v1/skills`, {
    method: 'POST',
    headers: { authorization: `Bearer ${publisher.token}` },
    body: form,
  });
  const text = await response.text();
  if (response.status !== 201)
    throw new Error(`publish ${job.name}@${job.version}: ${response.status} ${text}`);
}

async function download(url, expectedSize) {
  const response = await fetch(url);
  const bytes = await response.arrayBuffer();
  if (response.status !== 200 || bytes.byteLength !== expectedSize)
    throw new Error(`GET ${url}: ${response.status}, ${bytes.byteLength} bytes`);
}

/** Polls the skill's shard file under /index/ until it lists `version`; ms from `since`. */
async function servedAfter(base, name, version, since, intervalMs) {
  const url = `${base}/index/${indexPath(name)}`;
  const needle = `"version":"${version}"`;
  for (;;) {
    const response = await fetch(url);
    const text = await response.text();
    if (response.status === 200 && text.includes(needle)) return performance.now() - since;
    if (performance.now() - since > 60_000) throw new Error(`${name}@${version} not served after 60 s`);
    await sleep(intervalMs);
  }
}

/** Waits until the published head.json reaches `seq`; returns ms waited. */
async function drained(base, seq) {
  const start = performance.now();
  for (;;) {
    const head = await (await fetch(`${base}/index/feed/head.json`)).json();
    if (head.seq >= seq) return performance.now() - start;
    if (performance.now() - start > 120_000) throw new Error(`the index stayed at seq ${head.seq} < ${seq}`);
    await sleep(20);
  }
}

const TICK_MS = 10; // Linux USER_HZ is 100: /proc/<pid>/stat counts CPU in 10 ms ticks

/** CPU ms (user + system) a process has used, from /proc; 0 when it is gone or not Linux. */
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by the registry's processes (`serve`, and `worker` when it runs apart), the
 * PostgreSQL backends serving its database (by pid: pooled connections come and go) and this
 * process (the clients), so that a level reports CPU ms per publish — steadier than wall time on
 * a machine shared with other work.
 */
async function cpuSnapshot(pids, database, pgUrl) {
  const backends = new Map();
  if (database) {
    const { rows } = await adminQuery(
      pgUrl,
      `SELECT pid FROM pg_stat_activity WHERE datname = '${database}'`,
    );
    for (const { pid: backend } of rows) backends.set(backend, processCpuMs(backend));
  }
  const client = process.cpuUsage();
  const server = [pids].flat().reduce((sum, pid) => sum + processCpuMs(pid), 0);
  return { server, backends, client: (client.user + client.system) / 1000 };
}

function cpuSince(before, after) {
  let db = 0;
  for (const [pid, ms] of after.backends) db += ms - (before.backends.get(pid) ?? 0);
  return { server: after.server - before.server, db, client: after.client - before.client };
}

function levelCount(clients, options) {
  return Math.max(options.perClient, Math.ceil(options.minPublishes / clients));
}

function dlUrl(base, name, version) {
  return `${base}/dl/${shardPrefix(name)}/${name}/${name}-${version}.tgz`;
}

/** Download jobs: `total` requests spread over `clients`, cycling through `files`. */
function downloadLists(files, clients, total) {
  const per = Math.ceil(total / clients);
  return Array.from({ length: clients }, (_, c) =>
    Array.from({ length: per }, (_, i) => files[(c * per + i) % files.length]),
  );
}

// ---------------------------------------------------------------------------------------------
// One configuration of our registry: database kind × seeded size.

async function benchOurs(kind, size, options) {
  const loadStart = os.loadavg()[0];
  const registry = new Registry(kind, options);
  const random = mulberry32(options.seed * 7919 + size);
  const work = addScratch(fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-packages-')));
  const maker = new PackageMaker(work, random, options.payloadKib);
  const result = { kind, size, levels: [], downloads: [] };
  try {
    await registry.createDatabase();
    await registry.serve(); // migrates, creates the epoch, the registry key and the empty index
    await registry.stop();
    const seeded = await seedRegistry(registry, size, options.seed);
    progress(`${kind} ${size}: seeded ${seeded.feedLines} feed lines with SQL in ${secondsOf(seeded.ms)} s`);
    const rebuilt = await registry.rebuild();
    progress(`${kind} ${size}: index rebuild ${secondsOf(rebuilt.ms)} s (${rebuilt.out})`);
    const serveStart = performance.now();
    const base = await registry.serve();
    const serveMs = performance.now() - serveStart;
    progress(`${kind} ${size}: serving at ${base} after ${secondsOf(serveMs)} s`);
    result.seed = { sqlMs: seeded.ms, rebuildMs: rebuilt.ms, serveMs, feedLines: seeded.feedLines };

    const maxClients = Math.max(...options.clients);
    const publishers = [];
    for (let c = 0; c < maxClients; c++) {
      publishers.push(await addPublisher(base, `bench${c}`, await newArmoredKey(`bench${c}`)));
    }
    progress(`${kind} ${size}: ${publishers.length} publishers signed up, with keys and tokens`);
    let seq = seeded.feedLines;
    const published = [];

    // Warm-up, untimed: JIT, connection pools, the first commit of each kind.
    const warm = await makeJobs(maker, 'warm', 1, 10, publishers);
    const warmed = await runClients(warm, (job) => publishOurs(base, publishers[0], job));
    if (warmed.failures.length > 0) throw new Error(`warm-up publishes failed: ${warmed.failures[0]}`);
    seq += 10;
    await drained(base, seq);

    for (const clients of options.clients) {
      const lists = await makeJobs(
        maker,
        `bench-l${clients}`,
        clients,
        levelCount(clients, options),
        publishers,
      );
      const total = lists.flat().length;
      // Under load, about `indexSamples` publishes are followed to /index/ (light polling).
      const every = Math.max(1, Math.floor(total / options.indexSamples));
      const followers = [];
      let answered = 0;
      const cpuBefore = await cpuSnapshot(registry.pids(), registry.dbName, options.pgUrl);
      const run = await runClients(
        lists,
        (job, client) => publishOurs(base, publishers[client], job),
        (job, t201) => {
          answered += 1;
          if (answered % every === 0) followers.push(servedAfter(base, job.name, job.version, t201, 50));
        },
      );
      seq += total - run.failures.length;
      const drainMs = await drained(base, seq);
      const indexLag = await Promise.all(followers);
      // Until the index caught up, so the worker's share of these publishes is counted too.
      const cpu = cpuSince(cpuBefore, await cpuSnapshot(registry.pids(), registry.dbName, options.pgUrl));
      published.push(...lists.flat());
      result.levels.push({ clients, total, ...run, drainMs, indexLag, cpu });
      progress(
        `${kind} ${size}: ${clients} clients, ${total} publishes: p50 ${msOf(percentile(run.latencies, 50))} ms, ` +
          `${rate(run.latencies.length, run.wallMs)}/s, ${run.failures.length} failed${run.failures[0] ? ` (${run.failures[0]})` : ''}`,
      );
    }

    // 201 → served from /index/ on an otherwise idle registry: one publish at a time.
    const idle = await makeJobs(maker, 'idle', 1, options.indexSamples, publishers);
    result.indexIdle = [];
    for (const job of idle[0]) {
      await publishOurs(base, publishers[0], job);
      result.indexIdle.push(await servedAfter(base, job.name, job.version, performance.now(), 5));
    }
    seq += idle[0].length;
    await drained(base, seq);

    result.search = await benchSearch(base, options, random);
    progress(`${kind} ${size}: search p50 ${msOf(percentile(result.search.latencies, 50))} ms`);

    const files = published.map((job) => ({
      url: dlUrl(base, job.name, job.version),
      size: job.bytes.length,
    }));
    for (const clients of options.clients) {
      const run = await runClients(downloadLists(files, clients, options.downloads), (file) =>
        download(file.url, file.size),
      );
      result.downloads.push({ clients, ...run });
    }
    result.tarballBytes = median(published.map((job) => job.bytes.length));
    result.load = { start: loadStart, end: os.loadavg()[0] };
    return result;
  } finally {
    await registry.close();
    removeScratch(work);
  }
}

/** Sequential searches: words, two words, prefixes, one-typo words and exact names. */
async function benchSearch(base, options, random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const typo = (word) => {
    const i = Math.floor(random() * word.length);
    return `${word.slice(0, i)}${'etaoinsr'[Math.floor(random() * 8)]}${word.slice(i + 1)}`;
  };
  const queries = Array.from({ length: options.searches }, () => {
    const roll = random();
    if (roll < 0.4) return pick(WORDS);
    if (roll < 0.6) return `${pick(WORDS)} ${pick(WORDS)}`;
    if (roll < 0.75) return pick(WORDS).slice(0, 3);
    if (roll < 0.9) return typo(pick(WORDS.filter((word) => word.length >= 5)));
    return `${pick(WORDS)}-${pick(WORDS)}`;
  });
  const search = async (q) => {
    const response = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&per_page=20`);
    const body = await response.json();
    if (response.status !== 200) throw new Error(`search ${q}: ${response.status}`);
    return body.total;
  };
  const coldStart = performance.now();
  await search('pdf');
  const coldMs = performance.now() - coldStart;
  const latencies = [];
  let hits = 0;
  for (const q of queries) {
    const t0 = performance.now();
    hits += (await search(q)) > 0 ? 1 : 0;
    latencies.push(performance.now() - t0);
  }
  return { coldMs, latencies, hitRate: hits / queries.length };
}

// ---------------------------------------------------------------------------------------------
// Verdaccio 6.8.0 on loopback: the same tarball sizes, the same clients, npm's publish request.

async function benchVerdaccio(options) {
  const loadStart = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-verdaccio-'));
  const verdaccio = await startVerdaccio(dir);
  const { base } = verdaccio;
  const random = mulberry32(options.seed * 7919 + 1);
  const maker = new PackageMaker(path.join(dir, 'packages'), random, options.payloadKib);
  const result = { levels: [], downloads: [] };
  try {
    const maxClients = Math.max(...options.clients);
    const tokens = [];
    for (let c = 0; c < maxClients; c++) tokens.push(await verdaccio.addUser(`bench${c}`, PASSWORD));
    const publish = (job, client) => publishVerdaccio(base, tokens[client], job);
    await runClients(await makeJobs(maker, 'warm', 1, 10, null), publish);
    const published = [];
    for (const clients of options.clients) {
      const lists = await makeJobs(maker, `bench-l${clients}`, clients, levelCount(clients, options), null);
      const cpuBefore = await cpuSnapshot(verdaccio.pid, null, options.pgUrl);
      const run = await runClients(lists, publish);
      const cpu = cpuSince(cpuBefore, await cpuSnapshot(verdaccio.pid, null, options.pgUrl));
      result.levels.push({ clients, total: lists.flat().length, ...run, cpu });
      published.push(...lists.flat());
      progress(
        `verdaccio: ${clients} clients: p50 ${msOf(percentile(run.latencies, 50))} ms, ${rate(run.latencies.length, run.wallMs)}/s, ${run.failures.length} failed${run.failures[0] ? ` (${run.failures[0]})` : ''}`,
      );
    }
    const files = published.map((job) => ({
      url: `${base}/${job.name}/-/${job.name}-${job.version}.tgz`,
      size: job.bytes.length,
    }));
    for (const clients of options.clients) {
      const run = await runClients(downloadLists(files, clients, options.downloads), (file) =>
        download(file.url, file.size),
      );
      result.downloads.push({ clients, ...run });
    }
    result.tarballBytes = median(published.map((job) => job.bytes.length));
    result.load = { start: loadStart, end: os.loadavg()[0] };
    return result;
  } finally {
    await verdaccio.stop();
  }
}

/** `npm publish`'s request: the version's manifest and the tarball as a base64 attachment. */
async function publishVerdaccio(base, token, job) {
  const { name, version, bytes } = job;
  const file = `${name}-${version}.tgz`;
  const body = {
    _id: name,
    name,
    description: 'benchmark package',
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        name,
        version,
        description: 'benchmark package',
        _id: `${name}@${version}`,
        dist: {
          shasum: createHash('sha1').update(bytes).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          tarball: `${base}/${name}/-/${file}`,
        },
      },
    },
    access: null,
    _attachments: {
      [file]: {
        content_type: 'application/octet-stream',
        data: bytes.toString('base64'),
        length: bytes.length,
      },
    },
  };
  const response = await fetch(`${base}/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'npm-command': 'publish',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`verdaccio publish ${name}@${version}: ${response.status} ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Report.

const msOf = (value) => (value === undefined ? '–' : value.toFixed(1));
const secondsOf = (value) => (value / 1000).toFixed(1);
const rate = (count, wallMs) => (count / (wallMs / 1000)).toFixed(1);
const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? '–' : (a / b).toFixed(2));
const median = (values) => percentile(values, 50);

/**
 * CPU per publish, and the rate that CPU would allow if the machine's cores did nothing else — an
 * upper bound that ignores waits, stated because other work shares this machine.
 */
function cpuCells(level, cores) {
  const count = level.latencies.length;
  if (!level.cpu || count === 0) return '– | –';
  const per = (value) => value / count;
  const total = per(level.cpu.server) + per(level.cpu.db) + per(level.cpu.client);
  return `${per(level.cpu.server).toFixed(1)} + ${per(level.cpu.db).toFixed(1)} + ${per(level.cpu.client).toFixed(1)} | ${((cores * 1000) / total).toFixed(0)}`;
}

function report(results, verdaccio, options, machine) {
  const out = [];
  const line = (text = '') => out.push(text);
  line(`## Registry benchmark (bench/registry.mjs)`);
  line();
  line(`Command: \`node bench/registry.mjs ${process.argv.slice(2).join(' ')}\``.replace(/ `$/, '`'));
  line(
    `Machine: ${machine.cpu}, nproc ${machine.nproc}, ${machine.memGib} GiB, Node ${process.version}, ${machine.postgres ?? 'no PostgreSQL'}, load average (1 min) ${machine.loadStart.toFixed(2)} at the start and ${os.loadavg()[0].toFixed(2)} at the end.`,
  );
  const sizes = results.map((r) => r.tarballBytes).concat(verdaccio ? [verdaccio.tarballBytes] : []);
  line(`Tarballs: median ${median(sizes)} bytes (payload ${options.payloadKib} KiB).`);
  line();
  line('Publishes (the time from sending the request to reading the 201):');
  line();
  line(
    '| registry | database | seeded skills | clients | publishes | p50 ms | p99 ms | publishes/s | p50 ours/Verdaccio | rate ours/Verdaccio | index caught up s | CPU ms per publish: registry (serve + worker) + PostgreSQL + clients | publishes/s on 2 idle cores (est.) | failed | load |',
  );
  line('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  for (const r of results) {
    for (const level of r.levels) {
      const theirs = verdaccio?.levels.find((v) => v.clients === level.clients);
      const p50 = percentile(level.latencies, 50);
      line(
        `| ours | ${r.kind} | ${r.size.toLocaleString('en')} | ${level.clients} | ${level.total} | ${msOf(p50)} | ${msOf(percentile(level.latencies, 99))} | ${rate(level.latencies.length, level.wallMs)} | ${theirs ? ratio(p50, percentile(theirs.latencies, 50)) : '–'} | ${theirs ? ratio(level.latencies.length / level.wallMs, theirs.latencies.length / theirs.wallMs) : '–'} | ${secondsOf(level.drainMs)} | ${cpuCells(level, machine.nproc)} | ${level.failures.length} | ${r.load.start.toFixed(1)}–${r.load.end.toFixed(1)} |`,
      );
    }
  }
  for (const level of verdaccio?.levels ?? []) {
    line(
      `| Verdaccio 6.8.0 | files | – | ${level.clients} | ${level.total} | ${msOf(percentile(level.latencies, 50))} | ${msOf(percentile(level.latencies, 99))} | ${rate(level.latencies.length, level.wallMs)} | 1 | 1 | – | ${cpuCells(level, machine.nproc)} | ${level.failures.length} | ${verdaccio.load.start.toFixed(1)}–${verdaccio.load.end.toFixed(1)} |`,
    );
  }
  line();
  line('From the 201 to the version served from `/index/` (its shard file lists it), ms:');
  line();
  line('| database | seeded skills | idle p50 | idle p99 | idle max | under N clients | p50 | p99 | max |');
  line('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const busiest = r.levels[r.levels.length - 1];
    line(
      `| ${r.kind} | ${r.size.toLocaleString('en')} | ${msOf(percentile(r.indexIdle, 50))} | ${msOf(percentile(r.indexIdle, 99))} | ${msOf(Math.max(...r.indexIdle))} | ${busiest.clients} | ${msOf(percentile(busiest.indexLag, 50))} | ${msOf(percentile(busiest.indexLag, 99))} | ${msOf(Math.max(...busiest.indexLag))} |`,
    );
  }
  line();
  line('Search (`GET /api/v1/search`, one at a time, after one cold query that builds the index):');
  line();
  line('| database | seeded skills | queries | cold ms | p50 ms | p99 ms | queries with hits |');
  line('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    line(
      `| ${r.kind} | ${r.size.toLocaleString('en')} | ${r.search.latencies.length} | ${msOf(r.search.coldMs)} | ${msOf(percentile(r.search.latencies, 50))} | ${msOf(percentile(r.search.latencies, 99))} | ${(r.search.hitRate * 100).toFixed(0)} % |`,
    );
  }
  line();
  line('Tarball downloads (`/dl/…` for ours, `/<pkg>/-/<file>.tgz` for Verdaccio):');
  line();
  line(
    '| registry | database | seeded skills | clients | requests | p50 ms | p99 ms | downloads/s | p50 ours/Verdaccio | failed |',
  );
  line('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const d of r.downloads) {
      const theirs = verdaccio?.downloads.find((v) => v.clients === d.clients);
      line(
        `| ours | ${r.kind} | ${r.size.toLocaleString('en')} | ${d.clients} | ${d.latencies.length + d.failures.length} | ${msOf(percentile(d.latencies, 50))} | ${msOf(percentile(d.latencies, 99))} | ${rate(d.latencies.length, d.wallMs)} | ${theirs ? ratio(percentile(d.latencies, 50), percentile(theirs.latencies, 50)) : '–'} | ${d.failures.length} |`,
      );
    }
  }
  for (const d of verdaccio?.downloads ?? []) {
    line(
      `| Verdaccio 6.8.0 | files | – | ${d.clients} | ${d.latencies.length + d.failures.length} | ${msOf(percentile(d.latencies, 50))} | ${msOf(percentile(d.latencies, 99))} | ${rate(d.latencies.length, d.wallMs)} | 1 | ${d.failures.length} |`,
    );
  }
  line();
  line('Seeding (SQL inserts, then `skills-registry index rebuild`, then `serve` until it listens):');
  line();
  line('| database | seeded skills | feed lines | SQL s | rebuild s | serve start s |');
  line('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    line(
      `| ${r.kind} | ${r.size.toLocaleString('en')} | ${r.seed.feedLines.toLocaleString('en')} | ${secondsOf(r.seed.sqlMs)} | ${secondsOf(r.seed.rebuildMs)} | ${secondsOf(r.seed.serveMs)} |`,
    );
  }
  line();
  line('Goals:');
  for (const r of results) {
    const theirs = verdaccio?.levels;
    for (const level of r.levels) {
      const v = theirs?.find((t) => t.clients === level.clients);
      if (!v) continue;
      const ours50 = percentile(level.latencies, 50);
      const their50 = percentile(v.latencies, 50);
      line(
        `- publish p50 no slower than Verdaccio's (${r.kind}, ${r.size.toLocaleString('en')} skills, ${level.clients} clients): ${ours50 <= their50 ? 'met' : 'MISSED'} (${msOf(ours50)} vs ${msOf(their50)} ms)`,
      );
    }
    const at32 = r.levels.find((level) => level.clients === 32);
    if (r.kind === 'postgres' && at32) {
      const perSecond = at32.latencies.length / (at32.wallMs / 1000);
      line(
        `- >= 100 publishes/s with 32 clients on PostgreSQL (${r.size.toLocaleString('en')} skills): ${perSecond >= 100 ? 'met' : 'MISSED'} (${perSecond.toFixed(1)}/s)`,
      );
    }
    const idle99 = percentile(r.indexIdle, 99);
    line(
      `- 201 → served from /index/ < 1 s (${r.kind}, ${r.size.toLocaleString('en')} skills): idle ${idle99 < 1000 ? 'met' : 'MISSED'} (p99 ${msOf(idle99)} ms)`,
    );
  }
  console.log(out.join('\n'));
}

async function machineFacts(options) {
  const cpus = os.cpus();
  let postgres = null;
  if (options.databases.includes('postgres')) {
    const { rows } = await adminQuery(options.pgUrl, 'SHOW server_version');
    postgres = `PostgreSQL ${rows[0].server_version}`;
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown CPU',
    nproc: os.availableParallelism?.() ?? cpus.length,
    memGib: Math.round(os.totalmem() / 2 ** 30),
    postgres,
    loadStart: os.loadavg()[0],
  };
}

async function main(options) {
  cleanUpOnSignals();
  const machine = await machineFacts(options);
  const results = [];
  let verdaccio = null;
  try {
    if (options.verdaccio !== 'no') verdaccio = await benchVerdaccio(options);
    for (const kind of options.databases) {
      for (const size of options.seeds) results.push(await benchOurs(kind, size, options));
    }
  } catch (error) {
    console.error(error);
    cleanUpAndExit(1);
  }
  report(results, verdaccio, options, machine);
}

await main(parseOptions(process.argv.slice(2)));
