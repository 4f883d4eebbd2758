import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProjectRoot, projectSkillsDir, skillsHomeDir, userHomeDir } from '../src/project.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'skills-project-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Makes the folders of `tree` under a fresh folder; names ending in `skills.json` become files. */
function tree(...entries: string[]): string {
  const base = mkdtempSync(path.join(root, 't-'));
  for (const entry of entries) {
    const full = path.join(base, entry);
    if (entry.endsWith('skills.json')) {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, '{"version":1,"skills":{}}\n');
    } else {
      mkdirSync(full, { recursive: true });
    }
  }
  return base;
}

describe('findProjectRoot', () => {
  it('finds skills.json in the working directory', () => {
    const base = tree('proj/skills.json');
    expect(findProjectRoot(path.join(base, 'proj'))).toBe(path.join(base, 'proj'));
  });

  it('finds the nearest ancestor holding skills.json', () => {
    const base = tree('proj/skills.json', 'proj/sub/skills.json', 'proj/sub/deep/er');
    expect(findProjectRoot(path.join(base, 'proj/sub/deep/er'))).toBe(path.join(base, 'proj/sub'));
  });

  it('does not take .skills/ alone for a project', () => {
    const base = tree('proj/.skills', 'proj/src');
    expect(findProjectRoot(path.join(base, 'proj/src'), { userHome: base })).toBeNull();
  });

  it('does not take a folder named skills.json for the marker', () => {
    const base = tree('proj/skills.json/x');
    expect(findProjectRoot(path.join(base, 'proj'), { userHome: base })).toBeNull();
  });

  it('stops before the home directory', () => {
    const base = tree('home/skills.json', 'home/work/app');
    const home = path.join(base, 'home');
    expect(findProjectRoot(path.join(home, 'work/app'), { userHome: home })).toBeNull();
    expect(findProjectRoot(home, { userHome: home })).toBeNull();
    // Without the stop the same walk finds it.
    expect(findProjectRoot(path.join(home, 'work/app'))).toBe(home);
  });

  it('never takes $SKILLS_HOME for a project, and looks past it', () => {
    const base = tree('outer/skills.json', 'outer/skills-home/skills.json', 'outer/skills-home/a/1.0.0');
    const skillsHome = path.join(base, 'outer/skills-home');
    expect(findProjectRoot(path.join(skillsHome, 'a/1.0.0'), { skillsHome })).toBe(path.join(base, 'outer'));
  });

  it('never takes a folder inside $SKILLS_HOME for a project: an installed package may ship a skills.json', () => {
    const base = tree('home/.skills/demo/1.0.0/skills.json', 'home/.skills/demo/1.0.0/docs');
    const home = path.join(base, 'home');
    const skillsHome = path.join(home, '.skills');
    expect(
      findProjectRoot(path.join(skillsHome, 'demo/1.0.0/docs'), { userHome: home, skillsHome }),
    ).toBeNull();
  });

  it('walks up to the file-system root when the home directory is not above', () => {
    const base = tree('a/b');
    expect(findProjectRoot(path.join(base, 'a/b'), { userHome: path.join(base, 'elsewhere') })).toBeNull();
  });

  it('resolves a relative working directory', () => {
    const base = tree('proj/skills.json');
    const relative = path.relative(process.cwd(), path.join(base, 'proj'));
    expect(findProjectRoot(relative)).toBe(path.join(base, 'proj'));
  });

  it('puts the installed tree in .skills beside skills.json', () => {
    expect(projectSkillsDir('/work/app')).toBe(path.join('/work/app', '.skills'));
  });
});

describe('skills home', () => {
  it('takes SKILLS_HOME when set, resolved', () => {
    expect(skillsHomeDir({ SKILLS_HOME: '/opt/skills', HOME: '/home/u' })).toBe(path.resolve('/opt/skills'));
    expect(skillsHomeDir({ SKILLS_HOME: 'rel' })).toBe(path.resolve('rel'));
    expect(skillsHomeDir({ SKILLS_HOME: 'rel' }, '/work')).toBe(path.resolve('/work/rel'));
  });

  it('defaults to ~/.skills, from the given HOME', () => {
    expect(skillsHomeDir({ HOME: '/home/u' })).toBe(path.resolve('/home/u/.skills'));
    expect(skillsHomeDir({ SKILLS_HOME: '', HOME: '/home/u' })).toBe(path.resolve('/home/u/.skills'));
  });

  it('finds the home directory in HOME, then USERPROFILE, then the operating system', () => {
    expect(userHomeDir({ HOME: '/home/u', USERPROFILE: 'C:\\Users\\u' })).toBe(path.resolve('/home/u'));
    expect(userHomeDir({ USERPROFILE: '/users/u' })).toBe(path.resolve('/users/u'));
    expect(userHomeDir({})).toBe(path.resolve(os.homedir()));
  });
});
