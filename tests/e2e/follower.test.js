// One chain, one answer: a second `callisto` that follows a sealing node over localhost (its own
// empty base path, no debug info of its own) imports every block, trap events included, so each
// block's state root and events are the same on both. The two run different sandbox backends, so
// this also shows wasmi and wasmtime computing the same roots. Traffic: traps of code deployed
// without DWARF, `contracts_registerDebugInfo` on the sealer only (node-local, so no event may
// change), the debug build uploaded afterwards (the chain attaches its DWARF), failed extrinsics
// and a nested trap. Then the sealer restarts on a copy of its database without its debug-info
// folder, seals another trap, and the follower imports that too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, xxhashAsHex } from '@polkadot/util-crypto';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { startNode } from './node.js';
import { TRAPPER_SOURCE, markedLine, readAbi, readArtifact, submit } from './trapper.js';

const EVENTS_KEY = xxhashAsHex('System', 128) + xxhashAsHex('Events', 128).slice(2);
const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };
// The sealer's network key: the same peer id after its restart, so the follower finds it again.
const SEALER_KEY = ['--node-key', '11'.repeat(32)];

function trapEvents(records) {
  return records
    .filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped')
    .map(({ event, phase }) => ({ phase: phase.toString(), ...event.data.toHuman() }));
}

/** Waits until `follower` has imported `sealer`'s best block; returns its number. */
async function synced(sealer, follower, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const best = await sealer.api.rpc.chain.getHeader();
    const hash = await follower.api.rpc.chain.getBlockHash(best.number.toNumber());
    if (hash.eq(best.hash)) return best.number.toNumber();
    if (Date.now() > deadline) {
      const theirs = await follower.api.rpc.chain.getHeader();
      throw new Error(`the follower is at #${theirs.number} (${theirs.hash}), the sealer at #${best.number}:\n${follower.logs().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every block 1..=head: same hash, state root and raw events on both nodes. */
async function sameChain(sealer, follower, head) {
  for (let n = 1; n <= head; n++) {
    const [ours, theirs] = await Promise.all([sealer, follower].map((node) => node.api.rpc.chain.getBlockHash(n)));
    assert.equal(theirs.toHex(), ours.toHex(), `block #${n}`);
    const [a, b] = await Promise.all([sealer, follower].map((node) => node.api.rpc.chain.getHeader(ours)));
    assert.equal(b.stateRoot.toHex(), a.stateRoot.toHex(), `state root of #${n}`);
    const [ea, eb] = await Promise.all([sealer, follower].map((node) => node.provider.send('state_getStorage', [EVENTS_KEY, ours.toHex()])));
    assert.equal(eb, ea, `events of #${n}`);
  }
}

async function followerScenario(sealerBackend, followerBackend) {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  let sealer = await startNode(['--sandbox-backend', sealerBackend, ...SEALER_KEY], { keepBasePath: true });
  const sealerPath = sealer.basePath;
  const p2pPort = sealer.p2pPort;
  const peerId = await sealer.provider.send('system_localPeerId', []);
  const copyPath = mkdtempSync(join(tmpdir(), 'callisto-e2e-copy-'));
  let follower;
  try {
    follower = await startNode(['--chain', 'dev', '--sealing', 'manual', '--sandbox-backend', followerBackend,
      '--bootnodes', `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${peerId}`], { dev: false });
    const { api, provider } = sealer;
    const abi = readAbi('trapper');
    const gas = api.registry.createType('WeightV2', GAS);
    const failing = async (message) => {
      const tx = api.tx.contracts.call(trapper, 0, GAS, null, abi.findMessage(message).toU8a([]));
      const result = await submit(tx, alice);
      assert.ok(result.dispatchError, `${message} must fail the extrinsic`);
      return { block: result.status.asInBlock.toHex(), traps: trapEvents(result.events) };
    };

    // Deployed without DWARF: traps have no location.
    const code = new CodePromise(api, abi, readArtifact('trapper.wasm'));
    const deployed = await submit(code.tx.new({ gasLimit: gas, storageDepositLimit: null }), alice);
    assert.ok(deployed.contract, `deploy: ${deployed.dispatchError?.toString()}`);
    const trapper = deployed.contract.address.toString();
    const unlocated = await failing('panic');
    assert.equal(unlocated.traps.length, 1, JSON.stringify(unlocated));
    assert.equal(unlocated.traps[0].location, null);

    // Node-local debug info: the sealer's trace RPCs locate, the chain's events do not change.
    await provider.send('contracts_registerDebugInfo', [u8aToHex(readArtifact('trapper.debug.wasm'))]);
    const afterRegister = await failing('overflow');
    assert.equal(afterRegister.traps[0].location, null, 'registerDebugInfo changes no event');

    // The debug build uploaded: the chain keeps its DWARF, every node locates the trap.
    const upload = await submit(api.tx.contracts.uploadCode(u8aToHex(readArtifact('trapper.debug.wasm')), null, 'Enforced'), alice);
    assert.ok(!upload.dispatchError, `upload: ${upload.dispatchError?.toString()}`);
    const located = await failing('divide_by_zero');
    assert.equal(located.traps[0].location?.file, TRAPPER_SOURCE, JSON.stringify(located));
    assert.equal(Number(located.traps[0].location.line), markedLine('divide'));

    // A nested trap in an extrinsic that succeeds.
    const callerAbi = readAbi('caller');
    const callerCode = new CodePromise(api, callerAbi, readArtifact('caller.wasm'));
    const callerDeployed = await submit(callerCode.tx.new({ gasLimit: gas, storageDepositLimit: null }, false), alice);
    const caller = new ContractPromise(api, callerAbi, callerDeployed.contract.address);
    const divide = abi.findMessage('divide_by_zero').selector.toHex();
    const nested = await submit(caller.tx.tryCall({ gasLimit: gas, storageDepositLimit: null }, trapper, divide), alice);
    assert.ok(!nested.dispatchError, `the caller survives: ${nested.dispatchError?.toString()}`);
    assert.equal(trapEvents(nested.events)[0]?.location?.file, TRAPPER_SOURCE);

    let head = await synced(sealer, follower);
    await sameChain(sealer, follower, head);

    // The trace RPCs of both nodes re-execute the blocks and locate the same traps: the sealer
    // from what it was given, the follower from the DWARF the chain attached later.
    const blocks = [[unlocated.block, 'panic'], [afterRegister.block, 'overflow'], [located.block, 'divide']];
    for (const [block, marker] of blocks) {
      const [ours, theirs] = await Promise.all([sealer, follower].map((node) => node.provider.send('contracts_traceBlock', [block])));
      const traps = (trace) => trace.extrinsics.map(({ index, trace: frame }) => ({ index, trap: frame.trap }));
      assert.equal(traps(ours)[0].trap.location?.line, markedLine(marker), `${marker}: ${JSON.stringify(traps(ours))}`);
      assert.deepEqual(traps(theirs), traps(ours), `traces of the ${marker} block`);
    }

    // The sealer restarts on a copy of its database without its debug-info folder.
    await sealer.stop();
    cpSync(sealerPath, copyPath, { recursive: true, filter: (src) => !src.includes('contracts-debug-info') });
    sealer = await startNode(['--sandbox-backend', sealerBackend, ...SEALER_KEY], { basePath: copyPath, p2pPort });
    const again = await (async () => {
      const tx = sealer.api.tx.contracts.call(trapper, 0, GAS, null, abi.findMessage('divide_by_zero').toU8a([]));
      const result = await submit(tx, alice);
      return trapEvents(result.events);
    })();
    assert.deepEqual(again.map(({ phase, ...rest }) => rest), located.traps.map(({ phase, ...rest }) => rest),
      'the same trap, located alike without the folder');
    head = await synced(sealer, follower);
    await sameChain(sealer, follower, head);
    return head;
  } finally {
    await follower?.stop();
    await sealer.stop();
    rmSync(sealerPath, { recursive: true, force: true });
    rmSync(copyPath, { recursive: true, force: true });
  }
}

test('a follower node imports every block of a sealing node, trap events included, on either backend', { timeout: 900_000 }, async () => {
  for (const [sealer, follower] of [['wasmtime', 'wasmi'], ['wasmi', 'wasmtime']]) {
    const head = await followerScenario(sealer, follower);
    console.log(`# sealer on ${sealer}, follower on ${follower}: ${head} blocks, identical`);
  }
});
