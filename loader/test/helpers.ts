import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extract, pack } from '@skills/schema/archive';
import { afterAll } from 'vitest';
import { parse as parseYaml } from 'yaml';

/** A body of 24 words: long enough for Roundtable. */
export const BODY =
  '# Use\n\nRead the change, run the tests, and write one comment per problem with the file, the line, why it matters and a fix.\n';

export interface SkillSpec {
  name: string;
  version: string;
  description?: string;
  /** The whole SKILL.md, instead of one built from name, description and body. */
  skillMd?: string;
  body?: string;
  /** The whole skill.yaml, instead of one built from name, version and `manifest`. */
  skillYaml?: string;
  /** More skill.yaml lines, after name and version. */
  manifest?: string;
  /** More files of the package, by relative path. */
  files?: Record<string, string>;
  /** Leave out the .skills-ok marker. */
  noMarker?: boolean;
}

export interface VersionRecord {
  registry: string;
  sha256: string;
  files: Record<string, string>;
  signer: string | null;
  requiredBy: string[];
}

/** An installed tree (`$SKILLS_HOME` or `<project>/.skills`) written the way DESIGN §6 lays it out. */
export class InstalledTree {
  readonly records: Record<string, { active: string; versions: Record<string, VersionRecord> }> = {};

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Writes `<name>/<version>/`, records it and makes it the active version; returns its folder. */
  install(spec: SkillSpec): string {
    const dir = path.join(this.dir, spec.name, spec.version);
    const description = spec.description ?? `Does ${spec.name} things. Use when ${spec.name} is needed.`;
    const files: Record<string, string> = {
      'SKILL.md':
        spec.skillMd ?? `---\nname: ${spec.name}\ndescription: ${description}\n---\n${spec.body ?? BODY}`,
      'skill.yaml':
        spec.skillYaml ?? `name: ${spec.name}\nversion: '${spec.version}'\n${spec.manifest ?? ''}`,
      'docs/usage.md': `# ${spec.name}\n`,
      ...spec.files,
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    if (spec.noMarker !== true) writeFileSync(path.join(dir, '.skills-ok'), '');
    const digests = Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((file) => [file, sha256(readFileSync(path.join(dir, file)))]),
    );
    const record: VersionRecord = {
      registry: 'https://registry.example/config.json',
      sha256: sha256(`${spec.name}@${spec.version}.tgz`),
      files: digests,
      signer: null,
      requiredBy: [],
    };
    const entry = (this.records[spec.name] ??= { active: spec.version, versions: {} });
    entry.versions[spec.version] = record;
    entry.active = spec.version;
    this.writeIndex();
    return dir;
  }

  /**
   * Installs a package folder the way the CLI does: packed to the deterministic archive, extracted
   * into `<name>/<version>/`, the marker written last, then recorded with the tarball's sha256.
   */
  async installFolder(source: string): Promise<string> {
    const manifest = parseYaml(readFileSync(path.join(source, 'skill.yaml'), 'utf8')) as {
      name: string;
      version: string;
      files?: string[];
    };
    const packed = await pack(source, manifest.files === undefined ? {} : { files: manifest.files });
    const dir = path.join(this.dir, manifest.name, manifest.version);
    const contents = await extract(packed.bytes, dir);
    writeFileSync(path.join(dir, '.skills-ok'), '');
    const files = Object.fromEntries(
      contents.files.map((file) => [file.path, sha256(readFileSync(path.join(dir, file.path)))]),
    );
    this.records[manifest.name] = {
      active: manifest.version,
      versions: {
        [manifest.version]: {
          registry: 'https://registry.example/config.json',
          sha256: packed.sha256,
          files,
          signer: null,
          requiredBy: [],
        },
      },
    };
    this.writeIndex();
    return dir;
  }

  writeIndex(): void {
    writeFileSync(
      path.join(this.dir, 'index.json'),
      `${JSON.stringify({ version: 1, skills: this.records }, null, 2)}\n`,
    );
  }
}

export interface Sandbox {
  root: string;
  /** The user's home directory (HOME). */
  userHome: string;
  /** The global tree, `<userHome>/.skills`. */
  global: InstalledTree;
  /** A project with skills.json, under the user's home. */
  projectDir: string;
  project: InstalledTree;
  /** Options that point the loader at this sandbox. */
  options: { cwd: string; env: Record<string, string> };
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

export function sandbox(): Sandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), 'skills-loader-'));
  roots.push(root);
  const userHome = path.join(root, 'home');
  const projectDir = path.join(userHome, 'work', 'app');
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(path.join(projectDir, 'skills.json'), '{"version":1,"skills":{}}\n');
  return {
    root,
    userHome,
    global: new InstalledTree(path.join(userHome, '.skills')),
    projectDir,
    project: new InstalledTree(path.join(projectDir, '.skills')),
    options: { cwd: projectDir, env: { HOME: userHome } },
  };
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file below `dir`, relative, for "nothing was written" checks. */
export function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((name) => {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    return statSync(path.join(dir, relative)).isDirectory() ? listTree(dir, relative) : [relative];
  });
}
