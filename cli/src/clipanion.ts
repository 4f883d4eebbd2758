/**
 * Clipanion, through its CommonJS entry. Its package.json has an extensionless `main` and no
 * `exports`: Node picks `index.js`, but Vite's resolver (and so vitest) picks `index.mjs`, whose
 * directory import `../platform` Node's ESM loader rejects (arcanis/clipanion#139). Naming the
 * file keeps the two on the same module.
 */
export { Builtins, Cli, Command, Option, UsageError } from 'clipanion/lib/advanced/index.js';
export type { BaseContext, CommandClass, ColorFormat, Usage } from 'clipanion/lib/advanced/index.js';
