// Contract traces on a real node, on both backends: the trapper's debug build deployed with
// polkadot.js traps in transactions and dry runs (each of its seven trapping messages), and
// contracts_traceExtrinsic / contracts_traceBlock / contracts_traceCall /
// contracts_traceInstantiate return its call tree with the trap located
// on the fixture's marked line; a caller's nested call shows up in `calls`; bad arguments get
// their JSON-RPC error codes; `callisto trace` prints the tree. And a contract deployed without
// debug info traces with offsets only, until contracts_registerDebugInfo locates the same
// extrinsic's trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, randomAsHex } from '@polkadot/util-crypto';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { callistoBin, startNode } from './node.js';
import { TRAPPER_SOURCE, TRAPS, markedLine, readAbi, readArtifact, submit } from './trapper.js';

/** JSON-RPC error codes of the trace methods (node/src/diagnostics/errors.rs, docs/RPC.md). */
const UNKNOWN_BLOCK = 8010;
const INDEX_OUT_OF_RANGE = 8011;
const NO_CONTRACT_CALL = 8012;


/** The block hash, block number and extrinsic index of a submitted transaction. */
async function whereIncluded(api, result) {
  const blockHash = result.status.asInBlock.toHex();
  const block = await api.rpc.chain.getBlock(blockHash);
  const index = block.block.extrinsics.findIndex((x) => x.hash.toHex() === result.txHash.toHex());
  assert.ok(index >= 0, 'the transaction is in its block');
  return { blockHash, blockNumber: block.block.header.number.toNumber(), index };
}

const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };

/** Rejects with JSON-RPC error `code`. */
async function assertRpcError(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

/** Asserts that `trap` is located on the trapper's line marked `kind`. */
function assertLocated(trap, kind, context) {
  assert.ok(trap, `${context}: a trap`);
  assert.ok(trap.location, `${context}: located: ${JSON.stringify(trap)}`);
  assert.equal(trap.location.file, TRAPPER_SOURCE, context);
  assert.equal(trap.location.line, markedLine(kind), context);
  assert.ok(trap.backtrace.some((f) => f.file === TRAPPER_SOURCE && f.line === markedLine(kind)),
    `${context}: the backtrace has the line: ${JSON.stringify(trap.backtrace)}`);
}

async function scenario(backend) {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const node = await startNode(['--sandbox-backend', backend]);
  try {
    const { api, provider } = node;
    const gas = api.registry.createType('WeightV2', GAS);
    const abi = readAbi('trapper');

    // The debug twin: the chain keeps the stripped code, the node the DWARF.
    const deployed = await submit(new CodePromise(api, abi, readArtifact('trapper.debug.wasm')).tx.new({ gasLimit: gas, storageDepositLimit: null }), alice);
    assert.ok(deployed.contract, `deploy failed: ${deployed.dispatchError?.toString()}`);
    const trapper = deployed.contract.address.toString();

    // A failing transaction: the overflow traps.
    const overflow = abi.findMessage('overflow').selector.toHex();
    const failed = await submit(api.tx.contracts.call(trapper, 0, GAS, null, overflow), alice);
    assert.ok(failed.dispatchError, 'overflow must fail the extrinsic');
    const at = await whereIncluded(api, failed);

    const byHash = await provider.send('contracts_traceExtrinsic', [at.blockHash, at.index]);
    assert.equal(byHash.blockHash, at.blockHash, backend);
    assert.equal(byHash.blockNumber, at.blockNumber, backend);
    assert.equal(byHash.extrinsicIndex, at.index, backend);
    assert.equal(byHash.type, 'CALL', backend);
    assert.equal(byHash.from, alice.address, backend);
    assert.equal(byHash.to, trapper, backend);
    assert.equal(byHash.input, overflow, backend);
    assert.match(byHash.error, /^trapped: ArithmeticOverflow/, backend);
    assert.equal(byHash.trap.kind, 'ArithmeticOverflow', backend);
    assertLocated(byHash.trap, 'overflow', `${backend} traceExtrinsic`);
    assert.ok(BigInt(byHash.gasUsed) > 0n && BigInt(byHash.gasUsed) <= BigInt(byHash.gas), backend);
    assert.deepEqual(byHash.calls, [], backend);
    assert.ok(byHash.hostCalls.length > 0, `${backend}: the contract read its input`);

    // By number, the same trace (now from the cache).
    const byNumber = await provider.send('contracts_traceExtrinsic', [at.blockNumber, at.index]);
    assert.deepEqual(byNumber, byHash, backend);

    const block = await provider.send('contracts_traceBlock', [at.blockHash]);
    assert.equal(block.blockNumber, at.blockNumber, backend);
    const entry = block.extrinsics.find((e) => e.index === at.index);
    assert.ok(entry, `${backend}: traceBlock lists the extrinsic: ${JSON.stringify(block.extrinsics.map((e) => e.index))}`);
    assertLocated(entry.trace.trap, 'overflow', `${backend} traceBlock`);
    assert.ok(!block.extrinsics.some((e) => e.index === 0), `${backend}: the timestamp inherent ran no contract`);

    // A nested trap: the caller survives the trapper's division by zero.
    const callerAbi = readAbi('caller');
    const callerDeployed = await submit(new CodePromise(api, callerAbi, readArtifact('caller.wasm')).tx.new({ gasLimit: gas, storageDepositLimit: null }, false), alice);
    const caller = new ContractPromise(api, callerAbi, callerDeployed.contract.address);
    const divide = abi.findMessage('divide_by_zero').selector.toHex();
    const nestedResult = await submit(caller.tx.tryCall({ gasLimit: gas, storageDepositLimit: null }, trapper, divide), alice);
    assert.ok(!nestedResult.dispatchError, `${backend}: the caller must survive: ${nestedResult.dispatchError?.toString()}`);
    const nestedAt = await whereIncluded(api, nestedResult);
    const nested = await provider.send('contracts_traceExtrinsic', [nestedAt.blockHash, nestedAt.index]);
    assert.equal(nested.to, caller.address.toString(), backend);
    assert.equal(nested.error, undefined, `${backend}: the caller succeeded`);
    assert.equal(nested.trap, undefined, backend);
    assert.equal(nested.calls.length, 1, `${backend}: ${JSON.stringify(nested.calls)}`);
    const [inner] = nested.calls;
    assert.equal(inner.type, 'CALL', backend);
    assert.equal(inner.from, caller.address.toString(), backend);
    assert.equal(inner.to, trapper, backend);
    assert.equal(inner.input.slice(0, 10), divide, backend);
    assert.equal(inner.trap.kind, 'DivisionByZero', backend);
    assertLocated(inner.trap, 'divide', `${backend} nested`);
    assert.ok(BigInt(inner.gas) <= BigInt(nested.gas), backend);
    assert.ok(nested.hostCalls.some((h) => h.call === 0), `${backend}: a host call created the nested frame`);

    // A dry run: nothing submitted, the same kind of tree.
    const panic = abi.findMessage('panic').selector.toHex();
    const dry = await provider.send('contracts_traceCall', [{ origin: alice.address, dest: trapper, inputData: panic }]);
    assert.equal(dry.result.result.err, 'Contracts::ContractTrapped', `${backend}: ${JSON.stringify(dry.result)}`);
    assert.ok(dry.result.gasConsumed.refTime > 0, backend);
    assert.match(dry.result.debugMessage, /trapper: explicit panic/, backend);
    assert.equal(dry.trace.trap.kind, 'Panic', backend);
    assert.match(dry.trace.trap.message, /trapper: explicit panic$/, backend);
    assertLocated(dry.trace.trap, 'panic', `${backend} traceCall`);
    // Every trapping message of the fixture, as a dry run and as a failing transaction: the
    // trace and the block's ContractTrapped event are located at its marked line.
    for (const { message, args, marker, kind } of TRAPS) {
      // `toU8a` length-prefixes the call data, as a SCALE `Bytes`; the RPC takes it raw.
      const inputData = u8aToHex(compactStripLength(abi.findMessage(message).toU8a(args))[1]);
      const traced = await provider.send('contracts_traceCall', [{ origin: alice.address, dest: trapper, inputData }]);
      assert.equal(traced.trace.trap?.kind, kind, `${backend} ${message}: ${JSON.stringify(traced.trace.trap)}`);
      assertLocated(traced.trace.trap, marker, `${backend} traceCall ${message}`);

      const sent = await submit(api.tx.contracts.call(trapper, 0, GAS, null, inputData), alice);
      assert.ok(sent.dispatchError, `${backend} ${message} must fail the extrinsic`);
      const where = await whereIncluded(api, sent);
      const fromBlock = await provider.send('contracts_traceExtrinsic', [where.blockHash, where.index]);
      assert.equal(fromBlock.trap?.kind, kind, `${backend} ${message}`);
      assertLocated(fromBlock.trap, marker, `${backend} traceExtrinsic ${message}`);
      const events = (await api.query.system.events.at(where.blockHash))
        .filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped')
        .map(({ event }) => event.data.toHuman());
      assert.equal(events.length, 1, `${backend} ${message}: ${JSON.stringify(events)}`);
      assert.equal(events[0].kind, kind, `${backend} ${message}`);
      assert.equal(events[0].location?.file, TRAPPER_SOURCE, `${backend} ${message}`);
      assert.equal(Number(events[0].location.line), markedLine(marker), `${backend} ${message}`);
    }
    // Every host call says where the contract made it; some are in the contract's own source.
    assert.ok(dry.trace.hostCalls.every((h) => h.callSite.offset > 0), `${backend}: ${JSON.stringify(dry.trace.hostCalls)}`);
    assert.ok(dry.trace.hostCalls.some((h) => h.callSite.file === TRAPPER_SOURCE && h.callSite.line > 0),
      `${backend}: ${JSON.stringify(dry.trace.hostCalls.map((h) => h.callSite))}`);
    const fine = await provider.send('contracts_traceCall', [{
      origin: alice.address, dest: trapper, value: 0, gasLimit: { refTime: 50_000_000_000, proofSize: 1_000_000 },
      storageDepositLimit: null, inputData: abi.findMessage('no_trap').selector.toHex(),
    }]);
    assert.equal(fine.result.result.ok.reverted, false, backend);
    assert.equal(fine.trace.error, undefined, backend);
    assert.equal(fine.trace.output, fine.result.result.ok.data, backend);

    const created = await provider.send('contracts_traceInstantiate', [{
      origin: alice.address,
      code: { existing: blake2AsHex(readArtifact('trapper.wasm'), 256) },
      data: abi.findConstructor('new').selector.toHex(),
      salt: randomAsHex(8),
    }]);
    assert.ok(created.result.result.ok, `${backend}: ${JSON.stringify(created.result)}`);
    assert.equal(created.trace.type, 'CREATE', backend);
    assert.equal(created.trace.to, created.result.result.ok.accountId, backend);
    assert.equal(created.trace.error, undefined, backend);

    // Bad arguments.
    await assertRpcError(provider.send('contracts_traceExtrinsic', [`0x${'ab'.repeat(32)}`, 0]), UNKNOWN_BLOCK, /not known/);
    await assertRpcError(provider.send('contracts_traceBlock', [at.blockNumber + 1000]), UNKNOWN_BLOCK);
    await assertRpcError(provider.send('contracts_traceExtrinsic', [at.blockHash, 99]), INDEX_OUT_OF_RANGE, /has \d+ extrinsics/);
    await assertRpcError(provider.send('contracts_traceExtrinsic', [at.blockHash, 0]), NO_CONTRACT_CALL, /ran no contract/);

    // The command-line tree, from the same node.
    const cli = spawnSync(callistoBin(), ['trace', at.blockHash, String(at.index), '--url', node.url], { encoding: 'utf8' });
    assert.equal(cli.status, 0, `${backend}: callisto trace failed: ${cli.stderr}`);
    assert.match(cli.stdout, /^block #\d+ \(0x[0-9a-f]{64}\), extrinsic \d+$/m, backend);
    assert.match(cli.stdout, /^CALL .* trapped: ArithmeticOverflow/m, backend);
    assert.ok(cli.stdout.includes(`${TRAPPER_SOURCE}:${markedLine('overflow')}:`), `${backend}: ${cli.stdout}`);
    assert.ok(!cli.stdout.includes('\x1b['), `${backend}: no colours when not a terminal`);
    const cliError = spawnSync(callistoBin(), ['trace', at.blockHash, '99', '--url', node.url], { encoding: 'utf8' });
    assert.notEqual(cliError.status, 0, backend);
    assert.match(cliError.stderr, /error: .*has \d+ extrinsics.*\(error 8011\)/, backend);
  } finally {
    await node.stop();
  }
}

test('traces show the call tree and where each trap is in the source, on both backends', { timeout: 600_000 }, async () => {
  for (const backend of ['wasmi', 'wasmtime']) {
    await scenario(backend);
  }
});

test('a trace made without debug info is located once contracts_registerDebugInfo has it', { timeout: 300_000 }, async () => {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const node = await startNode(['--sandbox-backend', 'wasmtime']);
  try {
    const { api, provider } = node;
    const abi = readAbi('trapper');
    const gas = api.registry.createType('WeightV2', GAS);
    const deployed = await submit(new CodePromise(api, abi, readArtifact('trapper.wasm')).tx.new({ gasLimit: gas, storageDepositLimit: null }), alice);
    assert.ok(deployed.contract, `deploy failed: ${deployed.dispatchError?.toString()}`);
    const overflow = abi.findMessage('overflow').selector.toHex();
    const failed = await submit(api.tx.contracts.call(deployed.contract.address, 0, GAS, null, overflow), alice);
    assert.ok(failed.dispatchError, 'overflow must fail the extrinsic');
    const at = await whereIncluded(api, failed);

    const before = await provider.send('contracts_traceExtrinsic', [at.blockHash, at.index]);
    assert.equal(before.trap.kind, 'ArithmeticOverflow');
    assert.equal(before.trap.location, null, 'no debug info yet');
    assert.ok(before.trap.backtrace.length > 0, 'the sandbox reported frames');
    for (const frame of before.trap.backtrace) {
      assert.deepEqual(Object.keys(frame), ['offset'], `offsets only: ${JSON.stringify(frame)}`);
      assert.ok(Number.isInteger(frame.offset));
    }
    const cli = spawnSync(callistoBin(), ['trace', String(at.blockNumber), String(at.index), '--url', node.url], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /contracts_registerDebugInfo/, 'the tree says how to get a location');

    await provider.send('contracts_registerDebugInfo', [u8aToHex(readArtifact('trapper.debug.wasm'))]);

    // The same extrinsic, from the same raw trace: now with file and line.
    const after = await provider.send('contracts_traceExtrinsic', [at.blockHash, at.index]);
    assertLocated(after.trap, 'overflow', 'after registering');
    // One entry per source frame now (inlined ones too), so an offset may repeat in a row.
    const offsets = (trap) => trap.backtrace.map((f) => f.offset).filter((o, i, all) => i === 0 || all[i - 1] !== o);
    assert.deepEqual(offsets(after.trap), offsets(before.trap), 'the same offsets, now symbolicated');
  } finally {
    await node.stop();
  }
});
