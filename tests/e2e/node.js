// Starts and stops a real `callisto` process for a test, on free ports and a temporary base path.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

/** The node binary under test: `CALLISTO_BIN`, set by scripts/test.sh. */
export function callistoBin() {
  const bin = process.env.CALLISTO_BIN;
  if (!bin) throw new Error('CALLISTO_BIN is not set: run the e2e tests through scripts/test.sh');
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `callisto --dev` with `args`, waits until its RPC answers, and returns a handle with an
 * `api` (polkadot.js ApiPromise), the collected `logs()`, the `child` process and `stop()`.
 *
 * Options: `dev: false` leaves out `--dev` (pass `--chain` in `args` then); `basePath` runs on
 * that directory instead of a new temporary one, and `keepBasePath: true` leaves the base path
 * in place on `stop()` (a temporary one is deleted by default, a given one is always kept);
 * `p2pPort` listens for peers on that port instead of a free one.
 */
export async function startNode(args = [], { timeoutMs = 120_000, dev = true, basePath: given, keepBasePath = false, p2pPort: givenP2pPort } = {}) {
  const rpcPort = await freePort();
  const p2pPort = givenP2pPort ?? await freePort();
  const basePath = given ?? mkdtempSync(join(tmpdir(), 'callisto-e2e-'));
  const removeBasePath = given === undefined && !keepBasePath;
  const fullArgs = [...(dev ? ['--dev'] : []), '--base-path', basePath, '--rpc-port', String(rpcPort),
    '--port', String(p2pPort), '--no-prometheus', '--no-telemetry', ...args];
  const child = spawn(callistoBin(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const url = `ws://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + timeoutMs;
  while (!/Running JSON-RPC server/.test(output)) {
    if (child.exitCode !== null) throw new Error(`callisto exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`callisto did not open its RPC within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const provider = new WsProvider(url, false);
  await provider.connect();
  const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });

  return {
    api,
    provider,
    url,
    rpcPort,
    p2pPort,
    basePath,
    child,
    logs: () => output,
    async stop() {
      await api.disconnect().catch(() => {});
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const status = await exited;
      clearTimeout(timer);
      if (removeBasePath) rmSync(basePath, { recursive: true, force: true });
      return status;
    },
  };
}

/** Resolves when `predicate(header)` holds for a new head of the given kind, or rejects after `ms`. */
export function waitForHead(api, kind, predicate, ms) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    const timer = setTimeout(() => { unsub(); reject(new Error(`no matching ${kind} head within ${ms} ms`)); }, ms);
    const subscribe = kind === 'finalized' ? api.rpc.chain.subscribeFinalizedHeads : api.rpc.chain.subscribeNewHeads;
    subscribe((header) => {
      if (predicate(header)) {
        clearTimeout(timer);
        unsub();
        resolve(header);
      }
    }).then((u) => { unsub = u; });
  });
}
