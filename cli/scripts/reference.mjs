// Writes docs/CLI_REFERENCE.md from the built CLI (`npm run build` first): the hand-written
// introduction in cli/reference-intro.md, then every command's own usage. cli/test/reference.test.ts
// fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { commands, getCli, renderReference } = require('../dist/skills.cjs');
const intro = await readFile(new URL('../reference-intro.md', import.meta.url), 'utf8');
const target = new URL('../../docs/CLI_REFERENCE.md', import.meta.url);
await writeFile(target, renderReference(getCli(), commands, intro));
console.log(`wrote ${target.pathname}`);
