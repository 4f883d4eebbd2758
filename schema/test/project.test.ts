import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../src/project.js';

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tree(files: string[]): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'skills-project-'));
  temps.push(root);
  for (const file of files) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    if (!file.endsWith('/')) await writeFile(path.join(root, file), '{"version":1,"skills":{}}\n');
  }
  return root;
}

describe('findProjectRoot', () => {
  it('finds the nearest ancestor holding skills.json, the working directory included', async () => {
    const root = await tree([
      'home/work/app/skills.json',
      'home/work/app/src/deep/',
      'home/work/skills.json',
    ]);
    const home = path.join(root, 'home');
    const skillsHome = path.join(home, '.skills');
    const app = path.join(home, 'work/app');
    expect(findProjectRoot({ cwd: path.join(app, 'src/deep'), home, skillsHome })).toBe(app);
    expect(findProjectRoot({ cwd: app, home, skillsHome })).toBe(app);
  });

  it('stops before $HOME: a skills.json in the home directory makes no project', async () => {
    const root = await tree(['home/skills.json', 'home/work/']);
    const home = path.join(root, 'home');
    expect(
      findProjectRoot({ cwd: path.join(home, 'work'), home, skillsHome: path.join(home, '.skills') }),
    ).toBeNull();
    expect(findProjectRoot({ cwd: home, home, skillsHome: path.join(home, '.skills') })).toBeNull();
  });

  it('never takes .skills/ alone as a project marker', async () => {
    const root = await tree(['home/work/.skills/index.json']);
    const home = path.join(root, 'home');
    expect(
      findProjectRoot({ cwd: path.join(home, 'work'), home, skillsHome: path.join(home, '.skills') }),
    ).toBeNull();
  });

  it('never takes $SKILLS_HOME, or a folder inside it, as a project', async () => {
    const root = await tree(['opt/skills-home/skills.json', 'opt/skills-home/demo/1.0.0/']);
    const skillsHome = path.join(root, 'opt/skills-home');
    const home = path.join(root, 'home');
    expect(findProjectRoot({ cwd: path.join(skillsHome, 'demo/1.0.0'), home, skillsHome })).toBeNull();
  });

  it('walks to the root outside $HOME', async () => {
    const root = await tree(['srv/app/skills.json', 'srv/app/x/']);
    expect(
      findProjectRoot({
        cwd: path.join(root, 'srv/app/x'),
        home: '/nonexistent-home',
        skillsHome: '/nonexistent-home/.skills',
      }),
    ).toBe(path.join(root, 'srv/app'));
  });
});
