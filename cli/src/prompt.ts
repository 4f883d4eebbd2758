import type { Readable, Writable } from 'node:stream';
import { SkillsError, UsageError } from '@skills/schema';

/** stdin as Node gives it: a terminal has `isTTY` and `setRawMode`. */
export interface InputStream extends Readable {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/** Whether we can ask the person at the keyboard: stdin is a terminal we can switch to raw mode. */
export function canPrompt(stdin: InputStream): boolean {
  return stdin.isTTY === true && typeof stdin.setRawMode === 'function';
}

/** Longest secret read from stdin: passwords are ≤ 256 characters, passphrases rarely longer. */
const MAX_SECRET_BYTES = 4096;

/**
 * A secret piped on stdin (`--password-stdin`): everything up to the end of input, with one
 * trailing newline removed (`echo` and files add it). A secret is one line: an inner newline means
 * the wrong thing was piped, so it is refused rather than sent.
 */
export async function readSecretFromStdin(stdin: Readable, what: string, flag: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > MAX_SECRET_BYTES) {
      throw new UsageError(`${flag}: stdin holds more than ${MAX_SECRET_BYTES} bytes`, {
        hint: `pipe only the ${what}, e.g. \`skills … ${flag} < file-with-the-${what}\``,
      });
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text === '')
    throw new UsageError(`${flag}: stdin gave an empty ${what}`, {
      hint: `pipe the ${what} into the command`,
    });
  if (/[\r\n]/.test(text)) {
    throw new UsageError(`${flag}: stdin holds more than one line`, {
      hint: `pipe only the ${what}, on one line`,
    });
  }
  return text;
}

/**
 * Asks for a secret on the terminal without echoing it: stdin in raw mode, the prompt on stderr.
 * Backspace and Ctrl-U edit, Enter ends, Ctrl-C and Ctrl-D on an empty line cancel.
 */
export function promptHidden(stdin: InputStream, stderr: Writable, prompt: string): Promise<string> {
  const setRaw = stdin.setRawMode?.bind(stdin);
  if (setRaw === undefined) throw new Error('Assertion failed: promptHidden needs a terminal');
  stderr.write(prompt);
  setRaw(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      setRaw(false);
      stdin.pause();
      stderr.write('\n');
    };
    const cancel = (): void => {
      finish();
      reject(new SkillsError('CANCELLED', 'cancelled at the prompt', { hint: 'run the command again' }));
    };
    const onEnd = (): void => cancel();
    const onData = (chunk: Buffer | string): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || (char === '\u0004' && value === '')) {
          cancel();
          return;
        }
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char === '\u0015') value = '';
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}

/** Asks for a line on the terminal, echoed (a username, an email address). */
export async function promptLine(stdin: InputStream, stderr: Writable, prompt: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    let answered = false;
    const closed = new Promise<never>((_, reject) =>
      rl.once('close', () => {
        if (!answered)
          reject(new SkillsError('CANCELLED', 'cancelled at the prompt', { hint: 'run the command again' }));
      }),
    );
    const answer = await Promise.race([rl.question(prompt), closed]);
    answered = true;
    return answer.trim();
  } finally {
    rl.close();
  }
}
