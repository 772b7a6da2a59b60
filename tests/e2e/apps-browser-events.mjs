// Not polkadot.js apps itself: apps is not published to npm as a built bundle (`npm view
// @polkadot/apps` is a 404; its build ships only on GitHub Pages and IPFS, which this project's
// machines cannot reach). This is the next best thing that the registries allow: the @polkadot/api
// browser bundles apps is built on, loaded by headless Chromium (Debian's `chromium`) from a
// local HTTP server, connect to a real `callisto --dev`, read a block's events from metadata
// alone and render them as apps' explorer does (section.method, docs, named fields as
// `toHuman`). The block is one whose extrinsic trapped in the trapper fixture's `panic`.
// The script asserts the rendered page text names `contracts.ContractTrapped` with its kind,
// message and source line, and saves a screenshot.
//
//   cd tests/e2e && CALLISTO_BIN=<callisto> node apps-browser-events.mjs [out.png]
//
// Needs `chromium` on PATH (apt-get install chromium) or CHROMIUM=<path>. Separate from
// `npm test`: it needs a browser the CI machine does not have.
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { CodePromise } from '@polkadot/api-contract';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from './node.js';
import { ROOT, TRAPPER_SOURCE, markedLine, readAbi, readArtifact, submit } from './trapper.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(process.argv[2] ?? join(ROOT, 'docs/img/browser-contract-trapped.png'));
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };

/** The UMD bundles, in load order, and the two externals the api bundle expects as globals. */
const BUNDLES = [
  '@polkadot/util/bundle-polkadot-util.js',
  '@polkadot/util-crypto/bundle-polkadot-util-crypto.js',
  '@polkadot/keyring/bundle-polkadot-keyring.js',
  '@polkadot/types/bundle-polkadot-types.js',
  '@polkadot/api/bundle-polkadot-api.js',
];

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Callisto events (polkadot.js in the browser)</title>
<style>
  body { font: 14px -apple-system, "Segoe UI", Roboto, sans-serif; background: #f5f3f1; color: #4e4e4e; margin: 1.5rem; }
  h1 { font-weight: 400; font-size: 1.3rem; } .muted { opacity: .7; font-size: .85rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  td { border-top: 1px solid #efedeb; padding: .6rem 1rem; vertical-align: top; }
  .name { font-weight: 600; white-space: nowrap; } td.docs { font-size: .85rem; opacity: .8; width: 24rem; }
  .field { font-family: Consolas, monaco, monospace; font-size: .85rem; word-break: break-all; } .field b { color: #e6007a; font-weight: 400; }
  tr.trap { background: #fff6f6; }
</style>
<script>window.constants = { LATEST_EXTRINSIC_VERSION: 4 };
window.util$1 = { unwrapStorageSi: (t) => t.isPlain ? t.asPlain : t.asMap.value };</script>
${BUNDLES.map((b) => `<script src="/node_modules/${b}"></script>`).join('\n')}
</head><body><h1>block events, decoded in headless Chromium by @polkadot/api (the library polkadot.js apps is built on; not apps itself)</h1><div id="status" class="muted">connecting...</div><table id="events"></table>
<script>
(async () => {
  const params = new URLSearchParams(location.search);
  const { ApiPromise, WsProvider } = polkadotApi;
  const api = await ApiPromise.create({ provider: new WsProvider(params.get('rpc')), noInitWarn: true });
  const hash = params.get('block');
  const header = await api.rpc.chain.getHeader(hash);
  const records = await api.query.system.events.at(hash);
  const chain = await api.rpc.system.chain();
  document.getElementById('status').textContent =
    chain + ' - block #' + header.number.toNumber() + ' ' + hash + ' - ' + records.length + ' events, decoded from metadata only (ss58 ' +
    api.registry.chainSS58 + ', ' + api.registry.chainTokens[0] + ')';
  const table = document.getElementById('events');
  for (const { event, phase } of records) {
    const row = table.insertRow();
    if (event.method === 'ContractTrapped') row.className = 'trap';
    row.insertCell().innerHTML = '<div class="name"></div><div class="muted"></div>';
    row.cells[0].children[0].textContent = event.section + '.' + event.method;
    row.cells[0].children[1].textContent = phase.toString();
    const docs = row.insertCell(); docs.className = 'docs'; docs.textContent = event.meta.docs.map(String).join(' ');
    const fields = row.insertCell();
    const human = event.data.toHuman();
    event.meta.fields.forEach((f, i) => {
      const div = document.createElement('div'); div.className = 'field';
      const name = f.name.isSome ? f.name.unwrap().toString() : String(i);
      const value = human[event.data.names?.[i] ?? i];
      div.innerHTML = '<b></b>: <span></span>';
      div.children[0].textContent = name + ' (' + (f.typeName.isSome ? f.typeName.unwrap().toString() : '') + ')';
      div.children[1].textContent = typeof value === 'string' ? value : JSON.stringify(value);
      fields.appendChild(div);
    });
  }
  document.body.dataset.done = 'yes';
})().catch((e) => { document.getElementById('status').textContent = 'ERROR ' + e.message; document.body.dataset.done = 'error'; })
  .finally(() => fetch('/done', { method: 'POST', body: document.body.innerText }));
</script>
<img src="/hold" alt="" width="1" height="1"></body></html>`;

/**
 * The page and the bundles. `/hold` answers only once the page has POSTed its text to `/done`,
 * so the load event, and with it Chromium's `--dump-dom` or `--screenshot`, waits for the page.
 */
function serve() {
  let release;
  const done = new Promise((ok) => { release = ok; });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    if (url.pathname === '/done') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { release(body); res.writeHead(204).end(); });
      return;
    }
    if (url.pathname === '/hold') {
      done.then(() => res.writeHead(200, { 'content-type': 'image/gif' })
        .end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64')));
      return;
    }
    const file = url.pathname.slice('/node_modules/'.length);
    if (url.pathname.startsWith('/node_modules/') && BUNDLES.includes(file)) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      createReadStream(join(HERE, 'node_modules', file)).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, done })));
}

/**
 * Headless Chromium on `url`: `--dump-dom` or `--screenshot=<file>`, after the page settles.
 * Asynchronous: the page's files come from this process's HTTP server.
 */
function chromium(url, mode, profile) {
  return new Promise((ok, fail) => {
    const child = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
      `--user-data-dir=${profile}`, '--window-size=1400,720', '--enable-logging=stderr', '--timeout=60000', mode, url],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => { clearTimeout(timer); fail(new Error(`${CHROMIUM}: ${e.message} (apt-get install chromium, or set CHROMIUM)`)); });
    child.on('exit', () => { clearTimeout(timer); ok({ stdout, stderr }); });
  });
}

await cryptoWaitReady();
const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
const node = await startNode(['--sandbox-backend', 'wasmtime']);
const { server, done } = await serve();
const profile = mkdtempSync(join(tmpdir(), 'callisto-chromium-'));
try {
  const { api } = node;
  const code = new CodePromise(api, readAbi('trapper'), readArtifact('trapper.debug.wasm'));
  const deployed = await submit(code.tx.new({ gasLimit: api.registry.createType('WeightV2', GAS), storageDepositLimit: null }), alice);
  assert.ok(deployed.contract, `deploy failed: ${deployed.dispatchError?.toString()}`);
  const panic = readAbi('trapper').findMessage('panic').toU8a([]);
  const failed = await submit(api.tx.contracts.call(deployed.contract.address, 0, GAS, null, panic), alice);
  assert.ok(failed.dispatchError, 'panic fails its extrinsic');
  const block = failed.status.asInBlock.toHex();

  const url = `http://127.0.0.1:${server.address().port}/?rpc=${encodeURIComponent(node.url)}&block=${block}`;
  // One browser run: the screenshot is taken at the load event, which waits for the page.
  mkdirSync(dirname(OUT), { recursive: true });
  rmSync(OUT, { force: true });
  const shot = await chromium(url, `--screenshot=${OUT}`, profile);
  const text = await Promise.race([done, new Promise((ok) => setTimeout(() => ok(''), 1000))]);
  const consoleLines = shot.stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l)).join('\n');
  assert.ok(text, `the page never reported: ${consoleLines}`);
  console.log(`# page text:\n${text}`);
  assert.doesNotMatch(text, /ERROR/, consoleLines);
  assert.match(text, /contracts\.ContractTrapped/);
  assert.match(text, /kind \(TrapKind\): Panic/);
  assert.match(text, /panicked at trapper\/lib\.rs:\d+:\d+: trapper: explicit panic/);
  assert.ok(text.includes(`"file":"${TRAPPER_SOURCE}","line":"${markedLine('panic')}"`), 'the location names the marked line');
  assert.ok(readFileSync(OUT).length > 10_000, `no screenshot: ${shot.stderr.slice(-2000)}`);
  console.log(`ok: the browser decoded contracts.ContractTrapped in block ${block}; screenshot ${OUT}`);
} finally {
  server.close();
  await node.stop();
  rmSync(profile, { recursive: true, force: true });
}
