// Index commits with the BUILT @skills/index-builder: render an index from scratch, then time one
// commit per single change and per 100-change batch at 1k, 10k and 100k skills, compare with the
// system git doing the same single-file change on the same tree, and measure the disk the loose
// objects take per 1,000 commits before and after `git gc`.
//
//   cd /work/main && npx tsc -b schema index-builder
//   node bench/index-commit.mjs [--sizes 1000,10000,100000] [--commits 1000] [--batches 30]
//        [--batch-size 100] [--git-runs 50] [--disk-commits 1000] [--seed 1] [--cpu-prof <dir>]
//
// Seeding: a generated feed (1 + Geometric(1/2) versions per skill, ~3 % of later lines yanks) is
// rendered by `rebuild` in a fresh child process, which reports the time of the call and the
// kernel's high-water mark of its resident set (VmHWM). Commits: `appendFeed` in this process,
// timed with performance.now() around the call, after 5 untimed warm-up commits; 1,000 single
// changes by default, because a commit's cost follows how full the current feed segment is. System git: a small child
// process times `git add <shard file>` + `git commit -q` (two process starts included, as a writer
// calling git would pay them) on the same repository after `git reset -q`; the branch is put back
// afterwards. Disk: `du -sk .git/objects` around `--disk-commits` single-change commits and after
// `git gc --prune=now`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LICENSES, mulberry32, percentile, progress, WORDS } from './lib/common.mjs';

const { appendFeed, hasSystemGit, initIndex, rebuild } = await load('@skills/index-builder');
const { buildFeedLine, formatTimestamp, GENESIS_HASH, indexPath, isReservedName, renderShardFile } =
  await load('@skills/schema');

const SELF = fileURLToPath(import.meta.url);
const EPOCH = 'bench';
const CONFIG = {
  name: 'bench',
  url: 'http://127.0.0.1:8080/index/',
  dl: 'http://127.0.0.1:8080/dl/{prefix}/{name}/{name}-{version}.tgz',
  sig: null,
  api: null,
  signing_key: null,
  auth_required: false,
};
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@skills.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@skills.invalid',
};
const WARM_UP = 5;
const SEGMENT_LINES = 1000;

async function load(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    console.error(`Cannot load ${specifier}: build it first with \`npx tsc -b schema index-builder\`.`);
    throw error;
  }
}

function parseOptions(argv) {
  const options = {
    sizes: [1000, 10000, 100000],
    commits: 1000,
    batches: 30,
    batchSize: 100,
    gitRuns: 50,
    diskCommits: 1000,
    seed: 1,
    cpuProf: '',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const key = flag?.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in options) || value === undefined) {
      console.error(`unknown option ${flag}; see the comment at the top of ${SELF}`);
      process.exit(2);
    }
    options[key] = key === 'sizes' ? value.split(',').map(Number) : key === 'cpuProf' ? value : Number(value);
  }
  return options;
}

async function main(options) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-index-'));
  // A 100k index is ~1 GiB on disk: remove it on Ctrl-C too.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      fs.rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const git = await hasSystemGit();
  options.loadStart = os.loadavg()[0];
  const results = [];
  try {
    for (const size of options.sizes) {
      results.push(await runSize(path.join(work, String(size)), size, options, git));
      fs.rmSync(path.join(work, String(size)), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  options.loadEnd = os.loadavg()[0];
  report(results, options, git);
}

async function runSize(dir, size, options, git) {
  const registry = new Registry(options.seed * 1_000_003 + size);
  const t0 = performance.now();
  const feedFile = `${dir}.feed`;
  const seedLines = writeSeed(feedFile, registry.seed(size));
  progress(`${size}: ${seedLines} seed feed lines generated in ${seconds(performance.now() - t0)} s`);
  const built = JSON.parse(
    execFileSync(process.execPath, [SELF, '--child-rebuild', dir, feedFile], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    }),
  );
  fs.rmSync(feedFile);
  const seeded = { ...objectStats(dir), files: built.written };
  progress(`${size}: rebuilt in ${seconds(built.ms)} s, peak RSS ${mib(built.rssPeak * 1024)} MiB`);

  const commit = async (changes) => {
    const lines = changes();
    const start = performance.now();
    await appendFeed(dir, { lines });
    return performance.now() - start;
  };
  const single = () => [registry.change()];
  const batch = () => Array.from({ length: options.batchSize }, () => registry.change());
  for (let i = 0; i < WARM_UP; i++) await commit(single);
  const singles = [];
  const fills = [];
  const profiler = await startProfile(options);
  for (let i = 0; i < options.commits; i++) {
    // Lines already in the feed segment this commit appends to (every commit rewrites that blob).
    fills.push(registry.seq % SEGMENT_LINES);
    singles.push(await commit(single));
  }
  await stopProfile(profiler, options, `${size}-single`);
  progress(`${size}: ${options.commits} single-change commits, p50 ${ms(percentile(singles, 50))} ms`);
  const batches = [];
  const batchProfiler = await startProfile(options);
  for (let i = 0; i < options.batches; i++) batches.push(await commit(batch));
  await stopProfile(batchProfiler, options, `${size}-batch`);
  progress(`${size}: ${options.batches} batches, p50 ${ms(percentile(batches, 50))} ms`);

  const result = { size, seedLines, built, seeded, singles, fills, batches };
  if (!git) {
    const before = objectStats(dir);
    const loose = [];
    for (let i = 0; i < options.diskCommits; i++) loose.push(await commit(single));
    result.disk = { before, loose: objectStats(dir), looseTimes: loose };
    return result;
  }

  result.git = systemGit(dir, registry, options.gitRuns);
  progress(`${size}: system git p50 ${ms(percentile(result.git.times, 50))} ms`);

  // Disk: pack what is there, then count what the commits add, loose and after another gc.
  const gc = () => {
    const start = performance.now();
    execFileSync('git', ['-C', dir, 'gc', '-q', '--prune=now'], { env: GIT_ENV });
    return performance.now() - start;
  };
  const firstGc = gc();
  const before = objectStats(dir);
  const packedTimes = [];
  const packedProfiler = await startProfile(options);
  for (let i = 0; i < options.diskCommits; i++) packedTimes.push(await commit(single));
  await stopProfile(packedProfiler, options, `${size}-packed`);
  const loose = objectStats(dir);
  const secondGc = gc();
  result.disk = { before, loose, packed: objectStats(dir), firstGc, secondGc, packedTimes };
  progress(
    `${size}: disk measured; commits on the packed repository p50 ${ms(percentile(packedTimes, 50))} ms`,
  );
  return result;
}

/**
 * `--cpu-prof <dir>`: a CPU profile of the timed commit loops only (not of seeding), one file per
 * size and kind; `node --cpu-prof` would profile the generator and the git children's waits too.
 */
async function startProfile(options) {
  if (!options.cpuProf) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return session;
}

async function stopProfile(session, options, name) {
  if (session === null) return;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  fs.mkdirSync(options.cpuProf, { recursive: true });
  const file = path.join(options.cpuProf, `index-commit-${name}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  progress(`CPU profile: ${file}`);
}

/** Writes the seed feed for the rebuild child and lets go of it; returns the number of lines. */
function writeSeed(file, lines) {
  fs.writeFileSync(file, Buffer.concat(lines.flatMap((line) => [line, NEWLINE])));
  return lines.length;
}

/** Child: initIndex + rebuild from the feed file; prints time and peak RSS (KiB) as JSON. */
async function childRebuild(dir, feedFile) {
  const lines = splitLines(fs.readFileSync(feedFile));
  await initIndex(dir, { config: CONFIG, epoch: EPOCH, time: new Date('2026-01-01T00:00:00Z') });
  const rssBefore = peakRssKib();
  const start = performance.now();
  const result = await rebuild(dir, lines, { time: new Date('2026-01-01T00:00:01Z') });
  const elapsed = performance.now() - start;
  const rssPeak = peakRssKib();
  process.stdout.write(JSON.stringify({ ms: elapsed, rssBefore, rssPeak, written: result.written }));
}

/**
 * The kernel's high-water mark of this process's resident set, in KiB. On Linux it is VmHWM:
 * `process.resourceUsage().maxRSS` keeps the mark across exec, so a child started by a parent
 * holding 1 GiB reported at least 1 GiB before doing anything.
 */
function peakRssKib() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux: fall back to getrusage, whose mark may include the parent's.
  }
  return process.resourceUsage().maxRSS;
}

/**
 * System git on the same tree: `git reset -q` makes git's index match HEAD (the writer keeps
 * none), then each run changes one shard file the way a publish would and times add + commit in a
 * small child process (forking this big one would add its own cost). The branch, work tree and
 * git's index are put back afterwards so the writer continues from its own commit.
 */
function systemGit(dir, registry, runs) {
  const run = (...argv) => execFileSync('git', ['-C', dir, ...argv], { env: GIT_ENV, encoding: 'utf8' });
  const tip = run('rev-parse', 'refs/heads/main').trim();
  const resetStart = performance.now();
  run('reset', '-q');
  const resetMs = performance.now() - resetStart;
  const jobs = Array.from({ length: runs }, () => {
    const { path: file, bytes } = registry.peekPublish();
    return { file, bytes: bytes.toString('base64') };
  });
  const jobFile = `${dir}.git-jobs.json`;
  fs.writeFileSync(jobFile, JSON.stringify(jobs));
  const measured = JSON.parse(
    execFileSync(process.execPath, [SELF, '--child-git', dir, jobFile], { encoding: 'utf8', env: GIT_ENV }),
  );
  fs.rmSync(jobFile);
  run('update-ref', 'refs/heads/main', tip);
  run('reset', '-q', '--hard');
  for (const leftover of ['index', 'logs', 'ORIG_HEAD']) {
    fs.rmSync(path.join(dir, '.git', leftover), { recursive: true, force: true });
  }
  return { ...measured, resetMs };
}

/** Child: writes each job's file, then times `git add` + `git commit`; also times bare process starts. */
async function childGit(dir, jobFile) {
  const jobs = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  const git = (...argv) => execFileSync('git', ['-C', dir, ...argv], { stdio: 'ignore' });
  const times = [];
  const spawns = [];
  for (const [i, { file, bytes }] of jobs.entries()) {
    fs.writeFileSync(path.join(dir, file), Buffer.from(bytes, 'base64'));
    const start = performance.now();
    git('add', '--', file);
    // `git commit` runs `gc --auto` afterwards; housekeeping is measured on its own below.
    git('-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'commit', '-q', '-m', `x ${i}`);
    times.push(performance.now() - start);
    const spawn = performance.now();
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    spawns.push(performance.now() - spawn);
  }
  process.stdout.write(JSON.stringify({ times, spawn: percentile(spawns, 50) }));
}

/** `du -sk` (disk blocks) and apparent bytes of .git/objects, and the loose objects in it. */
function objectStats(dir) {
  const objects = path.join(dir, '.git', 'objects');
  const du = (...flags) =>
    Number(execFileSync('du', ['-sk', ...flags, objects], { encoding: 'utf8' }).split('\t')[0]);
  let loose = 0;
  for (const entry of fs.readdirSync(objects)) {
    if (/^[0-9a-f]{2}$/.test(entry)) loose += fs.readdirSync(path.join(objects, entry)).length;
  }
  return { kib: du(), apparentKib: du('--apparent-size'), loose };
}

// ---------------------------------------------------------------------------------------------
// The generated registry: realistic names, descriptions and version histories, and the exact feed
// lines a registry would emit for them (`buildFeedLine`, the chain as in the feed table).

const ACCENTED = [
  'café',
  'naïve',
  'Zürich',
  'résumé',
  'São Paulo',
  '日本語',
  'für',
  '—',
  '→',
  'Ωmega',
  '📄',
  'Ærø',
];
const START = Date.parse('2025-01-01T00:00:00Z');

class Registry {
  constructor(seed) {
    this.random = mulberry32(seed);
    this.signers = Array.from({ length: 20 }, () => this.hex(40).toUpperCase());
    /** name → its index lines in feed order */
    this.skills = new Map();
    /** name → [major, minor, patch] of its highest version */
    this.versions = new Map();
    this.names = [];
    this.seq = 0;
    this.hash = GENESIS_HASH;
  }

  /** The feed of `size` skills: 1 + Geometric(1/2) versions each, interleaved, a few yanks. */
  seed(size) {
    this.names = this.makeNames(size);
    const events = [];
    for (let i = 0; i < size; i++) {
      events.push(i);
      while (this.random() < 0.5 && events.length < size * 10) events.push(i);
    }
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    return events.map((i) => {
      const name = this.names[i];
      if (this.skills.has(name) && this.random() < 0.03 && this.unyanked(name).length > 0)
        return this.yank(name);
      return this.publish(name);
    });
  }

  /** One realistic change of a random existing skill: mostly a new version, sometimes a yank. */
  change() {
    const name = this.names[Math.floor(this.random() * this.names.length)];
    if (this.random() < 0.15 && this.unyanked(name).length > 0) return this.yank(name);
    return this.publish(name);
  }

  /** The shard file a publish of `name` would produce, without recording it (for system git). */
  peekPublish() {
    const name = this.names[Math.floor(this.random() * this.names.length)];
    const lines = [...(this.skills.get(name) ?? []), this.indexLine(name, this.nextVersion(name))];
    return { path: indexPath(name), bytes: renderShardFile(lines) };
  }

  publish(name) {
    const version = this.nextVersion(name);
    this.versions.set(name, version.split('.').map(Number));
    const before = this.skills.get(name) ?? [];
    return this.emit('publish', name, version, before, [...before, this.indexLine(name, version)]);
  }

  yank(name) {
    const candidates = this.unyanked(name);
    const target = candidates[Math.floor(this.random() * candidates.length)];
    const reason =
      this.random() < 0.5 ? null : `broken on ${WORDS[Math.floor(this.random() * WORDS.length)]}`;
    const before = this.skills.get(name);
    const after = before.map((line) =>
      line === target ? { ...line, yanked: true, yank_reason: reason } : line,
    );
    return this.emit('yank', name, target.version, before, after);
  }

  emit(op, name, version, before, after) {
    this.seq += 1;
    const built = buildFeedLine({ seq: this.seq, op, name, version, before, after, prev: this.hash });
    this.hash = built.hash;
    this.skills.set(name, after);
    return built.bytes;
  }

  unyanked(name) {
    return (this.skills.get(name) ?? []).filter((line) => !line.yanked);
  }

  nextVersion(name) {
    const current = this.versions.get(name);
    if (current === undefined) return this.random() < 0.3 ? '0.1.0' : '1.0.0';
    const [major, minor, patch] = current;
    const roll = this.random();
    if (roll < 0.7) return `${major}.${minor}.${patch + 1}`;
    if (roll < 0.95) return `${major}.${minor + 1}.0`;
    return `${major + 1}.0.0`;
  }

  indexLine(name, version) {
    const pick = (list) => list[Math.floor(this.random() * list.length)];
    const deps = {};
    if (this.random() < 0.2) {
      for (let i = 0; i < 1 + Math.floor(this.random() * 2); i++) {
        const dep = pick(this.names);
        if (dep !== name) deps[dep] = `^${this.random() < 0.3 ? '0.1' : '1'}.0`;
      }
    }
    const keywords = [...new Set(Array.from({ length: Math.floor(this.random() * 6) }, () => pick(WORDS)))];
    return {
      v: 1,
      name,
      version,
      deps,
      sha256: this.hex(64),
      size: 1000 + Math.floor(this.random() * 200_000),
      description: this.description(),
      keywords,
      license: pick(LICENSES),
      yanked: false,
      yank_reason: null,
      published: formatTimestamp(new Date(START + this.seq * 37_000)),
      signer: this.random() < 0.7 ? pick(this.signers) : null,
    };
  }

  /** ~100 characters of prose; one in seven has non-ASCII text (escaped as \uXXXX in the lines). */
  description() {
    const target = 70 + Math.floor(this.random() * 60);
    const words = [];
    let length = 0;
    while (length < target) {
      const word =
        this.random() < 0.02
          ? ACCENTED[Math.floor(this.random() * ACCENTED.length)]
          : WORDS[Math.floor(this.random() * WORDS.length)];
      words.push(word);
      length += word.length + 1;
    }
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  /** Unique valid names: 1–4 words joined by `-` (4–30 chars), plus a few of 1–3 characters. */
  makeNames(size) {
    const names = new Set();
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const short = Math.max(3, Math.round(size * 0.002));
    while (names.size < short) {
      const length = 1 + Math.floor(this.random() * 3);
      let name = '';
      for (let i = 0; i < length; i++) name += alphabet[Math.floor(this.random() * (i === 0 ? 26 : 36))];
      if (!isReservedName(name)) names.add(name);
    }
    while (names.size < size) {
      const count = 1 + Math.floor(this.random() * 4);
      let name = Array.from({ length: count }, () => WORDS[Math.floor(this.random() * WORDS.length)]).join(
        '-',
      );
      if (this.random() < 0.1) name += `-${1 + Math.floor(this.random() * 9)}`;
      if (name.length >= 4 && name.length <= 30 && !isReservedName(name)) names.add(name);
    }
    return [...names];
  }

  hex(length) {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }
}

// ---------------------------------------------------------------------------------------------

function report(results, options, git) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const gitVersion = git ? execFileSync('git', ['--version'], { encoding: 'utf8' }).trim() : 'no system git';
  console.log(
    `\nMachine: Node ${process.version}, ${os.availableParallelism()} CPUs (${cpu}), ${os.platform()} ${os.arch()}, ${gitVersion}.`,
  );
  console.log(
    `Runs: ${options.commits} single-change commits and ${options.batches} batches of ${options.batchSize} changes per size, after ${WARM_UP} warm-up commits; seed ${options.seed}; 1-minute load average ${options.loadStart.toFixed(1)} at the start, ${options.loadEnd.toFixed(1)} at the end.\n`,
  );

  console.log('Render from scratch (`rebuild` of the whole feed, one commit, in a fresh process):\n');
  console.log(
    '| skills | feed lines | files written | rebuild s | peak RSS MiB | RSS before rebuild MiB | loose objects | .git/objects MiB |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const { built, seeded } = r;
    console.log(
      `| ${r.size} | ${r.seedLines} | ${built.written} | ${seconds(built.ms)} | ${mib(built.rssPeak * 1024)} | ${mib(built.rssBefore * 1024)} | ${seeded.loose} | ${mib(seeded.kib * 1024)} |`,
    );
  }

  console.log('\nCommit time (`appendFeed`, one commit per call):\n');
  console.log('| skills | changes per commit | objects | commits | p50 ms | p99 ms | max ms |');
  console.log('|---:|---:|---|---:|---:|---:|---:|');
  for (const r of results) {
    const rows = [
      [1, 'loose', r.singles],
      [options.batchSize, 'loose', r.batches],
    ];
    if (r.disk?.packedTimes) rows.push([1, 'packed (after `git gc`)', r.disk.packedTimes]);
    else if (r.disk?.looseTimes) rows.push([1, `loose (+${options.diskCommits})`, r.disk.looseTimes]);
    for (const [changes, objects, times] of rows) {
      console.log(
        `| ${r.size} | ${changes} | ${objects} | ${times.length} | ${ms(percentile(times, 50))} | ${ms(percentile(times, 99))} | ${ms(Math.max(...times))} |`,
      );
    }
  }

  console.log(
    '\nSingle-change p50 ms (commits) by the fill of the feed segment the commit rewrites (lines already in it):\n',
  );
  console.log('| skills | 0–249 | 250–499 | 500–749 | 750–999 |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const cells = [0, 250, 500, 750].map((low) => {
      const times = r.singles.filter((_, i) => r.fills[i] >= low && r.fills[i] < low + 250);
      return times.length === 0 ? '–' : `${ms(percentile(times, 50))} (${times.length})`;
    });
    console.log(`| ${r.size} | ${cells.join(' | ')} |`);
  }

  if (git) {
    console.log(
      '\nSystem git, the same single-file change on the same tree (`git add` + `git commit -q`):\n',
    );
    console.log(
      '| skills | runs | git p50 ms | git p99 ms | of which 2 process starts ms | ours p50 ms | ours / git |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const ours = percentile(r.singles, 50);
      const theirs = percentile(r.git.times, 50);
      console.log(
        `| ${r.size} | ${r.git.times.length} | ${ms(theirs)} | ${ms(percentile(r.git.times, 99))} | ${ms(2 * r.git.spawn)} | ${ms(ours)} | ${(ours / theirs).toFixed(2)} |`,
      );
    }
  }

  const n = options.diskCommits;
  const per1000 = (a, b) => ((b - a) * 1000) / n;
  console.log(`\nDisk per 1,000 single-change commits (measured over ${n}; \`du -sk .git/objects\`):\n`);
  if (git) {
    console.log(
      '| skills | loose KiB | loose KiB (apparent) | loose objects | after `git gc` KiB | first gc s | second gc s |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const { before, loose, packed, firstGc, secondGc } = r.disk;
      console.log(
        `| ${r.size} | ${per1000(before.kib, loose.kib).toFixed(0)} | ${per1000(before.apparentKib, loose.apparentKib).toFixed(0)} | ${per1000(before.loose, loose.loose).toFixed(0)} | ${per1000(before.kib, packed.kib).toFixed(0)} | ${seconds(firstGc)} | ${seconds(secondGc)} |`,
      );
    }
  } else {
    console.log('No system git: objects stay loose.\n');
    console.log('| skills | loose KiB | loose KiB (apparent) | loose objects |');
    console.log('|---:|---:|---:|---:|');
    for (const r of results) {
      const { before, loose } = r.disk;
      console.log(
        `| ${r.size} | ${per1000(before.kib, loose.kib).toFixed(0)} | ${per1000(before.apparentKib, loose.apparentKib).toFixed(0)} | ${per1000(before.loose, loose.loose).toFixed(0)} |`,
      );
    }
  }

  const first = results[0];
  const last = results.at(-1);
  if (first && last && first !== last) {
    const small = percentile(first.singles, 50);
    const large = percentile(last.singles, 50);
    console.log(
      `\nGoal: single-change p50 at ${last.size} skills < 20 ms: ${large < 20 ? 'met' : 'MISSED'} (${ms(large)} ms); ≤ 2× the ${first.size} figure: ${large <= 2 * small ? 'met' : 'MISSED'} (${(large / small).toFixed(2)}×).`,
    );
  }
}

function splitLines(bytes) {
  const lines = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

const NEWLINE = Buffer.from('\n');
const ms = (value) => value.toFixed(1);
const seconds = (value) => (value / 1000).toFixed(1);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// Last, so that every constant and class above is initialised.
const args = process.argv.slice(2);
if (args[0] === '--child-rebuild') await childRebuild(args[1], args[2]);
else if (args[0] === '--child-git') await childGit(args[1], args[2]);
else await main(parseOptions(args));
