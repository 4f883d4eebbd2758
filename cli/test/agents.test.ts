import { lstat, mkdir, readFile, readlink, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAMP_FILE, type InstalledSkill, type RoundtableExport } from '../src/agents/place.js';
import { readAgentRecords } from '../src/agents/records.js';
import { syncAgents, type SyncAgentsOptions } from '../src/agents/sync.js';
import { parseAgents } from '../src/agents/targets.js';
import { tempDir } from './helpers.js';

async function installed(home: string, name: string, version: string): Promise<InstalledSkill> {
  const dir = path.join(home, name, version);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'SKILL.md'), `---\nname: ${name}\ndescription: d\n---\nv${version}\n`);
  await writeFile(path.join(dir, '.skills-ok'), '');
  return { name, version, dir };
}

const roundtable = async (skill: InstalledSkill): Promise<RoundtableExport> =>
  skill.name === 'short'
    ? { skipped: `${skill.name}: its prompt is too short` }
    : { yaml: `id: ${skill.name}\nversion: ${skill.version}\n`, warnings: [] };

async function setup() {
  const root = await tempDir();
  const home = path.join(root, 'project', '.skills');
  const base = (over: Partial<SyncAgentsOptions>): SyncAgentsOptions => ({
    scopeHome: home,
    root: path.join(root, 'project'),
    agents: [],
    present: [],
    removed: [],
    roundtable,
    ...over,
  });
  return { root, home, project: path.join(root, 'project'), base };
}

describe('agent targets', () => {
  it('links each chosen agent’s folder to the installed skill, and writes Roundtable’s YAML', async () => {
    const { home, project, base } = await setup();
    const skill = await installed(home, 'code-review', '1.0.0');
    const result = await syncAgents(base({ agents: ['claude', 'agents', 'roundtable'], present: [skill] }));
    expect(result.warnings).toEqual([]);
    expect(await readlink(path.join(project, '.claude/skills/code-review'))).toBe(
      '../../.skills/code-review/1.0.0',
    );
    expect(await realpath(path.join(project, '.agents/skills/code-review'))).toBe(await realpath(skill.dir));
    expect(await readFile(path.join(project, '.roundtable/skills/code-review.yaml'), 'utf8')).toBe(
      'id: code-review\nversion: 1.0.0\n',
    );
    expect((await readAgentRecords(home)).entries.map((entry) => entry.kind)).toEqual([
      'symlink',
      'symlink',
      'file',
    ]);
  });

  it('writes nothing for an agent the user did not choose', async () => {
    const { home, project, base } = await setup();
    await syncAgents(base({ agents: ['claude'], present: [await installed(home, 'a', '1.0.0')] }));
    await expect(lstat(path.join(project, '.agents'))).rejects.toThrow();
    await expect(lstat(path.join(project, '.roundtable'))).rejects.toThrow();
  });

  it('refreshes recorded entries on update without being asked again, and removes them on uninstall', async () => {
    const { home, project, base } = await setup();
    await syncAgents(
      base({ agents: ['claude', 'roundtable'], present: [await installed(home, 'a', '1.0.0')] }),
    );
    const next = await installed(home, 'a', '1.1.0');
    await syncAgents(base({ present: [next] }));
    expect(await readlink(path.join(project, '.claude/skills/a'))).toBe('../../.skills/a/1.1.0');
    expect(await readFile(path.join(project, '.roundtable/skills/a.yaml'), 'utf8')).toContain('1.1.0');
    const removed = await syncAgents(base({ removed: ['a'] }));
    expect(removed.removed).toHaveLength(2);
    await expect(lstat(path.join(project, '.claude/skills/a'))).rejects.toThrow();
    await expect(lstat(path.join(project, '.roundtable/skills/a.yaml'))).rejects.toThrow();
    expect((await readAgentRecords(home)).entries).toEqual([]);
  });

  it('never touches a hand-made file or folder in an agent’s folder', async () => {
    const { home, project, base } = await setup();
    const mine = path.join(project, '.claude/skills/a');
    await mkdir(mine, { recursive: true });
    await writeFile(path.join(mine, 'SKILL.md'), 'my own');
    const result = await syncAgents(
      base({ agents: ['claude'], present: [await installed(home, 'a', '1.0.0')] }),
    );
    expect(result.warnings).toEqual([`${mine} exists and was not made by skills: left as it is`]);
    expect(await readFile(path.join(mine, 'SKILL.md'), 'utf8')).toBe('my own');
    await syncAgents(base({ removed: ['a'] }));
    expect(await readFile(path.join(mine, 'SKILL.md'), 'utf8')).toBe('my own');
  });

  it('leaves a Roundtable file the user edited after skills wrote it', async () => {
    const { home, project, base } = await setup();
    await syncAgents(base({ agents: ['roundtable'], present: [await installed(home, 'a', '1.0.0')] }));
    const file = path.join(project, '.roundtable/skills/a.yaml');
    await writeFile(file, 'id: a\n# my notes\n');
    const result = await syncAgents(base({ removed: ['a'] }));
    expect(result.warnings).toEqual([`${file} was changed since skills made it: left as it is`]);
    expect(await readFile(file, 'utf8')).toBe('id: a\n# my notes\n');
  });

  it('copies the skill, stamped as its own, when symlinks cannot be made, and refreshes and removes the copy', async () => {
    const { home, project, base } = await setup();
    const refuse = async () => {
      throw Object.assign(new Error('EPERM: operation not permitted, symlink'), { code: 'EPERM' });
    };
    const first = await syncAgents(
      base({ agents: ['agents'], present: [await installed(home, 'a', '1.0.0')], symlink: refuse }),
    );
    const copy = path.join(project, '.agents/skills/a');
    expect(first.warnings).toEqual([`${copy} is a copy: this system could not make a symbolic link`]);
    expect((await lstat(copy)).isDirectory()).toBe(true);
    expect(await readFile(path.join(copy, 'SKILL.md'), 'utf8')).toContain('v1.0.0');
    expect(await readFile(path.join(copy, STAMP_FILE), 'utf8')).toMatch(/^[0-9a-f]{24}\n$/);
    await syncAgents(base({ present: [await installed(home, 'a', '2.0.0')], symlink: refuse }));
    expect(await readFile(path.join(copy, 'SKILL.md'), 'utf8')).toContain('v2.0.0');
    await syncAgents(base({ removed: ['a'] }));
    await expect(lstat(copy)).rejects.toThrow();
  });

  it('skips a skill Roundtable cannot take, saying why', async () => {
    const { home, project, base } = await setup();
    const result = await syncAgents(
      base({ agents: ['roundtable'], present: [await installed(home, 'short', '1.0.0')] }),
    );
    expect(result.warnings).toEqual(['short: its prompt is too short']);
    await expect(lstat(path.join(project, '.roundtable/skills/short.yaml'))).rejects.toThrow();
  });

  it('adopts a link that already points at the installed folder (a lost agents.json)', async () => {
    const { home, base } = await setup();
    const skill = await installed(home, 'a', '1.0.0');
    await syncAgents(base({ agents: ['claude'], present: [skill] }));
    await writeFile(path.join(home, 'agents.json'), '{"version":1,"entries":[]}');
    const again = await syncAgents(base({ agents: ['claude'], present: [skill] }));
    expect(again.warnings).toEqual([]);
    expect((await readAgentRecords(home)).entries).toHaveLength(1);
  });

  it('parses --agent lists and refuses unknown agents as usage errors', () => {
    expect(parseAgents('claude, agents,claude')).toEqual(['claude', 'agents']);
    expect(() => parseAgents('claude,vim')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('refuses a damaged agents.json instead of forgetting what it made', async () => {
    const { home, base } = await setup();
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, 'agents.json'), '{"version":1,"entries":[{"agent":"vim"}]}');
    await expect(syncAgents(base({}))).rejects.toMatchObject({ code: 'STATE_INVALID' });
  });
});
