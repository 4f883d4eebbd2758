/**
 * The bundle's entry (`dist/skills.cjs`): what `bin/skills.js` calls, and what the package exports
 * to programs that embed the CLI. Nothing runs on load.
 */
export { getCli, runExit } from './cli.js';
export { commands } from './cli.js';
export { renderReference } from './reference.js';
