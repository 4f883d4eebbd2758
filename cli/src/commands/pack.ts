import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from '../clipanion.js';
import { pack } from '@skills/schema/archive';
import { BaseCommand } from '../base-command.js';
import { checkPackage, displayPath } from '../package-check.js';

export class PackCommand extends BaseCommand {
  static override paths = [['pack']];

  static override usage = Command.Usage({
    category: 'Packages',
    description: 'pack a skill package into a tarball',
    details: `
      Validates the package as \`skills validate\` does and refuses when it has errors, writing nothing. Then packs it into a deterministic \`.tar.gz\`: packing the same folder gives the same bytes and sha256 on any machine with the same Node.js major version. Which files go in follows \`files\` in \`skill.yaml\` and \`.skillsignore\` (docs/PACKAGE_FORMAT.md); an archive rule the folder breaks (a symbolic link, a path too long, …) fails with that rule's \`ARCHIVE_*\` code.

      The tarball is written as \`<name>-<version>.tgz\` into the working directory, or into the folder given with \`--out\`, through a temporary name and a rename, so no reader sees half a tarball. With \`--dry-run\` nothing is written: the command only lists the files the tarball would contain. Sizes are printed in powers of 1000 (B, kB, MB), as npm does.

      JSON: \`{"ok":true,"name","version","file":"<absolute path>"|null,"sha256","size","unpacked_size","files":[{"path","size"}…],"warnings":[]}\` — \`size\` is the tarball's size; \`unpacked_size\` the uncompressed tar stream's, headers and padding included (what the registry's unpacked-size limit counts); \`files\` lists regular files sorted by path bytes.
    `,
    examples: [
      ['Pack the package in the current folder', '$0 pack'],
      ['List what would be packed, without writing anything', '$0 pack --dry-run'],
      ['Pack ./pdf-tools into ./dist and print the result as JSON', '$0 pack ./pdf-tools --out dist --json'],
    ],
  });

  dryRun = Option.Boolean('--dry-run', false, {
    description: 'List the files and the digest without writing the tarball',
  });

  out = Option.String('--out', {
    description: 'The folder to write the tarball into (default: the working directory)',
  });

  dir = Option.String({ name: 'dir', required: false });

  async execute(): Promise<number> {
    const dir = this.resolvePath(this.dir);
    const cwd = this.context.cwd ?? process.cwd();
    const { manifest } = await checkPackage(this.report, dir, displayPath(cwd, dir));
    const packed = await pack(dir, manifest.files === undefined ? {} : { files: manifest.files });

    const fileName = `${manifest.name}-${manifest.version}.tgz`;
    let file: string | null = null;
    if (!this.dryRun) {
      const outDir = this.resolvePath(this.out);
      await mkdir(outDir, { recursive: true });
      file = path.join(outDir, fileName);
      await writeAtomically(file, packed.bytes);
    }

    const { out } = this.report;
    const sizes = packed.files.map((entry) => formatBytes(entry.size));
    const width = Math.max(0, ...sizes.map((size) => size.length));
    this.report.result(out.bold(`${manifest.name}@${manifest.version}`));
    this.report.result('Tarball contents');
    packed.files.forEach((entry, i) =>
      this.report.result(`${(sizes[i] ?? '').padStart(width)}  ${entry.path}`),
    );
    this.report.result('Tarball details');
    this.report.result(`name:          ${manifest.name}`);
    this.report.result(`version:       ${manifest.version}`);
    this.report.result(`filename:      ${fileName}`);
    this.report.result(`package size:  ${formatBytes(packed.size)}`);
    this.report.result(`unpacked size: ${formatBytes(packed.unpackedSize)}`);
    this.report.result(`sha256:        ${packed.sha256}`);
    this.report.result(`total files:   ${packed.files.length}`);
    this.report.result(
      file === null ? 'Dry run: nothing written' : `Wrote ${out.bold(displayPath(cwd, file))}`,
    );

    return this.report.success({
      name: manifest.name,
      version: manifest.version,
      file,
      sha256: packed.sha256,
      size: packed.size,
      unpacked_size: packed.unpackedSize,
      files: packed.files.map((entry) => ({ path: entry.path, size: entry.size })),
    });
  }
}

/** Readers never see a half-written tarball: write a temporary sibling, then rename it over. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Sizes as npm prints them: bytes below 1 kB, then kB and MB in powers of 1000. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
