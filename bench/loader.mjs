// discoverSkills and loadSkills of the BUILT @skills/loader over 1,000 generated installed skills.
//
//   npx tsc -b loader && node bench/loader.mjs [--skills 1000] [--runs 15]
//
// Two trees of the same skills: one whose SKILL.md frontmatter is in the simple form nearly every
// skill uses (`key: value`, a `metadata:` block), one whose descriptions are folded YAML blocks, so
// every frontmatter needs the YAML library. Time: the median (and min, max) of `--runs` in-process
// calls after one warm-up call, `performance.now()` around the call only, files in the page cache.
// CPU time (user + system, `process.cpuUsage`) is printed beside the wall time: on a shared
// machine it moves less with the load. Start-up: a fresh `node` process importing the loader, and
// importing it and discovering.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const options = { skills: 1000, runs: 15 };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i]?.replace(/^--/, '');
  if (!(key in options)) {
    console.error(`unknown option ${process.argv[i]}; see the comment at the top of ${SELF}`);
    process.exit(2);
  }
  options[key] = Number(process.argv[i + 1]);
}

const loader = await import('@skills/loader').catch((error) => {
  console.error('Cannot load @skills/loader: build it first with `npx tsc -b loader`.');
  throw error;
});

const WORDS = (
  'review test commit release deploy audit debug profile migrate document refactor lint format ' +
  'secure benchmark trace bisect triage plan design schema query index cache stream parse render ' +
  'publish install verify sign package bundle compile serve monitor alert report summarise explain'
).split(' ');

function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
const random = rng(1);
const pick = (list) => list[Math.floor(random() * list.length)];
const sentence = (words) => Array.from({ length: words }, () => pick(WORDS)).join(' ');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A package like the examples: ~5 KiB SKILL.md, skill.yaml, docs, references, a script; a tool on one in ten. */
function packageFiles(name, version, folded) {
  const first = sentence(15);
  const second = `${sentence(15)}. Use when asked to ${sentence(8)}.`;
  const description = `${first} ${second}`;
  const frontmatter = folded
    ? `name: ${name}\ndescription: >-\n  ${first}\n  ${second}\nlicense: MIT\n`
    : `name: ${name}\ndescription: ${description}\nlicense: MIT\ncompatibility: Needs git and a POSIX sh.\nmetadata:\n  author: Bench\n  topic: ${pick(WORDS)}\nallowed-tools: Bash(git:*) Read Grep\n`;
  const body = Array.from({ length: 40 }, (_, i) => `${i % 8 === 0 ? '\n## ' : '- '}${sentence(18)}`).join(
    '\n',
  );
  const files = {
    'SKILL.md': `---\n${frontmatter}---\n\n# ${name}\n${body}\n`,
    'skill.yaml': [
      `name: ${name}`,
      `version: '${version}'`,
      'license: MIT',
      'authors:',
      '  - Bench <bench@example.com>',
      'keywords:',
      ...Array.from({ length: 4 }, (_, i) => `  - ${WORDS[(name.length + i * 7) % WORDS.length]}`),
      'extensions:',
      '  roundtable:',
      `    domain: ${pick(WORDS)}`,
      '    systemPrompt: >-',
      `      You are an expert. ${sentence(40)}.`,
      '',
    ].join('\n'),
    'docs/usage.md': `# Using ${name}\n\n${sentence(200)}\n`,
    'references/notes.md': `# Notes\n\n${sentence(300)}\n`,
    'scripts/run.sh': `#!/bin/sh\necho ${name}\n`,
  };
  if (random() < 0.1) {
    files['.skill/openai.json'] = JSON.stringify({
      type: 'function',
      function: {
        name: name.replaceAll('-', '_'),
        description: sentence(12),
        parameters: { type: 'object', properties: {} },
      },
    });
  }
  return files;
}

function generateTree(home, count, folded) {
  const skills = {};
  for (let i = 0; i < count; i++) {
    const name = `${pick(WORDS)}-${pick(WORDS)}-${i}`;
    const version = `1.${i % 7}.${i % 13}`;
    const dir = path.join(home, name, version);
    const digests = {};
    for (const [file, content] of Object.entries(packageFiles(name, version, folded))) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
      digests[file] = sha256(content);
    }
    fs.writeFileSync(path.join(dir, '.skills-ok'), '');
    skills[name] = {
      active: version,
      versions: {
        [version]: {
          registry: 'https://registry.example/config.json',
          sha256: sha256(`${name}@${version}`),
          files: Object.fromEntries(Object.entries(digests).sort()),
          signer: null,
          requiredBy: [],
        },
      },
    };
  }
  fs.writeFileSync(path.join(home, 'index.json'), JSON.stringify({ version: 1, skills }, null, 2));
}

async function timeRuns(run, runs, check) {
  check(await run()); // warm-up, and proof that the call did the work
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await run();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { median: median(wall), min: Math.min(...wall), max: Math.max(...wall), cpu: median(cpu) };
}

/** Median wall time of a fresh `node` running `script`, in ms (process start included). */
function childRuns(script, env, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); ${script}; console.log(performance.now() - t);`,
      ],
      { cwd: path.dirname(SELF), env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skills-bench-loader-'));
try {
  const rows = [];
  const expectAll = (result) => {
    if (result.skills.length !== options.skills || result.diagnostics.length !== 0) {
      throw new Error(
        `expected ${options.skills} skills and no diagnostics, got ${result.skills.length}: ${JSON.stringify(result.diagnostics.slice(0, 3))}`,
      );
    }
  };
  for (const folded of [false, true]) {
    const home = path.join(work, folded ? 'folded' : 'simple');
    generateTree(home, options.skills, folded);
    // No project: the working directory is the temp folder, outside any skills.json.
    const base = { home, cwd: work, scopes: ['global'] };
    const tree = folded ? 'folded frontmatter' : 'simple frontmatter';
    rows.push([
      `discoverSkills, ${tree}`,
      await timeRuns(() => loader.discoverSkills(base), options.runs, expectAll),
    ]);
    if (folded) continue;
    rows.push([
      `loadSkills, ${tree}`,
      await timeRuns(() => loader.loadSkills(base), options.runs, expectAll),
    ]);
    rows.push([
      `loadSkills + integrity, ${tree}`,
      await timeRuns(() => loader.loadSkills({ ...base, integrity: true }), options.runs, expectAll),
    ]);
  }

  const simpleHome = path.join(work, 'simple');
  const env = { SKILLS_HOME: simpleHome, HOME: work };
  const childCount = Math.max(5, Math.floor(options.runs / 2));
  const startup = [
    ['node, nothing imported', childRuns('', env, childCount)],
    ["import '@skills/loader'", childRuns("await import('@skills/loader')", env, childCount)],
    [
      "import '@skills/loader' + discoverSkills()",
      childRuns("const l = await import('@skills/loader'); await l.discoverSkills()", env, childCount),
    ],
    [
      "import '@skills/schema' (root entry, for comparison)",
      childRuns("await import('@skills/schema')", env, childCount),
    ],
  ];

  const files = Object.keys(
    JSON.parse(fs.readFileSync(path.join(simpleHome, 'index.json'), 'utf8')).skills,
  ).length;
  console.log(`${files} installed skills per tree, 5-6 files each (SKILL.md ~5 KiB), runs: ${options.runs}.`);
  console.log(
    `Machine: Node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${os.platform()} ${os.arch()}, load ${os.loadavg()[0].toFixed(2)}.`,
  );
  console.log('');
  console.log('| call | median ms | min ms | max ms | median CPU ms |');
  console.log('| ---- | --------: | -----: | -----: | ------------: |');
  for (const [name, t] of rows) {
    console.log(
      `| ${name} | ${t.median.toFixed(1)} | ${t.min.toFixed(1)} | ${t.max.toFixed(1)} | ${t.cpu.toFixed(1)} |`,
    );
  }
  console.log('');
  console.log(
    `Fresh process, median of ${childCount} (ms inside the process, from the first line of the script):`,
  );
  console.log('');
  console.log('| start-up | median ms |');
  console.log('| -------- | --------: |');
  for (const [name, ms] of startup) console.log(`| ${name} | ${ms.toFixed(1)} |`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
