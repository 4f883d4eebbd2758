import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { canPrompt, promptHidden, promptLine, readSecretFromStdin, type InputStream } from '../src/prompt.js';
import { capture, fakeTerminal, run, tempDir } from './helpers.js';

function terminal(): PassThrough & InputStream {
  const stream = new PassThrough() as PassThrough & InputStream;
  stream.isTTY = true;
  stream.setRawMode = () => stream;
  return stream;
}

describe('prompts', () => {
  it('reads a hidden line, with Backspace and Ctrl-U, echoing nothing', async () => {
    const stdin = terminal();
    const stderr = capture();
    const answer = promptHidden(stdin, stderr, 'Password: ');
    stdin.write('wrong\u0015sec');
    stdin.write('x\u007fret\r');
    expect(await answer).toBe('secret');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stderr.text()).toBe('Password: \n');
  });

  it('cancels on Ctrl-C, on Ctrl-D at an empty line, and at the end of input', async () => {
    for (const input of ['abc\u0003', '\u0004', null]) {
      const stdin = terminal();
      const answer = promptHidden(stdin, capture(), 'Password: ');
      if (input === null) stdin.end();
      else stdin.write(input);
      await expect(answer).rejects.toMatchObject({ code: 'CANCELLED' });
    }
  });

  it('reads an echoed line on a terminal, and cancels when input ends', async () => {
    const stdin = terminal();
    const answer = promptLine(stdin, capture(), 'Username: ');
    stdin.write('  ada  \n');
    expect(await answer).toBe('ada');
    const ended = terminal();
    const cancelled = promptLine(ended, capture(), 'Username: ');
    ended.end();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reads one line of stdin as a secret, and refuses empty or oversized input', async () => {
    expect(
      await readSecretFromStdin(Readable.from([Buffer.from('pw\r\n')]), 'password', '--password-stdin'),
    ).toBe('pw');
    await expect(
      readSecretFromStdin(Readable.from([]), 'password', '--password-stdin'),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: '--password-stdin: stdin gave an empty password',
    });
    await expect(
      readSecretFromStdin(Readable.from([Buffer.alloc(5000, 'a')]), 'password', '--password-stdin'),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('prompts only where stdin is a terminal that can switch to raw mode', () => {
    expect(canPrompt(terminal())).toBe(true);
    expect(canPrompt(Readable.from([]) as InputStream)).toBe(false);
  });
});

describe('skills keys generate at a terminal', () => {
  it('asks for a passphrase twice, and refuses two different ones', async () => {
    const root = await tempDir();
    const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: `${root}/.skills` };
    const differ = await run(['keys', 'generate', '--json'], {
      cwd: root,
      env,
      stdin: fakeTerminal(['one phrase', 'another']),
    });
    expect(differ.code).toBe(2);
    const same = await run(['keys', 'generate', '--json'], {
      cwd: root,
      env,
      stdin: fakeTerminal(['one phrase', 'one phrase']),
    });
    expect(JSON.parse(same.stdout)).toMatchObject({ ok: true, encrypted: true });
    const none = await run(['keys', 'generate', '--json'], { cwd: root, env, stdin: fakeTerminal(['']) });
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: true, encrypted: false, signing_key: false });
    for (const argv of [
      ['--name', 'a <b>'],
      ['--email', 'not-an-address'],
    ]) {
      expect((await run(['keys', 'generate', ...argv, '--json'], { cwd: root, env })).code).toBe(2);
    }
  });
});
