// `skills install` of a skill with dependencies against `npm install` of the same graph from
// Verdaccio, cold and warm, whole-process wall time. Used by bench/cli.mjs (its install section).
//
// The graph: `bench-root` depending on `bench-dep-1` … `bench-dep-<deps>` (`^1.0.0`), every
// package `--kib` KiB of files (SKILL.md, docs/reference.md of prose, and skill.yaml or
// package.json). Ours: the built registry (`skills-registry serve --examples`, embedded database,
// so the skills go through the real publish pipeline, signed by its demo publisher) and the built
// CLI with a temporary HOME. Theirs: Verdaccio 6.8.0 and the npm that came with this Node.
//
//   cold: a new home (registry added and its key pinned, untimed) / a new project and an empty
//         npm cache; the command syncs or fetches metadata, downloads, verifies and installs all.
//   warm: the same home after `skills uninstall bench-root` (its synced index and tarball cache
//         kept) / a new project with the npm cache of the cold run.
// Runs are interleaved (ours cold, npm cold, ours warm, npm warm) so both see the same load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mulberry32, percentile, progress, WORDS } from './common.mjs';
import { addScratch, removeScratch, runChild, startChild, stopChild, waitForOutput } from './processes.mjs';
import { startVerdaccio } from './verdaccio.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTRY_BIN = path.join(ROOT, 'registry-api/bin/skills-registry.js');
const NPM_CLI = path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
const ROOT_SKILL = 'bench-root';

/**
 * Runs the install comparison; resolves with the measurements `installReport` prints.
 * `bin` is the CLI's bin/skills.js.
 */
export async function benchInstall({ bin, runs, deps, kib, seed }) {
  if (!fs.existsSync(NPM_CLI)) throw new Error(`npm is not at ${NPM_CLI}: the install comparison needs it`);
  const work = addScratch(fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-install-')));
  const load = [os.loadavg()[0]];
  const packages = makeGraph(path.join(work, 'packages'), { deps, kib, seed });
  const ours = await startOurs(path.join(work, 'registry'), packages);
  let verdaccio = null;
  try {
    verdaccio = await startVerdaccio(path.join(work, 'verdaccio'));
    await publishToVerdaccio(verdaccio, packages, path.join(work, 'npm-publish'));
    const npmVersion = (await runChild(process.execPath, [NPM_CLI, '--version'], process.env, 'npm')).trim();
    const times = { oursCold: [], npmCold: [], oursWarm: [], npmWarm: [] };
    for (let run = 0; run < runs; run++) {
      const home = path.join(work, 'homes', String(run));
      const env = ourEnv(home);
      fs.mkdirSync(home, { recursive: true });
      await timed(process.execPath, [bin, 'registry', 'add', 'bench', ours.url], env, home);
      times.oursCold.push(await installOurs(bin, env, home, packages.length));
      const cache = path.join(work, 'npm-cache', String(run));
      times.npmCold.push(
        await installNpm(verdaccio.base, cache, path.join(work, 'npm', `cold-${run}`), packages),
      );
      await timed(process.execPath, [bin, 'uninstall', ROOT_SKILL], env, home);
      times.oursWarm.push(await installOurs(bin, env, home, packages.length));
      times.npmWarm.push(
        await installNpm(verdaccio.base, cache, path.join(work, 'npm', `warm-${run}`), packages),
      );
      progress(
        `install run ${run + 1}/${runs}: ours cold ${ms(times.oursCold.at(-1))} ms, npm cold ${ms(times.npmCold.at(-1))} ms, ours warm ${ms(times.oursWarm.at(-1))} ms, npm warm ${ms(times.npmWarm.at(-1))} ms`,
      );
    }
    load.push(os.loadavg()[0]);
    return {
      runs,
      deps,
      kib,
      npmVersion,
      tarballs: { ours: ours.tarballBytes, npm: npmTarballBytes(path.join(work, 'npm-publish')) },
      times,
      load,
    };
  } finally {
    await stopChild(ours.child);
    await verdaccio?.stop();
    removeScratch(work);
  }
}

/** The table of `benchInstall`'s result, in markdown. */
export function installReport(result) {
  const { times } = result;
  const p50 = (values) => percentile(values, 50);
  const row = (label, cold, warm, tarball) =>
    `| ${label} | ${ms(p50(cold))} | ${ms(Math.min(...cold))} | ${ms(Math.max(...cold))} | ${ms(p50(warm))} | ${ms(Math.min(...warm))} | ${ms(Math.max(...warm))} | ${tarball} |`;
  const mean = (values) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  return [
    `Install of a skill with ${result.deps} dependencies of ${result.kib} KiB each (${result.deps + 1} packages), whole process, ${result.runs} runs of each, interleaved; 1-minute load average ${result.load[0].toFixed(1)} at the start, ${result.load[1].toFixed(1)} at the end:`,
    '',
    '| install | cold p50 ms | cold min | cold max | warm p50 ms | warm min | warm max | tarball bytes (mean) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row(
      '`skills install` (our registry, embedded database)',
      times.oursCold,
      times.oursWarm,
      mean(result.tarballs.ours),
    ),
    row(
      `\`npm install\` ${result.npmVersion} (Verdaccio 6.8.0)`,
      times.npmCold,
      times.npmWarm,
      mean(result.tarballs.npm),
    ),
    `| ours / npm | ${(p50(times.oursCold) / p50(times.npmCold)).toFixed(2)}× | | | ${(p50(times.oursWarm) / p50(times.npmWarm)).toFixed(2)}× | | | |`,
    '',
    `Goal: cold ≤ 0.5× npm's cold time — ${p50(times.oursCold) <= 0.5 * p50(times.npmCold) ? 'met' : 'MISSED'}.`,
  ].join('\n');
}

function ourEnv(home) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    SKILLS_HOME: path.join(home, '.skills'),
    NO_COLOR: '1',
  };
}

/** Times one `skills install bench-root` and checks that every package of the graph landed. */
async function installOurs(bin, env, home, expected) {
  const elapsed = await timed(process.execPath, [bin, 'install', ROOT_SKILL], env, home);
  const index = JSON.parse(fs.readFileSync(path.join(env.SKILLS_HOME, 'index.json'), 'utf8'));
  const installed = Object.keys(index.skills).length;
  if (installed !== expected) throw new Error(`skills install left ${installed} skills, not ${expected}`);
  return elapsed;
}

/** Times one `npm install bench-root` in a new project with `cache`; checks node_modules. */
async function installNpm(base, cache, project, packages) {
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'bench-project', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const env = npmEnv(project, base, cache);
  const elapsed = await timed(process.execPath, [NPM_CLI, 'install', `${ROOT_SKILL}@^1.0.0`], env, project);
  for (const pkg of packages) {
    if (!fs.existsSync(path.join(project, 'node_modules', pkg.name, 'SKILL.md')))
      throw new Error(`npm install did not install ${pkg.name}`);
  }
  return elapsed;
}

/**
 * npm as a user with no configuration of their own would run it against this registry: its
 * defaults, except the audit and funding requests Verdaccio cannot answer usefully (leaving them
 * out makes npm faster, not slower) and the update check (no network here).
 */
function npmEnv(dir, base, cache) {
  const userconfig = path.join(dir, '.npmrc-bench');
  if (!fs.existsSync(userconfig)) fs.writeFileSync(userconfig, '');
  return {
    PATH: process.env.PATH,
    HOME: dir,
    npm_config_userconfig: userconfig,
    npm_config_registry: `${base}/`,
    npm_config_cache: cache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'error',
    NO_COLOR: '1',
  };
}

async function timed(command, args, env, cwd) {
  const start = performance.now();
  await runChild(command, args, env, [path.basename(command), ...args.slice(1, 3)].join(' '), { cwd });
  return performance.now() - start;
}

// --- the packages ------------------------------------------------------------------------------

/** Writes the graph's skill folders (deps first, then the root); returns their names and dirs. */
function makeGraph(dir, { deps, kib, seed }) {
  const random = mulberry32(seed * 31 + deps);
  const names = Array.from({ length: deps }, (_, i) => `bench-dep-${i + 1}`);
  const graph = [
    ...names.map((name) => ({ name, dependencies: {} })),
    { name: ROOT_SKILL, dependencies: Object.fromEntries(names.map((name) => [name, '^1.0.0'])) },
  ];
  for (const pkg of graph) {
    pkg.dir = path.join(dir, pkg.name);
    const description = `Benchmark skill ${pkg.name}, ${prose(random, 80)}. Use when measuring installs.`;
    const skillMd = `---\nname: ${pkg.name}\ndescription: ${description}\nlicense: MIT\n---\n\n# ${pkg.name}\n\n${prose(random, 1500)}\n`;
    const deps = Object.entries(pkg.dependencies);
    const skillYaml = [
      `name: ${pkg.name}`,
      "version: '1.0.0'",
      `description: ${description}`,
      'license: MIT',
      ...(deps.length ? ['dependencies:', ...deps.map(([name, range]) => `  ${name}: '${range}'`)] : []),
      '',
    ].join('\n');
    const filler = Math.max(0, kib * 1024 - skillMd.length - skillYaml.length);
    pkg.files = {
      'SKILL.md': skillMd,
      'docs/reference.md': `# Reference\n\n${prose(random, filler - 14)}\n`,
    };
    pkg.description = description;
    writeFiles(pkg.dir, { ...pkg.files, 'skill.yaml': skillYaml });
  }
  return graph;
}

function writeFiles(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** Words of the shared vocabulary, `length` characters of them, so files compress like text. */
function prose(random, length) {
  let text = '';
  while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return text.slice(0, Math.max(0, length)).trim();
}

// --- the registries ----------------------------------------------------------------------------

/** Our registry on the embedded database with the graph published through `--examples`. */
async function startOurs(dataDir, packages) {
  const examples = path.dirname(packages[0].dir);
  const child = startChild(
    process.execPath,
    [REGISTRY_BIN, 'serve', '--examples', examples],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SKILLS_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    },
    'skills-registry serve (install bench)',
  );
  const match = await waitForOutput(child, /listening on (http:\/\/\S+)[\s\S]*git clone/);
  const url = match[1];
  const tarballBytes = [];
  for (const pkg of packages) {
    const response = await fetch(`${url}/api/v1/skills/${pkg.name}/1.0.0`);
    const body = await response.json();
    if (!response.ok || !body.indexed)
      throw new Error(`${pkg.name}@1.0.0 is not indexed: ${JSON.stringify(body)}`);
    tarballBytes.push(body.line.size);
  }
  return { child, url, tarballBytes };
}

/** `npm publish` of the same graph (package.json in place of skill.yaml), deps first. */
async function publishToVerdaccio(verdaccio, packages, dir) {
  const token = await verdaccio.addUser('bench', 'bench-password-not-secret');
  const npmrc = path.join(dir, '.npmrc');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(npmrc, `//${new URL(verdaccio.base).host}/:_authToken=${token}\n`);
  for (const pkg of packages) {
    const pkgDir = path.join(dir, pkg.name);
    const manifest = {
      name: pkg.name,
      version: '1.0.0',
      description: pkg.description,
      license: 'MIT',
      dependencies: pkg.dependencies,
    };
    writeFiles(pkgDir, { ...pkg.files, 'package.json': `${JSON.stringify(manifest, null, 2)}\n` });
    await runChild(
      process.execPath,
      [NPM_CLI, 'publish'],
      { ...npmEnv(dir, verdaccio.base, path.join(dir, 'cache')), npm_config_userconfig: npmrc },
      `npm publish ${pkg.name}`,
      { cwd: pkgDir },
    );
    await runChild(
      process.execPath,
      [NPM_CLI, 'pack', '--pack-destination', dir],
      npmEnv(dir, verdaccio.base, path.join(dir, 'cache')),
      `npm pack ${pkg.name}`,
      { cwd: pkgDir },
    );
  }
}

function npmTarballBytes(dir) {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => fs.statSync(path.join(dir, name)).size);
}

const ms = (value) => value.toFixed(1);
