import { SkillsError } from '@skills/schema';
import type { Transport } from '../home/config.js';
import type { Session } from '../session.js';
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
      throw new SkillsError('INTERNAL', 'the git transport is not built yet');
  }
}
