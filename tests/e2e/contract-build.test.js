// `callisto contract build` on contract projects laid out as developers lay them out
// (tests/contract-build/): a `cdylib`-only manifest without `authors` and with a feature of its
// own, and a cargo workspace whose members inherit their fields, keep their library elsewhere
// than src/lib.rs, and depend on each other through `ink-as-dependency`. The projects are copied
// to a directory whose path has spaces. Each build's `.contract` bundle must decode with
// polkadot.js's `Abi`, deploy from the `.debug.contract` alone, and locate a trap on its marked
// line. The user's files must be unchanged afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { Abi, CodePromise } from '@polkadot/api-contract';
import { callistoBin, startNode } from './node.js';
import { ROOT, submit } from './trapper.js';

const PROJECTS = join(ROOT, 'tests/contract-build');
// One target dir for every project and run, so ink! compiles once per machine, not per test.
const TARGET = process.env.CALLISTO_CONTRACT_BUILD_TARGET ?? join(homedir(), '.cache/callisto-contract-build-target');
const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };

/** Every file under `dir` with its modification time and content: what must not change. */
function snapshot(dir) {
  const out = {};
  for (const entry of readdirSync(dir, { recursive: true })) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isFile()) out[entry] = `${stat.mtimeMs} ${readFileSync(path, 'utf8')}`;
  }
  return out;
}

function markedLine(file) {
  return readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('// TRAP')) + 1;
}

/** Builds `manifest` into `out`; returns what `<name>` it wrote, parsed. */
function build(manifest, out, name, extra = []) {
  const log = execFileSync(callistoBin(), ['contract', 'build', '--manifest-path', manifest, '--out-dir', out, ...extra], {
    env: { ...process.env, CARGO_TARGET_DIR: TARGET },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_500_000,
  });
  const read = (file) => readFileSync(join(out, file));
  const bundle = JSON.parse(read(`${name}.contract`).toString());
  const debugBundle = JSON.parse(read(`${name}.debug.contract`).toString());
  return { log, bundle, debugBundle, json: JSON.parse(read(`${name}.json`).toString()), wasm: read(`${name}.wasm`) };
}

/** Runs a build expected to fail; returns the last line it printed on stderr. */
function failingBuild(manifest, out) {
  const run = spawnSync(callistoBin(), ['contract', 'build', '--manifest-path', manifest, '--out-dir', out], {
    env: { ...process.env, CARGO_TARGET_DIR: TARGET },
    encoding: 'utf8',
    timeout: 1_500_000,
  });
  assert.notEqual(run.status, 0, `${manifest} must not build:\n${run.stdout}`);
  return run.stderr.trim().split('\n').at(-1);
}

test('callisto contract build says in one line why a project does not build', { timeout: 1_800_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'callisto contract build '));
  try {
    cpSync(PROJECTS, dir, { recursive: true });
    const notInk = failingBuild(join(dir, 'not-ink/Cargo.toml'), join(dir, 'out'));
    assert.match(notInk, /not-ink \(.*not-ink\/Cargo\.toml\) does not depend on `ink`: not an ink! contract$/, notInk);
    const source = join(dir, 'broken/src/lib.rs');
    const line = readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes('// ERROR')) + 1;
    const broken = failingBuild(join(dir, 'broken/Cargo.toml'), join(dir, 'out'));
    assert.match(broken, new RegExp(`the contract does not compile: error\\[E0425\\]: cannot find value \`missing\` in this scope at .*src/lib\\.rs:${line}:\\d+ \\(cargo's whole output is above\\)$`), broken);
    const missing = failingBuild(join(dir, 'no-such-project/Cargo.toml'), join(dir, 'out'));
    assert.match(missing, /cannot read .*no-such-project\/Cargo\.toml: .*--manifest-path/, missing);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('callisto contract build builds every project layout into bundles that deploy and locate traps', { timeout: 1_800_000 }, async () => {
  await cryptoWaitReady();
  const dir = mkdtempSync(join(tmpdir(), 'callisto contract build '));
  cpSync(PROJECTS, dir, { recursive: true });
  const before = snapshot(dir);
  const built = [
    { name: 'cdylib_only', manifest: join(dir, 'cdylib-only/Cargo.toml'), source: join(dir, 'cdylib-only/src/lib.rs'), extra: ['--features', 'extra'] },
    { name: 'counter', manifest: join(dir, 'workspace/contracts/counter/Cargo.toml'), source: join(dir, 'workspace/contracts/counter/counter.rs') },
    { name: 'counter-caller', manifest: join(dir, 'workspace/contracts/counter-caller/Cargo.toml'), source: join(dir, 'workspace/contracts/counter-caller/src/lib.rs') },
  ].map((project) => ({ ...project, ...build(project.manifest, join(dir, 'out', project.name), project.name, project.extra) }));
  try {
    for (const { name, bundle, debugBundle, json, wasm } of built) {
      // The bundle is the metadata plus the deployable code; `.json` is the same without it.
      assert.equal(bundle.source.wasm, u8aToHex(wasm), `${name}: the bundle carries the .wasm`);
      assert.equal(json.source.wasm, undefined, `${name}: .json carries no code`);
      assert.deepEqual({ ...bundle, source: { ...bundle.source, wasm: undefined } }, { ...json, source: { ...json.source, wasm: undefined } });
      assert.ok(debugBundle.source.wasm.length > bundle.source.wasm.length, `${name}: the debug bundle carries DWARF`);
      assert.equal(new Abi(bundle).info.contract.name.toString(), name);
    }
    const [cdylib, counter, caller] = built;
    assert.deepEqual(cdylib.json.contract.authors, [], 'no `authors` in the manifest: none in the metadata');
    assert.equal(cdylib.json.contract.version, '0.2.0');
    assert.ok(new Abi(cdylib.bundle).messages.some((m) => m.method === 'extra'), '--features extra reached the build');
    assert.equal(counter.json.contract.version, '1.0.0', 'inherited from the workspace');
    assert.deepEqual(counter.json.contract.authors, ['Callisto developers']);
    assert.deepEqual(caller.json.contract.authors, [], 'counter-caller inherits no authors');
    const after = snapshot(dir);
    for (const file of Object.keys(before)) {
      assert.equal(after[file], before[file], `${file} is untouched`);
    }

    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const node = await startNode();
    try {
      const { api } = node;
      const gasLimit = api.registry.createType('WeightV2', GAS);
      for (const { name, debugBundle, source } of built) {
        // From the debug bundle alone: its code and its metadata.
        const abi = new Abi(debugBundle);
        const code = new CodePromise(api, abi, abi.info.source.wasm);
        const args = name === 'counter-caller' ? [alice.address] : [];
        const deployed = await submit(code.tx.new({ gasLimit, storageDepositLimit: null }, ...args), alice);
        assert.ok(deployed.contract, `${name}: ${deployed.dispatchError?.toString()}`);
        const data = abi.findMessage('fail').toU8a([]);
        const dry = await api.call.contractsApi.call(alice.address, deployed.contract.address, 0, GAS, null, data);
        assert.ok(dry.result.isErr, `${name}: fail must trap`);
        const traps = dry.events.unwrap().filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped');
        const location = traps[0]?.event.data.location.unwrap();
        assert.ok(location, `${name}: the trap is located: ${JSON.stringify(traps.map(({ event }) => event.toHuman()))}`);
        assert.equal(location.file.toString().endsWith(source.slice(dir.length)), true, `${name}: ${location.file}`);
        assert.equal(location.line.toNumber(), markedLine(source), `${name}: the marked line`);
      }
    } finally {
      await node.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
