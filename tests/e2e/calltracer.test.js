// Callisto's trace frames read by a published geth `callTracer` consumer, on a real node (the
// default backend; trace.test.js covers both). The consumer is viem-tracer's `formatCallTrace`,
// which draws the tree that `debug_traceCall` with `{ tracer: "callTracer" }` returns (type,
// from, to, value, gas, gasUsed, input, output, error, calls). Each trace below is fed to it as
// the RPC returned it, and what it drew must match the tree: one line per frame in depth-first
// order, at the frame's depth, with its type, contract, function (by the selector of `input`),
// value, gas numbers, and error or output. The frames must also have geth's field types.
// docs/RPC.md ("Mapping to geth callTracer") describes the mapping this pins down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { parseEther } from 'viem';
import { formatCallTrace } from 'viem-tracer';
import { startNode } from './node.js';
import { readAbi, readArtifact, submit } from './trapper.js';

const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };
const UNIT = 1_000_000_000_000n;

/** geth callTracer frame types (https://geth.ethereum.org/docs/developers/evm-tracing/built-in-tracers#call-tracer). */
const GETH_TYPES = ['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE', 'CREATE', 'CREATE2', 'SELFDESTRUCT'];
const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const BYTES = /^0x([0-9a-f]{2})*$/;

/**
 * Asserts that `frame` and the frames under it have geth's callTracer fields with geth's types,
 * that accounts are SS58 of 32-byte account ids, and that a frame's gasUsed covers its own
 * and its children's.
 */
function assertCallTracerShape(frame, path = 'top') {
  assert.ok(GETH_TYPES.includes(frame.type), `${path}: type ${frame.type}`);
  for (const field of ['from', 'to']) {
    assert.equal(typeof frame[field], 'string', `${path}.${field}`);
    assert.equal(decodeAddress(frame[field]).length, 32, `${path}.${field}: ${frame[field]}`);
  }
  for (const field of ['value', 'gas', 'gasUsed']) assert.match(frame[field], QUANTITY, `${path}.${field}`);
  for (const field of ['input', 'output']) assert.match(frame[field], BYTES, `${path}.${field}`);
  if ('error' in frame) assert.ok(typeof frame.error === 'string' && frame.error.length > 0, `${path}.error`);
  assert.ok(!('revertReason' in frame), `${path}: Callisto never sets revertReason`);
  assert.ok(BigInt(frame.gasUsed) <= BigInt(frame.gas), `${path}: gasUsed ${frame.gasUsed} <= gas ${frame.gas}`);
  assert.ok(Array.isArray(frame.calls), `${path}.calls`);
  const childrenUsed = frame.calls.reduce((sum, call) => sum + BigInt(call.gasUsed), 0n);
  assert.ok(childrenUsed <= BigInt(frame.gasUsed), `${path}: gasUsed includes the nested frames'`);
  frame.calls.forEach((call, i) => assertCallTracerShape(call, `${path}.calls[${i}]`));
}

/** The frames of a tree depth-first, as the consumer visits them, each with its depth. */
function flatten(frame, depth = 0) {
  return [{ frame, depth }, ...frame.calls.flatMap((call) => flatten(call, depth + 1))];
}

/** viem-tracer's signature cache (selector -> `name()`), from the fixtures' ink! metadata. */
function signatures(...names) {
  const functions = {};
  for (const name of names) {
    const abi = readAbi(name);
    for (const item of [...abi.messages, ...abi.constructors]) functions[item.selector.toHex()] = `${item.identifier}()`;
  }
  return { functions, events: {} };
}

/** A frame line of formatCallTrace with `{ gas: true }`, colours stripped. */
const FRAME_LINE = /^( *)(\d+) ↳ ([A-Z0-9]+) (?:\(([^)]*)\)|self)\.(\w+)(?:\{ ([0-9.]+) ETH \})?\[ ([^/\]]+) \/ ([^\]]+) \]\(\)(?: -> (.*))?$/;

/** What viem-tracer makes of `trace`: the top caller and one record per line it drew. */
function consumerView(trace, sigs) {
  // eslint-disable-next-line no-control-regex
  const text = formatCallTrace(trace, { gas: true }, sigs).replace(/\x1b\[[0-9;]*m/g, '');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const from = /^0 ↳ FROM (.*)$/.exec(lines[0]);
  assert.ok(from, `the consumer's first line names the caller:\n${text}`);
  const frames = lines.slice(1).map((line) => {
    const m = FRAME_LINE.exec(line);
    assert.ok(m, `a frame line the consumer drew: ${JSON.stringify(line)}\n${text}`);
    const [, indent, depth, type, to, name, ether, used, gas, result] = m;
    assert.equal(indent.length, 2 * Number(depth), `indentation follows depth: ${line}`);
    return {
      depth: Number(depth),
      type,
      to: to ?? 'self',
      name,
      value: ether === undefined ? 0n : parseEther(ether),
      // toLocaleString's digit grouping depends on the locale: keep the digits.
      gasUsed: BigInt(used.replace(/\D/g, '')),
      gas: BigInt(gas.replace(/\D/g, '')),
      result: result ?? '',
    };
  });
  return { from: from[1], frames, text };
}

/** What the consumer drew, shown at the end of the test. */
const drawings = [];

/**
 * Feeds `trace` to the consumer and asserts that it drew the tree: the top caller, then every
 * frame at its depth with its type, contract, function, value, gas, and error or output.
 */
function assertConsumerReads(trace, sigs, context) {
  const view = consumerView(trace, sigs);
  assert.equal(view.from, trace.from, `${context}: the caller`);
  const expected = flatten(trace).map(({ frame, depth }) => ({
    depth,
    type: frame.type,
    to: frame.from === frame.to ? 'self' : frame.to,
    name: sigs.functions[frame.input.slice(0, 10)].slice(0, -2),
    value: BigInt(frame.value),
    gasUsed: BigInt(frame.gasUsed),
    gas: BigInt(frame.gas),
    result: frame.error ?? frame.output,
  }));
  assert.deepEqual(view.frames, expected, `${context}: the consumer's view:\n${view.text}`);
  drawings.push(`${context}:\n${view.text.trimEnd()}`);
  return view;
}

/** The block hash and extrinsic index of a submitted transaction. */
async function whereIncluded(api, result) {
  const blockHash = result.status.asInBlock.toHex();
  const block = await api.rpc.chain.getBlock(blockHash);
  const index = block.block.extrinsics.findIndex((x) => x.hash.toHex() === result.txHash.toHex());
  assert.ok(index >= 0, 'the transaction is in its block');
  return { blockHash, index };
}

/** A message's call data as the trace RPCs take it (SCALE, without the length prefix). */
const callData = (abi, message, args = []) => u8aToHex(compactStripLength(abi.findMessage(message).toU8a(args))[1]);

test('a geth callTracer consumer (viem-tracer) reads contracts_trace* call trees', { timeout: 300_000 }, async (t) => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const node = await startNode();
  try {
    const { api, provider } = node;
    const gas = api.registry.createType('WeightV2', GAS);
    const options = { gasLimit: gas, storageDepositLimit: null };
    const sigs = signatures('caller', 'flipper', 'trapper');
    const traceOf = async (result) => {
      const at = await whereIncluded(api, result);
      const trace = await provider.send('contracts_traceExtrinsic', [at.blockHash, at.index]);
      assertCallTracerShape(trace);
      return trace;
    };

    const flipperAbi = readAbi('flipper');
    const flipperDeployed = await submit(new CodePromise(api, flipperAbi, readArtifact('flipper.wasm')).tx.new(options, false), alice);
    assert.ok(flipperDeployed.contract, `flipper: ${flipperDeployed.dispatchError?.toString()}`);
    const flipper = flipperDeployed.contract.address.toString();
    const flipperCode = blake2AsHex(readArtifact('flipper.wasm'), 256);

    // An instantiation with value: CREATE, `to` the new contract, `value` a hex quantity.
    const callerAbi = readAbi('caller');
    const endowment = 5n * UNIT;
    const callerDeployed = await submit(new CodePromise(api, callerAbi, readArtifact('caller.wasm')).tx.new({ ...options, value: endowment }, false), alice);
    assert.ok(callerDeployed.contract, `caller: ${callerDeployed.dispatchError?.toString()}`);
    const callerAddress = callerDeployed.contract.address.toString();
    const caller = new ContractPromise(api, callerAbi, callerAddress);
    const created = await traceOf(callerDeployed);
    assert.equal(created.type, 'CREATE');
    assert.equal(created.from, alice.address);
    assert.equal(created.to, callerAddress, 'a CREATE frame is `to` the new contract');
    assert.equal(created.value, `0x${endowment.toString(16)}`);
    assert.equal(created.input.slice(0, 10), callerAbi.constructors[0].selector.toHex(), 'input: the constructor call, not the code');
    assert.equal(created.codeHash, blake2AsHex(readArtifact('caller.wasm'), 256));
    assert.equal(created.error, undefined);
    const view = assertConsumerReads(created, sigs, 'instantiate');
    assert.deepEqual(view.frames.map((f) => [f.type, f.name, f.value]), [['CREATE', 'new', endowment]]);

    // A successful nested call: caller.flip(flipper) calls flipper.flip().
    const flipped = await traceOf(await submit(caller.tx.flip(options, flipper), alice));
    assert.equal(flipped.error, undefined);
    assert.equal(flipped.calls.length, 1);
    assert.deepEqual([flipped.calls[0].from, flipped.calls[0].to], [callerAddress, flipper]);
    assert.deepEqual(
      assertConsumerReads(flipped, sigs, 'nested call').frames.map((f) => [f.depth, f.type, f.to, f.name, f.result]),
      [[0, 'CALL', callerAddress, 'flip', '0x00'], [1, 'CALL', flipper, 'flip', '0x00']],
    );

    // A contract instantiating one: the nested CREATE's `to` is the account the caller returns.
    const salt = [1, 2, 3, 4];
    const instantiated = await traceOf(await submit(caller.tx.instantiateFlipper(options, flipperCode, salt), alice));
    assert.equal(instantiated.calls.length, 1);
    const [inner] = instantiated.calls;
    assert.equal(inner.type, 'CREATE');
    assert.equal(inner.from, callerAddress);
    assert.equal(inner.codeHash, flipperCode);
    // The caller's output is `Ok(account)`: 0x00, then the 32-byte account id.
    assert.equal(inner.to, encodeAddress(`0x${instantiated.output.slice(4)}`, 42));
    assert.deepEqual(
      assertConsumerReads(instantiated, sigs, 'nested instantiate').frames.map((f) => [f.depth, f.type, f.to, f.name]),
      [[0, 'CALL', callerAddress, 'instantiate_flipper'], [1, 'CREATE', inner.to, 'new']],
    );

    // Traps: a top-level one fails the extrinsic; a nested one under a caller that survives.
    const trapperAbi = readAbi('trapper');
    const trapperDeployed = await submit(new CodePromise(api, trapperAbi, readArtifact('trapper.debug.wasm')).tx.new(options), alice);
    assert.ok(trapperDeployed.contract, `trapper: ${trapperDeployed.dispatchError?.toString()}`);
    const trapper = trapperDeployed.contract.address.toString();
    const overflowed = await submit(api.tx.contracts.call(trapper, 0, GAS, null, trapperAbi.findMessage('overflow').selector.toHex()), alice);
    assert.ok(overflowed.dispatchError, 'the overflow fails the extrinsic');
    const trapped = await traceOf(overflowed);
    assert.match(trapped.error, /^trapped: ArithmeticOverflow: .*attempt to add with overflow$/);
    assert.equal(trapped.output, '0x');
    assert.deepEqual(
      assertConsumerReads(trapped, sigs, 'trap').frames.map((f) => [f.depth, f.name, f.result]),
      [[0, 'overflow', trapped.error]],
    );

    const divide = trapperAbi.findMessage('divide_by_zero').selector.toHex();
    const survived = await traceOf(await submit(caller.tx.tryCall(options, trapper, divide), alice));
    assert.equal(survived.error, undefined, 'the caller survived');
    assert.match(survived.calls[0].error, /^trapped: DivisionByZero: /);
    assert.deepEqual(
      assertConsumerReads(survived, sigs, 'nested trap').frames.map((f) => [f.depth, f.name, f.result]),
      [[0, 'try_call', survived.output], [1, 'divide_by_zero', survived.calls[0].error]],
    );

    // A revert: an ink! message that returns `Err` ends with the revert flag.
    const tooMuch = await provider.send('contracts_traceCall', [{
      origin: alice.address, dest: callerAddress, inputData: callData(callerAbi, 'transfer', [bob.address, 1_000_000n * UNIT]),
    }]);
    assert.equal(tooMuch.result.result.ok?.reverted, true, JSON.stringify(tooMuch.result));
    const reverted = tooMuch.trace;
    assertCallTracerShape(reverted);
    assert.equal(reverted.error, 'execution reverted');
    assert.equal(reverted.output, tooMuch.result.result.ok.data, 'a reverted frame keeps its output');
    assert.deepEqual(
      assertConsumerReads(reverted, sigs, 'revert').frames.map((f) => [f.name, f.result]),
      [['transfer', 'execution reverted']],
    );

    // A delegate call: the code runs as the caller, so the frame is `to` the caller itself and
    // `from` the caller's own caller; the delegated code is only in `codeHash`.
    const delegated = await provider.send('contracts_traceCall', [{
      origin: alice.address, dest: callerAddress, inputData: callData(callerAbi, 'delegate_get', [flipperCode]),
    }]);
    assertCallTracerShape(delegated.trace);
    const [delegate] = delegated.trace.calls;
    assert.equal(delegate.type, 'DELEGATECALL');
    assert.equal(delegate.from, alice.address);
    assert.equal(delegate.to, callerAddress);
    assert.equal(delegate.codeHash, flipperCode);
    assert.equal(delegate.value, delegated.trace.value);
    assert.deepEqual(
      assertConsumerReads(delegated.trace, sigs, 'delegate call').frames.map((f) => [f.depth, f.type, f.to, f.name]),
      [[0, 'CALL', callerAddress, 'delegate_get'], [1, 'DELEGATECALL', callerAddress, 'get']],
    );

    // For a consumer that wants hex accounts: SS58 -> the 32-byte account id, as the docs say.
    assert.equal(u8aToHex(decodeAddress(created.from)), u8aToHex(alice.publicKey));
    t.diagnostic('viem-tracer drew:');
    for (const line of drawings.join('\n').split('\n')) t.diagnostic(line);
  } finally {
    await node.stop();
  }
});
