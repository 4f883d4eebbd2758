// Child processes and scratch folders of a benchmark: started, awaited, and cleaned up even when
// the bench is interrupted (call `cleanUpOnSignals()` once at start-up).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const children = new Set();
const scratch = new Set();

/** Starts a child whose stdout and stderr are kept (the last 20,000 characters) for error messages. */
export function startChild(command, args, env, name, options = {}) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.output = () => output;
  child.label = name;
  return child;
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the child is gone. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a child to completion; resolves with its output, rejects when it exits non-zero. */
export function runChild(command, args, env, name, options = {}) {
  const child = startChild(command, args, env, name, options);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(child.output());
      else reject(new Error(`${name} exited with ${code}:\n${child.output()}`));
    });
  });
}

/** Resolves with the match once `pattern` matched the child's stdout; rejects if it exits first. */
export function waitForOutput(child, pattern, timeoutMs = 300_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(child.output());
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`${child.label} exited with ${code} before it was ready:\n${child.output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.label} was not ready after ${timeoutMs} ms:\n${child.output()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** A folder removed by `cleanUpAndExit` if the bench stops before removing it itself. */
export function addScratch(dir) {
  scratch.add(dir);
  return dir;
}

export function removeScratch(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  scratch.delete(dir);
}

export function cleanUpAndExit(code) {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

/** On SIGINT or SIGTERM: kill every child, remove every scratch folder, exit 130. */
export function cleanUpOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => cleanUpAndExit(130));
}

/** A TCP port free on loopback a moment ago (for servers that cannot listen on port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
