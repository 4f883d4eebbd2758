import { ERROR_CODES, type ErrorCode, type Issue } from '@skills/schema';
import type { RegistryApi } from './client.js';
import { Decoder } from './decode.js';
import { multipartBody } from './multipart.js';

export interface PublishAnswer {
  name: string;
  version: string;
  sha256: string;
  size: number;
  signer: string;
  warnings: Issue[];
  /** 200: this exact tarball and signer were published before (a safe retry). */
  replayed: boolean;
}

export interface VersionState {
  indexed: boolean;
  seq: number | null;
  dl: string;
}

export interface YankState {
  name: string;
  version: string;
  yanked: boolean;
  yankReason: string | null;
}

/** POST /skills: the tarball and its armored detached signature, as multipart/form-data. */
export async function publishTarball(
  api: RegistryApi,
  upload: { fileName: string; tarball: Uint8Array; signature: string; what: string },
): Promise<PublishAnswer> {
  const body = multipartBody([
    { name: 'tarball', fileName: upload.fileName, contentType: 'application/gzip', bytes: upload.tarball },
    { name: 'signature', bytes: Buffer.from(upload.signature, 'utf8') },
  ]);
  const { status, data } = await api.call({
    method: 'POST',
    path: '/skills',
    auth: 'token',
    body,
    what: upload.what,
  });
  const answer = Decoder.object(data, 'the publish');
  return {
    name: answer.string('name'),
    version: answer.string('version'),
    sha256: answer.string('sha256'),
    size: answer.number('size'),
    signer: answer.string('signer'),
    warnings: answer.objects('warnings').map((item) => {
      const code = item.stringOrNull('code') ?? '';
      return {
        path: item.string('path'),
        code: Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'PACKAGE_INVALID',
        message: item.string('message'),
      };
    }),
    replayed: status === 200,
  };
}

export async function versionState(api: RegistryApi, name: string, version: string): Promise<VersionState> {
  const { data } = await api.call({
    method: 'GET',
    path: `/skills/${encodeURIComponent(name)}/${encodeURIComponent(version)}`,
    auth: 'none',
    what: `reading ${name}@${version}`,
  });
  const answer = Decoder.object(data, `GET /skills/${name}/${version}`);
  return { indexed: answer.boolean('indexed'), seq: answer.numberOrNull('seq'), dl: answer.string('dl') };
}

export async function setYanked(
  api: RegistryApi,
  target: { name: string; version: string },
  yank: { reason: string | null } | null,
): Promise<YankState> {
  const base = `/skills/${encodeURIComponent(target.name)}/${encodeURIComponent(target.version)}`;
  const { data } = await api.call(
    yank === null
      ? {
          method: 'PUT',
          path: `${base}/unyank`,
          auth: 'token',
          what: `unyanking ${target.name}@${target.version}`,
        }
      : {
          method: 'DELETE',
          path: `${base}/yank`,
          auth: 'token',
          json: { reason: yank.reason },
          what: `yanking ${target.name}@${target.version}`,
        },
  );
  const answer = Decoder.object(data, 'the yank');
  return {
    name: answer.string('name'),
    version: answer.string('version'),
    yanked: answer.boolean('yanked'),
    yankReason: answer.stringOrNull('yank_reason'),
  };
}

/** The owners of a skill; `change` adds or removes one first (PUT/DELETE, token scope `owners`). */
export async function owners(
  api: RegistryApi,
  name: string,
  change: { add: string } | { remove: string } | null = null,
): Promise<string[]> {
  const path = `/skills/${encodeURIComponent(name)}/owners`;
  const { data } = await api.call(
    change === null
      ? { method: 'GET', path, auth: 'none', what: `listing the owners of ${name}` }
      : 'add' in change
        ? {
            method: 'PUT',
            path,
            auth: 'token',
            json: { username: change.add },
            what: `adding ${change.add} as an owner of ${name}`,
          }
        : {
            method: 'DELETE',
            path,
            auth: 'token',
            json: { username: change.remove },
            what: `removing ${change.remove} from the owners of ${name}`,
          },
  );
  return Decoder.object(data, 'the owner list').strings('items');
}
