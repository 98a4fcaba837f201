/**
 * `tsx server/main.ts` as a real child process: SIGTERM stops it accepting, lets the measurement in
 * progress finish, and exits 0; past the grace period, measurements are cut short but still answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, startHttpTarget, startSilentTarget, type Target } from './support/targets';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

interface Child {
  process: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  output: () => string;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(TSX, ['server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DETOUR_PORT: '0',
      DETOUR_LOG_LEVEL: 'info',
      DETOUR_ALLOW_LOOPBACK_TARGETS: '1',
      DETOUR_ALLOWED_PORTS: 'any',
      DETOUR_DNS_SERVERS: '127.0.0.1:9',
      DETOUR_RATE_LIMIT_MAX: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 15_000);
    child.stdout.on('data', () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exit.then((code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
  return { process: child, url, exit, output: () => output };
}

function measure(url: string, target: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ http_request: target, tcp_connect: [] }),
  });
}

let slow: Target;
let silent: Target;

beforeAll(async () => {
  // Answers after 800 ms: long enough to still be in progress when SIGTERM arrives.
  slow = await startHttpTarget((_req, res) => setTimeout(() => res.end(page('Slow but fine').body), 800));
  silent = await startSilentTarget();
});

afterAll(async () => {
  await slow?.close();
  await silent?.close();
});

describe('graceful shutdown', () => {
  it('SIGTERM: stops accepting, finishes the measurement in progress, exits 0', async () => {
    const child = await startChild({});
    const pending = measure(child.url, `http://127.0.0.1:${slow.port}/`);
    await new Promise((r) => setTimeout(r, 300));
    child.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${child.url}/health`)).rejects.toThrow();
    const res = await pending;
    expect(res.status).toBe(200);
    expect((await res.json()).http_request).toMatchObject({ status_code: 200, title: 'Slow but fine' });
    expect(await child.exit).toBe(0);
    expect(child.output()).toContain('SIGTERM: closing');
  });

  it('past the grace period, cuts measurements short (they still answer) and exits 0', async () => {
    const child = await startChild({ DETOUR_SHUTDOWN_GRACE_MS: '200', DETOUR_STEP_TIMEOUT_MS: '8000' });
    const pending = measure(child.url, `https://127.0.0.1:${silent.port}/`);
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    child.process.kill('SIGINT');
    const res = await pending;
    expect(Date.now() - signalled).toBeLessThan(2_000);
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.http_request.failure).toBe('interrupted');
    expect(await child.exit).toBe(0);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    await expect(startChild({ DETOUR_MAX_REDIRECTS: 'lots' })).rejects.toThrow(/DETOUR_MAX_REDIRECTS/);
  });
});
