import type { RegistryConfig } from '../config.js';
import { downloadFile, publicBaseUrl } from '../worker/index.js';

/**
 * A version's download URL, as config.json's `dl` template gives it:
 * `<public>/dl/<prefix>/<name>/<name>-<version>.tgz`. The same function the index uses, so the
 * API and the index never disagree.
 */
export function downloadUrl(config: RegistryConfig, name: string, version: string): string {
  return `${publicBaseUrl(config)}/dl/${downloadFile(name, version)}`;
}

/** config.json's `sig` is null: the signature is the download URL + `.asc`. */
export function signatureUrl(config: RegistryConfig, name: string, version: string): string {
  return `${downloadUrl(config, name, version)}.asc`;
}
