// The debug-info store on disk (<base>/contracts-debug-info) holds the DWARF of code on chain
// only: dry runs of fresh debug builds (ContractsApi_instantiate, contracts_traceInstantiate),
// which cost nothing, write no file; an upload in a block writes exactly one, with the code's
// hash as its name, and its traps are still located after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from './node.js';
import { TRAPPER_SOURCE, markedLine, readAbi, readArtifact, submit } from './trapper.js';

const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };

/** `wasm` with a custom section holding `n`: the same contract under a new code hash. */
function freshCode(wasm, n) {
  const name = new TextEncoder().encode('callisto-e2e');
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, n, true);
  const content = u8aConcat([name.length], name, payload); // lengths < 128: one LEB byte each
  return u8aToHex(u8aConcat(wasm, [0, content.length], content));
}

test('dry runs of fresh debug builds write nothing to disk; an upload in a block writes one file that outlives a restart', { timeout: 300_000 }, async () => {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const abi = readAbi('trapper');
  const debugWasm = readArtifact('trapper.debug.wasm');
  // Selectors and arguments, without the length prefix `toU8a` puts in front.
  const newData = u8aToHex(compactStripLength(abi.findConstructor('new').toU8a([]))[1]);
  const panicData = u8aToHex(compactStripLength(abi.findMessage('panic').toU8a([]))[1]);
  const basePath = mkdtempSync(join(tmpdir(), 'callisto-debug-info-'));
  const dir = join(basePath, 'contracts-debug-info');
  const files = () => readdirSync(dir).sort();
  let node;
  try {
    node = await startNode([], { basePath });
    const { api, provider } = node;
    const before = files();

    // Six dry runs, each of new code: four through the runtime API, two traced.
    for (let n = 1; n <= 4; n += 1) {
      const dry = await api.call.contractsApi.instantiate(alice.address, 0, GAS, null, { Upload: freshCode(debugWasm, n) }, newData, `0x0${n}`);
      assert.ok(dry.result.isOk, `dry run ${n}: ${dry.result.toString()}`);
    }
    for (let n = 5; n <= 6; n += 1) {
      const traced = await provider.send('contracts_traceInstantiate', [{
        origin: alice.address, code: { upload: freshCode(debugWasm, n) }, data: newData, salt: `0x0${n}`,
      }]);
      assert.ok(traced.result.result.ok, `traced dry run ${n}: ${JSON.stringify(traced.result)}`);
    }
    console.log(`# contracts-debug-info: ${before.length} files before six dry runs, ${files().length} after`);
    assert.deepEqual(files(), before, 'dry runs write no file');

    // On chain: the code of dry run 1, so the debug info only memory had now reaches the disk.
    const tx = api.tx.contracts.instantiateWithCode(0, GAS, null, freshCode(debugWasm, 1), newData, '0x');
    const included = await submit(tx, alice);
    assert.ok(!included.dispatchError, `upload failed: ${included.dispatchError?.toString()}`);
    const stored = included.events.find(({ event }) => api.events.contracts.CodeStored.is(event));
    const contract = included.events.find(({ event }) => api.events.contracts.Instantiated.is(event)).event.data.contract.toString();
    const file = `${stored.event.data.codeHash.toHex()}.debug.wasm`;
    console.log(`# contracts-debug-info after the upload in a block: ${files().join(', ')}`);
    assert.deepEqual(files(), [...before, file].sort(), 'the upload writes exactly its file');

    const located = async (context) => {
      const traced = await node.provider.send('contracts_traceCall', [{ origin: alice.address, dest: contract, inputData: panicData }]);
      const trap = traced.trace.trap;
      assert.equal(trap?.kind, 'Panic', `${context}: ${JSON.stringify(trap)}`);
      assert.equal(trap.location?.file, TRAPPER_SOURCE, `${context}: ${JSON.stringify(trap)}`);
      assert.equal(trap.location.line, markedLine('panic'), context);
    };
    await located('before the restart');

    await node.stop();
    node = await startNode([], { basePath });
    await located('after the restart');
    assert.deepEqual(files(), [...before, file].sort(), 'the restart keeps the file and adds none');
  } finally {
    await node?.stop();
    rmSync(basePath, { recursive: true, force: true });
  }
});
