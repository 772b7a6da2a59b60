// The command lines other tools start Callisto with: ink_e2e's (`$CONTRACTS_NODE --dev --port=0
// --rpc-port=0`, port found in the log) and the Docker image's CMD. Neither tool runs in every CI
// run (ink_e2e's build is long, there is no Docker engine), so their exact flags are tested here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { callistoBin } from './node.js';
import { ROOT } from './trapper.js';

/** Spawns callisto with `args`; resolves once `pattern` matches its stderr, with the match. */
function spawnUntil(args, pattern, env = {}) {
  const child = spawn(callistoBin(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  const matched = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 120 s:\n${stderr}`)), 120_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`callisto exited (${code}):\n${stderr}`)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', resolve);
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
  return { matched, stop, log: () => stderr };
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

test('ink_e2e command line: the port ink_e2e parses from the log answers', async () => {
  // ink_e2e 5.1 (node_proc.rs) spawns exactly this, reads stderr only, and takes the digits
  // after "Running JSON-RPC server: addr=127.0.0.1:". The backend comes from the environment,
  // since CONTRACTS_NODE is a path and cannot carry flags.
  const node = spawnUntil(['--dev', '--port=0', '--rpc-port=0'],
    /Running JSON-RPC server: addr=127\.0\.0\.1:(\d+)/, { CALLISTO_SANDBOX_BACKEND: 'wasmi' });
  try {
    const [, port] = await node.matched;
    assert.notEqual(Number(port), 0, 'the log names the port the OS chose');
    const chain = await rpc(`http://127.0.0.1:${port}`, 'system_chain');
    assert.equal(chain.result, 'Callisto Development');
    assert.match(node.log(), /Sandbox backend: wasmi/, 'CALLISTO_SANDBOX_BACKEND picks the backend');
  } finally {
    await node.stop();
  }
});

test("Docker image's CMD: RPC on every interface, unsafe methods allowed, non-root user", async () => {
  const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
  const cmd = JSON.parse(dockerfile.match(/^CMD (\[.*\])$/m)[1]);
  assert.deepEqual(JSON.parse(dockerfile.match(/^ENTRYPOINT (\[.*\])$/m)[1]), ['callisto']);
  const user = dockerfile.match(/^USER (\S+)$/m)?.[1];
  assert.ok(user && user !== 'root', 'the image runs as a non-root user');
  assert.match(dockerfile, new RegExp(`useradd .*${user}`));

  const base = mkdtempSync(join(tmpdir(), 'callisto-docker-'));
  // The image's own command line, plus a base path and ports free on this machine.
  const node = spawnUntil([...cmd, '--base-path', base, '--rpc-port', '0', '--port', '0'],
    /Running JSON-RPC server: addr=0\.0\.0\.0:(\d+)/);
  try {
    const [, port] = await node.matched;
    // `docker run -p 9944:9944` forwards to the container's own address, not its loopback.
    const external = Object.values(networkInterfaces()).flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
    const url = `http://${external}:${port}`;
    assert.equal((await rpc(url, 'system_chain')).result, 'Callisto Development');
    // An unsafe method runs (and refuses the bad input) instead of being refused as unsafe.
    const refused = await rpc(url, 'contracts_registerDebugInfo', ['0x00']);
    assert.equal(refused.error?.code, 8000, JSON.stringify(refused));
  } finally {
    await node.stop();
    rmSync(base, { recursive: true, force: true });
  }
});

test('the transaction pool is single-state unless --pool-type says otherwise', async () => {
  // The fork-aware pool (sc-cli's default) refuses a submission racing its own inclusion with
  // "1013: Transaction Already Imported" although it lands; the soak saw it a few times a
  // minute. sc-transaction-pool logs the pool it creates at `txpool=info`.
  const created = /Creating transaction pool txpool_type=(\w+)/;
  for (const [flags, expected] of [[[], 'SingleState'], [['--pool-type', 'fork-aware'], 'ForkAware'],
    [['--pool-type=single-state'], 'SingleState']]) {
    const base = mkdtempSync(join(tmpdir(), 'callisto-pool-'));
    const node = spawnUntil(['--dev', '--base-path', base, '--rpc-port', '0', '--port', '0',
      '--no-prometheus', '-l', 'txpool=info', ...flags], created);
    try {
      const [, kind] = await node.matched;
      assert.equal(kind, expected, `pool for ${JSON.stringify(flags)}`);
    } finally {
      await node.stop();
      rmSync(base, { recursive: true, force: true });
    }
  }
});
