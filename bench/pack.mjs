// Pack, inspect and extract a generated 1,000-file, 5 MiB skill with the BUILT @skills/schema/archive.
//
//   cd /work/main && npx tsc -b schema && node bench/pack.mjs [--runs 9]
//
// Time: the median of several in-process runs after one warm-up run. Memory: each operation runs
// once more in a fresh child process, which reports the kernel's high-water mark of its resident
// set (`process.resourceUsage().maxRSS`) at its end; "RSS added" subtracts the peak of a baseline
// child that loads the module and reads the input but runs nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const FILES = 1000;
const TOTAL_BYTES = 5 * 1024 * 1024;
const FOLDERS = ['docs', 'references', 'assets', 'scripts', 'src', 'examples', 'templates', 'data', 'notes'];
// 1,000 files and their folders are more than the default 1,000 entries: raise that limit only.
const LIMITS = { entries: FILES + FOLDERS.length + 1 };

const archive = await loadArchive();
const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1], args[2], args[3]);
} else {
  await main(args[0] === '--runs' ? Number(args[1]) : 9);
}

async function loadArchive() {
  try {
    return await import('@skills/schema/archive');
  } catch (error) {
    console.error('Cannot load @skills/schema/archive: build it first with `npx tsc -b schema`.');
    throw error;
  }
}

async function main(runs) {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'skills-bench-pack-'));
  try {
    const skill = path.join(work, 'skill');
    await generateSkill(skill);
    const packed = await archive.pack(skill, { limits: LIMITS });
    const archiveFile = path.join(work, 'skill.tgz');
    await fs.writeFile(archiveFile, packed.bytes);

    const dest = path.join(work, 'out');
    // Each operation is timed alone; `after` cleans up between runs, untimed.
    const operations = {
      pack: { run: () => archive.pack(skill, { limits: LIMITS }) },
      inspect: { run: () => archive.inspect(packed.bytes, LIMITS) },
      extract: {
        run: () => archive.extract(packed.bytes, dest, LIMITS),
        after: () => fs.rm(dest, { recursive: true }),
      },
    };
    const peakRss = (name) =>
      Number(
        execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--child', name, skill, archiveFile],
          {
            encoding: 'utf8',
          },
        ),
      );
    const baseline = peakRss('baseline');
    const rows = [];
    for (const [name, operation] of Object.entries(operations)) {
      rows.push({ name, times: await timeRuns(operation, runs), peak: peakRss(name) });
    }

    console.log(`Skill: ${FILES} files in ${FOLDERS.length} folders, ${mib(TOTAL_BYTES)} MiB;`);
    console.log(
      `archive ${mib(packed.size)} MiB compressed, ${mib(packed.unpackedSize)} MiB unpacked, ${packed.entries} entries.`,
    );
    console.log(
      `Machine: Node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${os.platform()} ${os.arch()}.`,
    );
    console.log(`Runs: ${runs} after one warm-up; baseline child peak RSS ${mib(baseline)} MiB.\n`);
    console.log('| operation | median ms | min ms | max ms | peak RSS MiB | RSS added MiB |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const { name, times, peak } of rows) {
      const cells = [median(times), Math.min(...times), Math.max(...times)].map((ms) => ms.toFixed(1));
      console.log(`| ${name} | ${cells.join(' | ')} | ${mib(peak)} | ${mib(peak - baseline)} |`);
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Runs one operation (none for the baseline) in this fresh process and prints its peak RSS in bytes. */
async function child(name, skill, archiveFile) {
  const bytes = await fs.readFile(archiveFile);
  const dest = path.join(path.dirname(archiveFile), `child-${process.pid}`);
  if (name === 'pack') await archive.pack(skill, { limits: LIMITS });
  if (name === 'inspect') await archive.inspect(bytes, LIMITS);
  if (name === 'extract') await archive.extract(bytes, dest, LIMITS);
  const peak = process.resourceUsage().maxRSS * 1024;
  await fs.rm(dest, { recursive: true, force: true });
  process.stdout.write(String(peak));
}

async function timeRuns({ run, after }, runs) {
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    await run();
    // Run 0 warms up.
    if (i > 0) times.push(performance.now() - start);
    await after?.();
  }
  return times;
}

/** Text-like files (words from a small vocabulary, so they compress like prose) of varied sizes. */
async function generateSkill(root) {
  const random = mulberry32(42);
  const words = Array.from({ length: 2000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 8) }, () =>
      String.fromCharCode(97 + Math.floor(random() * 26)),
    ).join(''),
  );
  const text = (bytes) => {
    let out = '';
    while (out.length < bytes)
      out += `${words[Math.floor(random() * words.length)]}${random() < 0.1 ? '\n' : ' '}`;
    return out.slice(0, bytes);
  };
  await fs.mkdir(root);
  await fs.writeFile(
    path.join(root, 'SKILL.md'),
    '---\nname: bench-skill\ndescription: A generated skill.\n---\n',
  );
  await fs.writeFile(path.join(root, 'skill.yaml'), 'name: bench-skill\nversion: 1.0.0\n');
  for (const folder of FOLDERS) await fs.mkdir(path.join(root, folder));
  const average = TOTAL_BYTES / (FILES - 2);
  for (let i = 0; i < FILES - 2; i++) {
    const folder = FOLDERS[i % FOLDERS.length];
    // Sizes from 0.2x to 1.8x the average keep the total near 5 MiB.
    const size = Math.round(average * (0.2 + 1.6 * random()));
    await fs.writeFile(path.join(root, folder, `file-${String(i).padStart(4, '0')}.md`), text(size));
  }
}

function mulberry32(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function mib(bytes) {
  return (bytes / 1024 / 1024).toFixed(1);
}
