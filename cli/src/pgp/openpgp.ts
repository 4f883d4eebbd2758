import type * as OpenPgp from 'openpgp';

let loaded: Promise<typeof OpenPgp> | undefined;

/**
 * openpgp, loaded on first use: it is the largest module the CLI has, and only the commands that
 * sign or verify need it (DESIGN §1: heavy modules load only in the commands that need them).
 */
export function loadOpenpgp(): Promise<typeof OpenPgp> {
  loaded ??= import('openpgp');
  return loaded;
}
