import { Ajv, type ValidateFunction } from 'ajv';
import schemaJson from '../skill.schema.json' with { type: 'json' };

/** The options the manifest schema is compiled with, here and in the CLI's precompiled copy. */
export const MANIFEST_AJV_OPTIONS = { allErrors: true, strict: true } as const;

/**
 * Compiles skill.schema.json. The CLI's bundle replaces this module with ajv's standalone code
 * for the same schema and options, generated at build time (cli/build.mjs): compiling took ~40 ms
 * of every `skills install`, and the bundle then carries no schema compiler at all.
 */
export function compileManifestValidator(): ValidateFunction {
  return new Ajv(MANIFEST_AJV_OPTIONS).compile(schemaJson);
}
