import path from 'node:path';
import type { Transport } from '../home/config.js';
import { registryStateDir } from '../registry/pins.js';
import type { Session } from '../session.js';
import { GitTransport } from './git.js';
import { HttpTransport } from './http.js';
import { LocalTransport } from './local.js';
import type { IndexTransport } from './types.js';

export interface TransportTarget {
  transport: Transport;
  /** The index root URL (ending in `/`), the git URL, or the folder. */
  index: string;
  allowHttp: boolean;
}

/** The transport that reads an index; tokens for a 401 come from the session's credentials. */
export async function openTransport(session: Session, target: TransportTarget): Promise<IndexTransport> {
  switch (target.transport) {
    case 'http':
      return new HttpTransport({
        client: session.http,
        root: target.index,
        allowHttp: target.allowHttp,
        tokenFor: await session.tokenLookup(),
      });
    case 'local':
      return new LocalTransport(target.index);
    case 'git':
      return new GitTransport({
        client: session.http,
        url: target.index,
        // Beside the other caches, named like the registry's state folder: deleting it costs one clone.
        gitdir: path.join(
          session.home.cache,
          'git',
          path.basename(registryStateDir(session.home, target.index)),
        ),
        allowHttp: target.allowHttp,
        tokenFor: await session.tokenLookup(),
      });
  }
}
