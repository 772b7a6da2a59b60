// Crash and restart: a node on a fixed --base-path is SIGKILLed while contract traffic runs, then
// started again on the same base path. Its chain (ParityDB), the debug-info store
// (<base>/contracts-debug-info) and the trace store (<base>/contracts-traces) must come back:
// the head is at least the last block seen before the kill and keeps advancing, every extrinsic
// reported in a block before the kill is still in that block, the contracts' state is what the
// chain's extrinsics did, the trap traced before the kill is traced the same (from its kept file,
// and executed again where its file was deleted) and still located in the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Ledger } from './ledger.js';
import { startNode, waitForHead } from './node.js';
import { TRAPPER_SOURCE, markedLine, readAbi, readArtifact } from './trapper.js';

const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };

function callData(abi, name, args = [], ctor = false) {
  const item = ctor ? abi.findConstructor(name) : abi.findMessage(name);
  return u8aToHex(compactStripLength(item.toU8a(args))[1]);
}

/** Where `txHash` is in block `blockHash`. */
async function indexIn(api, blockHash, txHash) {
  const { block } = await api.rpc.chain.getBlock(blockHash);
  return block.extrinsics.findIndex((x) => x.hash.toHex() === txHash);
}

function assertLocated(trap, kind, marker, context) {
  assert.equal(trap?.kind, kind, `${context}: ${JSON.stringify(trap)}`);
  assert.equal(trap.location?.file, TRAPPER_SOURCE, `${context}: ${JSON.stringify(trap)}`);
  assert.equal(trap.location.line, markedLine(marker), context);
}

/** Decodes an ink! message's `Result<T, LangError>` output with type `type`. */
async function query(api, origin, contract, data, type) {
  const dry = await api.call.contractsApi.call(origin, contract, 0, null, null, data);
  assert.ok(dry.result.isOk, `query failed: ${dry.result.toString()}`);
  return api.createType(`Result<${type}, ()>`, dry.result.asOk.data.toU8a(true)).asOk;
}

test('a node killed under load comes back on its base path with its chain, state, debug info and traces', { timeout: 300_000 }, async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, dave] = ['//Alice', '//Bob', '//Dave'].map((u) => keyring.addFromUri(u));
  const abi = { flipper: readAbi('flipper'), erc20: readAbi('erc20'), trapper: readAbi('trapper') };
  const basePath = mkdtempSync(join(tmpdir(), 'callisto-restart-'));
  let node;
  try {
    node = await startNode([], { basePath });
    const { api, provider } = node;
    const failures = [];
    const ledger = new Ledger(api, { onFail: (m) => failures.push(m) });
    const submit = (...args) => ledger.submit(...args);
    const instantiate = async (signer, wasm, ctorAbi, args) => {
      const tx = api.tx.contracts.instantiateWithCode(0, GAS, null, u8aToHex(wasm), callData(ctorAbi, 'new', args, true), '0x');
      const result = await submit('deploy', tx, signer, 'success');
      assert.deepEqual(failures, []);
      return result.events.find(({ event }) => api.events.contracts.Instantiated.is(event)).event.data.contract.toString();
    };
    const flipper = await instantiate(alice, readArtifact('flipper.wasm'), abi.flipper, [false]);
    const erc20 = await instantiate(alice, readArtifact('erc20.wasm'), abi.erc20, [1_000_000n]);
    const trapper = await instantiate(alice, readArtifact('trapper.debug.wasm'), abi.trapper, []);

    // Two traps traced before the kill: A's trace file stays, B's is deleted while the node is
    // down, so A is read back and B executed again.
    const traced = {};
    for (const [name, message, kind, marker] of [['A', 'overflow', 'ArithmeticOverflow', 'overflow'], ['B', 'divide_by_zero', 'DivisionByZero', 'divide']]) {
      const result = await submit(`trap ${name}`, api.tx.contracts.call(trapper, 0, GAS, null, callData(abi.trapper, message)), alice, 'ContractTrapped');
      assert.deepEqual(failures, []);
      const index = await indexIn(api, result.blockHash, result.txHash);
      const trace = await provider.send('contracts_traceExtrinsic', [result.blockHash, index]);
      assertLocated(trace.trap, kind, marker, `trap ${name} before the kill`);
      traced[name] = { blockHash: result.blockHash, index, trace, kind, marker };
    }
    const traceFile = (name) => join(basePath, 'contracts-traces', `${traced[name].blockHash}.scale`);
    assert.ok(existsSync(traceFile('A')) && existsSync(traceFile('B')), 'traced blocks are kept on disk');
    assert.ok(readdirSync(join(basePath, 'contracts-debug-info')).some((f) => f.endsWith('.debug.wasm')), 'the debug info is kept on disk');

    // Traffic: Bob flips, Alice pays Dave; what each extrinsic would do, by hash.
    const effects = new Map();
    let lastSeen = 0;
    const unsubHeads = await api.rpc.chain.subscribeNewHeads((h) => { lastSeen = Math.max(lastSeen, h.number.toNumber()); });
    const trafficStart = (await api.rpc.chain.getHeader()).number.toNumber();
    const flipping = (async () => {
      while (!ledger.aborted) {
        await submit('flip', api.tx.contracts.call(flipper, 0, GAS, null, callData(abi.flipper, 'flip')), bob, 'success',
          (hash) => effects.set(hash, { flip: true }));
      }
    })();
    const paying = (async () => {
      for (let amount = 1n; !ledger.aborted; amount += 1n) {
        const data = callData(abi.erc20, 'transfer', [dave.address, amount]);
        await submit('transfer', api.tx.contracts.call(erc20, 0, GAS, null, data), alice, 'success',
          (hash) => effects.set(hash, { amount }));
      }
    })();
    // Under load: kill once the traffic has made a few blocks, while it keeps sending.
    await waitForHead(api, 'best', (h) => h.number.toNumber() >= trafficStart + 8, 120_000);
    node.child.kill('SIGKILL');
    const killedAt = Date.now();
    ledger.abort();
    await Promise.all([flipping, paying]);
    await new Promise((resolve) => (node.child.exitCode !== null || node.child.signalCode !== null ? resolve() : node.child.once('exit', resolve)));
    assert.equal(node.child.signalCode, 'SIGKILL');
    unsubHeads();
    await node.stop();
    node = null;
    assert.deepEqual(failures, [], 'every extrinsic before the kill as expected');
    const includedBeforeKill = new Map(ledger.included);
    assert.ok(ledger.counts.included >= 10, `traffic before the kill: ${JSON.stringify(ledger.counts)}`);
    rmSync(traceFile('B'));
    const keptAt = statSync(traceFile('A')).mtimeMs;

    // The same base path again.
    node = await startNode([], { basePath });
    const again = node.api;
    const head = (await again.rpc.chain.getHeader()).number.toNumber();
    assert.ok(head >= lastSeen, `head #${head} after the restart, #${lastSeen} seen before the kill`);
    console.log(`# killed at #${lastSeen} after ${ledger.counts.included} traffic extrinsics (${ledger.counts.aborted} in flight); restarted at #${head} in ${Date.now() - killedAt} ms`);

    // Every extrinsic reported in a block before the kill is still in that block.
    for (const [txHash, blockHash] of includedBeforeKill) {
      assert.ok((await indexIn(again, blockHash, txHash)) >= 0, `${txHash} was in ${blockHash} before the kill`);
    }
    // What the chain says happened: the traffic extrinsics in its blocks that succeeded.
    let flips = 0;
    let paid = 0n;
    for (let number = trafficStart + 1; number <= head; number += 1) {
      const hash = await again.rpc.chain.getBlockHash(number);
      const { block } = await again.rpc.chain.getBlock(hash);
      const events = await again.query.system.events.at(hash);
      block.extrinsics.forEach((x, index) => {
        const effect = effects.get(x.hash.toHex());
        if (!effect) return;
        const ok = events.some(({ phase, event }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index
          && again.events.system.ExtrinsicSuccess.is(event));
        assert.ok(ok, `traffic extrinsic ${index} of #${number} failed`);
        if (effect.flip) flips += 1;
        else paid += effect.amount;
      });
    }
    assert.ok(flips + Number(paid > 0n) > 0, 'the chain has traffic');
    const value = await query(again, alice.address, flipper, callData(abi.flipper, 'get'), 'bool');
    assert.equal(value.isTrue, flips % 2 === 1, `${flips} flips on chain`);
    const balance = async (who) => (await query(again, alice.address, erc20, callData(abi.erc20, 'balance_of', [who.address]), 'u128')).toBigInt();
    assert.equal(await balance(dave), paid);
    assert.equal(await balance(alice), 1_000_000n - paid);

    // Traces: A from its kept file, B executed again; both as before, trap located.
    for (const name of ['A', 'B']) {
      const { blockHash, index, trace, kind, marker } = traced[name];
      const after = await node.provider.send('contracts_traceExtrinsic', [blockHash, index]);
      assert.deepEqual(after, trace, `trace ${name} after the restart`);
      assertLocated(after.trap, kind, marker, `trap ${name} after the restart`);
    }
    assert.ok(existsSync(traceFile('B')), 'the trace executed again is kept again');
    assert.equal(statSync(traceFile('A')).mtimeMs, keptAt, 'the kept trace is read, not made again');
    // The debug info also serves new traps.
    const dry = await node.provider.send('contracts_traceCall', [{ origin: alice.address, dest: trapper, inputData: callData(abi.trapper, 'panic') }]);
    assertLocated(dry.trace.trap, 'Panic', 'panic', 'a dry run after the restart');

    // And the chain goes on.
    const more = new Ledger(again, { onFail: (m) => failures.push(m) });
    for (let i = 0; i < 3; i += 1) {
      await more.submit('flip after restart', again.tx.contracts.call(flipper, 0, GAS, null, callData(abi.flipper, 'flip')), bob, 'success');
    }
    assert.deepEqual(failures, []);
    const later = (await again.rpc.chain.getHeader()).number.toNumber();
    assert.ok(later >= head + 3, `head #${later} after three more extrinsics from #${head}`);
    const flipped = await query(again, alice.address, flipper, callData(abi.flipper, 'get'), 'bool');
    assert.equal(flipped.isTrue, (flips + 3) % 2 === 1);
  } finally {
    await node?.stop();
    rmSync(basePath, { recursive: true, force: true });
  }
});
