import { access, writeFile } from 'node:fs/promises';
import type { Env } from '../home/paths.js';

/**
 * For tests that must stop an install at a known moment (a kill -9 half-way, two installs made to
 * overlap): with `SKILLS_TEST_PAUSE=<point>:<file>`, reaching `<point>` creates `<file>` and waits
 * until the test deletes it. Without the variable this returns at once; it never changes what an
 * install does, only when.
 */
export async function pausePoint(env: Env, point: string): Promise<void> {
  const setting = env['SKILLS_TEST_PAUSE'];
  if (setting === undefined || setting === '') return;
  if (!setting.startsWith(`${point}:`)) return;
  const file = setting.slice(point.length + 1);
  await writeFile(file, `${process.pid}\n`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}
