// A real ink! debug build that traps, on a real node: the ContractTrapped event, decoded by
// polkadot.js from metadata, names the kind, the panic message and the exact source line (the
// node symbolicates the trap's frames from the uploaded DWARF), on both backends; for a dry run
// and for an extrinsic that fails, whose own events FRAME rolls back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { startNode } from './node.js';
import { TRAPPER_SOURCE, TRAPS, markedLine, readAbi, readArtifact, submit } from './trapper.js';

function trapEvents(records) {
  return records
    .filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped')
    .map(({ event, phase }) => ({ phase: phase.type, ...event.data.toHuman() }));
}

async function scenario(backend) {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const node = await startNode(['--sandbox-backend', backend]);
  try {
    const { api } = node;
    const abi = readAbi('trapper');
    const debugWasm = readArtifact('trapper.debug.wasm');
    const maxGas = api.registry.createType('WeightV2', api.consts.system.blockWeights.maxBlock);

    // Deploy the debug twin: the chain keeps the stripped code, the node the DWARF.
    const code = new CodePromise(api, abi, debugWasm);
    const deployed = await submit(code.tx.new({ gasLimit: api.registry.createType('WeightV2', { refTime: 100_000_000_000n, proofSize: 2_000_000n }), storageDepositLimit: null }), alice);
    assert.ok(deployed.contract, `deploy failed: ${deployed.dispatchError?.toString()}`);
    const contract = new ContractPromise(api, abi, deployed.contract.address);

    // Dry run: the event is in the returned events.
    const data = abi.findMessage('panic').toU8a([]);
    const dry = await api.call.contractsApi.call(alice.address, contract.address, 0, maxGas, null, data);
    assert.ok(dry.result.isErr, 'panic must trap');
    const dryTraps = trapEvents(dry.events.unwrap());
    // Every trapping message, dry-run: one located event each.
    const everyTrap = [];
    for (const { message, args } of TRAPS) {
      const out = await api.call.contractsApi.call(alice.address, contract.address, 0, maxGas, null, abi.findMessage(message).toU8a(args));
      everyTrap.push(trapEvents(out.events.unwrap()));
    }

    // A failing extrinsic: FRAME rolls its events back, the trap is deposited again after the
    // dispatch, among the extrinsic's own events (what the sender's callback sees).
    const overflow = abi.findMessage('overflow').toU8a([]);
    const tx = api.tx.contracts.call(contract.address, 0, { refTime: 50_000_000_000n, proofSize: 1_000_000n }, null, overflow);
    const failed = await submit(tx, alice);
    assert.ok(failed.dispatchError, 'overflow must fail the extrinsic');
    const blockEvents = await api.query.system.events.at(failed.status.asInBlock);
    const blockTraps = trapEvents(blockEvents);
    assert.deepEqual(trapEvents(failed.events), blockTraps, 'the sender sees the trap too');

    // A nested trap: the ink! caller survives the trapper's division by zero (try_invoke),
    // the extrinsic succeeds and the trap's event stays in the extrinsic's own events.
    const callerAbi = readAbi('caller');
    const callerCode = new CodePromise(api, callerAbi, readArtifact('caller.wasm'));
    const gas = api.registry.createType('WeightV2', { refTime: 100_000_000_000n, proofSize: 2_000_000n });
    const callerDeployed = await submit(callerCode.tx.new({ gasLimit: gas, storageDepositLimit: null }, false), alice);
    const caller = new ContractPromise(api, callerAbi, callerDeployed.contract.address);
    const divide = abi.findMessage('divide_by_zero').selector.toHex();
    const nested = await submit(caller.tx.tryCall({ gasLimit: gas, storageDepositLimit: null }, contract.address, divide), alice);
    assert.ok(!nested.dispatchError, `the caller must survive: ${nested.dispatchError?.toString()}`);
    const nestedTraps = trapEvents(nested.events);
    return { dryTraps, everyTrap, blockTraps, nestedTraps, trapper: contract.address.toString(), log: node.logs() };
  } finally {
    await node.stop();
  }
}

test('ContractTrapped names kind, message and source line for dry runs and failed extrinsics', { timeout: 600_000 }, async () => {
  for (const backend of ['wasmi', 'wasmtime']) {
    const { dryTraps, everyTrap, blockTraps, nestedTraps, trapper, log } = await scenario(backend);
    TRAPS.forEach(({ message, marker, kind }, i) => {
      const events = everyTrap[i];
      assert.equal(events.length, 1, `${backend} ${message}: ${JSON.stringify(events)}`);
      assert.equal(events[0].kind, kind, `${backend} ${message}`);
      assert.equal(events[0].location?.file, TRAPPER_SOURCE, `${backend} ${message}: ${JSON.stringify(events[0])}`);
      assert.equal(Number(events[0].location.line), markedLine(marker), `${backend} ${message}`);
    });
    assert.equal(nestedTraps.length, 1, `${backend}: ${JSON.stringify(nestedTraps)}`);
    const [nestedTrap] = nestedTraps;
    assert.equal(nestedTrap.phase, 'ApplyExtrinsic', backend);
    assert.equal(nestedTrap.contract, trapper, backend);
    assert.equal(nestedTrap.kind, 'DivisionByZero', backend);
    assert.equal(dryTraps.length, 1, `${backend}: ${JSON.stringify(dryTraps)}`);
    const [dryTrap] = dryTraps;
    assert.equal(dryTrap.kind, 'Panic', backend);
    // One line of text, so polkadot.js (and apps) show it as a string.
    assert.match(dryTrap.message, new RegExp(`^panicked at .*lib.rs:${markedLine('panic')}:\\d+: trapper: explicit panic$`), backend);

    assert.equal(blockTraps.length, 1, `${backend}: ${JSON.stringify(blockTraps)}`);
    const [blockTrap] = blockTraps;
    assert.equal(blockTrap.phase, 'ApplyExtrinsic', backend);
    assert.equal(blockTrap.kind, 'ArithmeticOverflow', backend);

    // Both backends: wasmi's frames come from replaying the trapping call on wasmtime.
    assert.equal(dryTrap.location.file, TRAPPER_SOURCE, backend);
    assert.equal(Number(dryTrap.location.line), markedLine('panic'), backend);
    assert.equal(blockTrap.location.file, TRAPPER_SOURCE, backend);
    assert.equal(Number(blockTrap.location.line), markedLine('overflow'), backend);
    assert.equal(nestedTrap.location.file, TRAPPER_SOURCE, backend);
    assert.equal(Number(nestedTrap.location.line), markedLine('divide'), backend);
    // The node log tells the developer too, with the whole backtrace.
    assert.match(log, new RegExp(`trapped: ArithmeticOverflow at ${TRAPPER_SOURCE}:${markedLine('overflow')}`), backend);
    assert.match(log, new RegExp(`backtrace of the trap in code 0x[0-9a-f]{64}:(\\n +\\d+: [^\\n]*)*\\n +\\d+: ${TRAPPER_SOURCE}:${markedLine('overflow')}:\\d+ in `), backend);
  }
});

test('uploading the debug build attaches DWARF to code deployed without it, on chain', { timeout: 300_000 }, async () => {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const node = await startNode(['--sandbox-backend', 'wasmtime']);
  try {
    const { api, provider } = node;
    const abi = readAbi('trapper');
    const maxGas = api.registry.createType('WeightV2', api.consts.system.blockWeights.maxBlock);
    const code = new CodePromise(api, abi, readArtifact('trapper.wasm'));
    const gas = api.registry.createType('WeightV2', { refTime: 100_000_000_000n, proofSize: 2_000_000n });
    const deployed = await submit(code.tx.new({ gasLimit: gas, storageDepositLimit: null }), alice);
    const address = deployed.contract.address;
    const panic = abi.findMessage('panic').toU8a([]);
    const trapOf = async () => trapEvents((await api.call.contractsApi.call(alice.address, address, 0, maxGas, null, panic)).events.unwrap())[0];

    assert.equal((await trapOf()).location, null, 'no debug info yet');

    // Bad input: a clear error, nothing stored.
    await assert.rejects(provider.send('contracts_registerDebugInfo', [u8aToHex(readArtifact('trapper.wasm'))]), /no \.debug_\* sections/);
    await assert.rejects(provider.send('contracts_registerDebugInfo', [u8aToHex(readArtifact('flipper.debug.wasm'))]), /is on chain|not of any uploaded/);
    await assert.rejects(provider.send('contracts_registerDebugInfo', ['0x1234']), /debug_\* sections/);
    assert.equal((await trapOf()).location, null, 'failed registrations change nothing');

    // The node's own store (the trace RPCs render from it) does not change what the chain
    // computes: every node must deposit the same events.
    const registered = await provider.send('contracts_registerDebugInfo', [u8aToHex(readArtifact('trapper.debug.wasm'))]);
    const codeHash = blake2AsHex(readArtifact('trapper.wasm'), 256);
    assert.equal(registered.codeHash, codeHash);
    assert.equal((await trapOf()).location, null, 'node-local debug info stays off chain');
    assert.ok((await api.query.contracts.debugInfoOf(codeHash)).isNone);

    // The debug build uploaded as code strips to the stored code: the chain keeps its DWARF.
    const upload = await submit(api.tx.contracts.uploadCode(u8aToHex(readArtifact('trapper.debug.wasm')), null, 'Enforced'), alice);
    assert.ok(!upload.dispatchError, `upload: ${upload.dispatchError?.toString()}`);
    assert.ok((await api.query.contracts.debugInfoOf(codeHash)).isSome);
    const trap = await trapOf();
    assert.equal(trap.location.file, TRAPPER_SOURCE);
    assert.equal(Number(trap.location.line), markedLine('panic'));
  } finally {
    await node.stop();
  }
});
