// The hostile-contract corpus (tests/hostile) against a real `callisto --dev`, once per sandbox
// backend. Every case runs as a dry run and as an extrinsic and must give its manifest's exact
// outcome (a Contracts error name or `ok`), the same on wasmi and wasmtime down to the gas
// consumed; meanwhile blocks must keep coming, and afterwards the balances must reconcile:
// total issuance is the sum of all accounts' free and reserved balances, every hold is
// accounted for by a live contract's deposit or a stored code's deposit, and issuance fell by
// exactly the fees the corpus paid (the dev runtime burns fees).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import wabtInit from 'wabt';
import { startNode, waitForHead } from './node.js';
import { ROOT } from './trapper.js';
import { GENERATORS } from '../hostile/generators.js';

const HOSTILE = join(ROOT, 'tests/hostile');
const ALL_CASES = JSON.parse(readFileSync(join(HOSTILE, 'manifest.json'), 'utf8'));
/** Cases that show a known, unfixed bug (`bug` says which) run only with HOSTILE_BUGS=1. */
const RUN_BUGS = process.env.HOSTILE_BUGS === '1';
const CASES = ALL_CASES.filter((c) => !c.bug || RUN_BUGS);
/** The gas limit of every dry run and extrinsic: 25 ms of compute, 2 MB of proof. */
const GAS = { refTime: 25_000_000_000n, proofSize: 2_000_000n };
/** JSON with BigInts as strings, for messages and the dump. */
const show = (value) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/** Every case's code, compiled from its `.wat` or built by its generator. */
async function compileCorpus() {
  const wabt = await wabtInit();
  const code = new Map();
  for (const c of CASES) {
    if (c.gen) {
      code.set(c.name, GENERATORS[c.gen]());
    } else {
      const text = readFileSync(join(HOSTILE, 'wat', c.wat), 'utf8');
      const module = wabt.parseWat(c.wat, text, { sign_extension: true });
      code.set(c.name, module.toBinary({ write_debug_names: false }).buffer);
      module.destroy();
    }
  }
  return code;
}

/** Encodes the actor's operations (tests/hostile/wat/actor.wat) with accounts resolved. */
function encodeOps(ops, accounts) {
  const u32 = (n) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
  return u8aConcat(...ops.map(([op, ...args]) => {
    switch (op) {
      case 'call': {
        const [flags, to, inner] = args;
        const input = encodeOps(inner, accounts);
        return u8aConcat([1], u32(flags), accounts[to], u32(input.length), input);
      }
      case 'terminate': return u8aConcat([2], accounts[args[0]]);
      case 'store': return u8aConcat([3], new Uint8Array(32).fill(args[0]));
      case 'revert': return new Uint8Array([4]);
      default: throw new Error(`unknown actor op ${op}`);
    }
  }));
}

/** The name of a DispatchError: `Contracts` errors by name, others as polkadot.js prints them. */
function errorName(api, error) {
  if (error.isModule) {
    const { section, name } = api.registry.findMetaError(error.asModule);
    return section === 'contracts' ? name : `${section}.${name}`;
  }
  return error.toString();
}

/**
 * The ContractTrapped events of a dry run, in deposit order, as `kind` or `kind message`.
 * A dry run returns every event in `System::Events`, the best block's included (as upstream
 * does), so the first `stored` events are not the dry run's.
 */
function trapsOf(events, stored) {
  return events.slice(stored)
    .filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped')
    .map(({ event }) => { const t = event.data.toHuman(); return t.message ? `${t.kind} ${t.message}` : t.kind; });
}

/** A signer that numbers its own transactions, so nothing waits on the pool for a nonce. */
function makeSender(api, signer) {
  let nonce = null;
  return async function send(tx) {
    if (nonce === null) nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    const myNonce = nonce;
    nonce += 1;
    return new Promise((resolve, reject) => {
      let unsub = () => {};
      tx.signAndSend(signer, { nonce: myNonce }, (result) => {
        if (result.status.isInBlock) {
          unsub();
          const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
          const done = result.events.find(({ event }) => api.events.system.ExtrinsicSuccess.is(event)
            || api.events.system.ExtrinsicFailed.is(event));
          resolve({
            error: failed ? errorName(api, failed.event.data.dispatchError) : 'ok',
            weight: done.event.data.dispatchInfo.weight.refTime.toBigInt(),
            events: result.events,
            block: result.status.asInBlock,
          });
        } else if (result.isError) {
          unsub();
          reject(new Error(`transaction ${result.status.toString()}`));
        }
      }).then((u) => { unsub = u; }, reject);
    });
  };
}

/** The outcome of a contract execution dry run: error name (reverts included) and gas. */
function dryOutcome(api, dry) {
  const gas = { consumed: dry.gasConsumed.refTime.toBigInt(), required: dry.gasRequired.refTime.toBigInt() };
  if (dry.result.isErr) return { result: errorName(api, dry.result.asErr), gas, output: null };
  const ret = dry.result.asOk.result ?? dry.result.asOk;
  // ReturnFlags is a struct `{ bits: u32 }` in the metadata; bit 0 is REVERT.
  const reverted = (ret.flags.bits.toNumber() & 1) === 1;
  return { result: reverted ? 'ContractReverted' : 'ok', gas, output: ret.data.toHex() };
}

/** Everything the chain's balances say, to reconcile. */
async function ledger(api) {
  const issuance = (await api.query.balances.totalIssuance()).toBigInt();
  const accounts = new Map();
  for (const [key, info] of await api.query.system.account.entries()) {
    accounts.set(key.args[0].toString(), { free: info.data.free.toBigInt(), reserved: info.data.reserved.toBigInt() });
  }
  const holds = new Map();
  for (const [key, list] of await api.query.balances.holds.entries()) {
    for (const { id, amount } of list) {
      const reason = JSON.stringify(id.toJSON());
      const who = key.args[0].toString();
      holds.set(`${who} ${reason}`, (holds.get(`${who} ${reason}`) ?? 0n) + amount.toBigInt());
    }
  }
  const contracts = new Map();
  for (const [key, opt] of await api.query.contracts.contractInfoOf.entries()) {
    const info = opt.unwrap();
    let deposit = info.storageBaseDeposit.toBigInt() + info.storageItemDeposit.toBigInt() + info.storageByteDeposit.toBigInt();
    for (const [, lockup] of info.delegateDependencies) deposit += lockup.toBigInt();
    contracts.set(key.args[0].toString(), deposit);
  }
  const codeDeposits = new Map();
  for (const [, opt] of await api.query.contracts.codeInfoOf.entries()) {
    const info = opt.unwrap();
    const owner = info.owner.toString();
    codeDeposits.set(owner, (codeDeposits.get(owner) ?? 0n) + info.deposit.toBigInt());
  }
  return { issuance, accounts, holds, contracts, codeDeposits };
}

const STORAGE_HOLD = JSON.stringify({ contracts: 'StorageDepositReserve' });
const CODE_HOLD = JSON.stringify({ contracts: 'CodeUploadDepositReserve' });

/** The state invariants: issuance, holds versus reserved, deposits versus holds. */
function reconcileState({ issuance, accounts, holds, contracts, codeDeposits }, label) {
  let sum = 0n;
  for (const { free, reserved } of accounts.values()) sum += free + reserved;
  assert.equal(sum, issuance, `${label}: total issuance must be the sum of free + reserved`);
  const heldBy = new Map();
  for (const [key, amount] of holds) {
    const [who, reason] = key.split(' ');
    heldBy.set(who, (heldBy.get(who) ?? 0n) + amount);
    if (reason === STORAGE_HOLD) {
      assert.ok(contracts.has(who), `${label}: ${who} holds a storage deposit but is no contract`);
    } else if (reason === CODE_HOLD) {
      assert.ok(codeDeposits.has(who), `${label}: ${who} holds a code deposit but owns no code`);
    } else {
      assert.fail(`${label}: unexpected hold ${reason} on ${who}`);
    }
  }
  for (const [who, { reserved }] of accounts) {
    assert.equal(reserved, heldBy.get(who) ?? 0n, `${label}: ${who}'s reserved balance must be its holds`);
  }
  for (const [contract, deposit] of contracts) {
    assert.equal(holds.get(`${contract} ${STORAGE_HOLD}`) ?? 0n, deposit, `${label}: contract ${contract}'s storage deposit must be held`);
  }
  for (const [owner, deposit] of codeDeposits) {
    assert.equal(holds.get(`${owner} ${CODE_HOLD}`) ?? 0n, deposit, `${label}: code deposits of ${owner} must be held`);
  }
}

/** Issuance changes the events of blocks `from..=to` account for: fees burnt, dust lost. */
async function burnsBetween(api, from, to) {
  let fees = 0n;
  let other = 0n;
  const unexpected = [];
  for (let n = from; n <= to; n += 1) {
    const hash = await api.rpc.chain.getBlockHash(n);
    for (const { event } of await api.query.system.events.at(hash)) {
      if (api.events.transactionPayment.TransactionFeePaid.is(event)) {
        fees += event.data.actualFee.toBigInt() + event.data.tip.toBigInt();
      } else if (api.events.balances.DustLost.is(event) || api.events.balances.Burned.is(event)) {
        other += event.data.amount.toBigInt();
      } else if (api.events.balances.Minted.is(event) || api.events.balances.Issued.is(event)) {
        unexpected.push(`${event.section}.${event.method} ${event.data.toString()}`);
      }
    }
  }
  return { fees, other, unexpected };
}

async function runCorpus(backend, code) {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const node = await startNode(['--sandbox-backend', backend]);
  const results = {};
  const started = Date.now();
  try {
    const { api } = node;
    const send = makeSender(api, alice);
    const gasLimit = api.registry.createType('WeightV2', GAS);
    const firstBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const before = await ledger(api);
    reconcileState(before, `${backend} before`);

    const deploy = async (wasm, salt, data = '0x') => {
      const r = await send(api.tx.contracts.instantiateWithCode(0, gasLimit, null, u8aToHex(wasm), data, salt));
      assert.equal(r.error, 'ok', `deploying for ${salt} failed`);
      const ev = r.events.find(({ event }) => api.events.contracts.Instantiated.is(event));
      return ev.event.data.contract.toString();
    };
    const exists = async (address) => (await api.query.contracts.contractInfoOf(address)).isSome;

    for (const c of CASES) {
      const wasm = code.get(c.name);
      const hex = u8aToHex(wasm);
      const out = { name: c.name };
      if (process.env.HOSTILE_VERBOSE) console.error(`${backend} ${c.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (c.run === 'upload') {
        const determinism = c.determinism ?? 'Enforced';
        const dry = await api.call.contractsApi.uploadCode(alice.address, hex, null, determinism);
        out.dryRun = { result: dry.isErr ? errorName(api, dry.asErr) : 'ok' };
        const tx = await send(api.tx.contracts.uploadCode(hex, null, determinism));
        out.extrinsic = { result: tx.error, weight: tx.weight };
      } else {
        const accounts = { alice: decodeAddress(alice.address) };
        const salt = u8aToHex(stringToU8a(`hostile ${c.name}`));
        let dest = null;
        if (c.run === 'call') {
          dest = await deploy(wasm, salt);
          accounts.self = decodeAddress(dest);
          if (c.ops) accounts.other = decodeAddress(await deploy(wasm, u8aToHex(stringToU8a(`hostile ${c.name} other`))));
        }
        const input = c.ops ? u8aToHex(encodeOps(c.ops, accounts)) : (c.input ?? '0x');
        if (c.run === 'call') {
          const stored = (await api.query.system.events()).length;
          const dry = await api.call.contractsApi.call(alice.address, dest, 0, gasLimit, null, input);
          out.dryRun = { ...dryOutcome(api, dry), traps: trapsOf(dry.events.unwrap(), stored) };
          const tx = await send(api.tx.contracts.call(dest, 0, gasLimit, null, input));
          out.extrinsic = { result: tx.error, weight: tx.weight };
          out.after = {};
          for (const role of [...(c.gone ?? []), ...(c.alive ?? [])]) {
            out.after[role] = await exists(u8aToHex(accounts[role])) ? 'alive' : 'gone';
          }
          // A removed contract's account: reaped (everything went to the beneficiary) or still
          // funded (it was its own beneficiary).
          for (const role of [...(c.reaped ?? []), ...(c.funded ?? [])]) {
            const free = (await api.query.system.account(u8aToHex(accounts[role]))).data.free.toBigInt();
            out.after[`${role} account`] = free > 0n ? 'funded' : 'reaped';
          }
        } else {
          const stored = (await api.query.system.events()).length;
          const dry = await api.call.contractsApi.instantiate(alice.address, 0, gasLimit, null, { Upload: hex }, input, salt);
          out.dryRun = { ...dryOutcome(api, dry), traps: trapsOf(dry.events.unwrap(), stored) };
          const tx = await send(api.tx.contracts.instantiateWithCode(0, gasLimit, null, hex, input, salt));
          out.extrinsic = { result: tx.error, weight: tx.weight };
        }
      }
      results[c.name] = out;
    }

    // Blocks keep coming: a transfer after the corpus lands in a new block, which finalises.
    const lastCase = (await api.rpc.chain.getHeader()).number.toNumber();
    const transfer = await send(api.tx.balances.transferKeepAlive(alice.address, 1n));
    const after = await ledger(api);
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    await waitForHead(api, 'finalized', (h) => h.number.toNumber() >= head, 30_000);
    const burns = await burnsBetween(api, firstBlock + 1, head);
    return {
      results, before, after, burns, firstBlock, lastCase, head,
      transferOk: transfer.error, seconds: (Date.now() - started) / 1000, log: node.logs(),
    };
  } finally {
    await node.stop();
  }
}

test('the hostile corpus gives its exact outcomes on both backends, and the chain stays whole', { timeout: 900_000 }, async () => {
  assert.ok(CASES.length >= 30, 'at least 30 cases');
  const code = await compileCorpus();
  const runs = {};
  for (const backend of ['wasmi', 'wasmtime']) {
    runs[backend] = await runCorpus(backend, code);
    const run = runs[backend];
    console.log(`# ${backend}: ${CASES.length} cases in ${run.seconds.toFixed(1)} s, blocks ${run.firstBlock}..${run.head}`);
    assert.doesNotMatch(run.log, /panicked at|Thread '.*' panicked|SIGSEGV|fatal runtime error/, `${backend}: the node must not panic`);

    // The chain kept producing and finalising blocks.
    assert.ok(run.lastCase > run.firstBlock, `${backend}: blocks during the corpus`);
    assert.ok(run.head > run.lastCase, `${backend}: a block after the corpus`);
    assert.equal(run.transferOk, 'ok', backend);

    // Balances reconcile: state invariants, and the issuance fell by exactly the fees burnt.
    // The corpus leaves live contracts, stored code and terminated contracts behind, so none of
    // the checks is vacuous.
    assert.ok(run.after.contracts.size >= 20 && run.after.codeDeposits.size >= 1 && run.burns.fees > 0n, backend);
    reconcileState(run.after, `${backend} after`);
    assert.deepEqual(run.burns.unexpected, [], `${backend}: nothing may be minted`);
    assert.equal(run.before.issuance - run.after.issuance, run.burns.fees + run.burns.other,
      `${backend}: issuance must fall by exactly the fees and dust burnt`);
  }

  if (process.env.HOSTILE_DUMP) {
    const dump = Object.fromEntries(Object.entries(runs).map(([b, r]) => [b, { results: r.results, burns: r.burns, seconds: r.seconds }]));
    writeFileSync(process.env.HOSTILE_DUMP, show(dump));
  }
  const table = [];
  const failures = [];
  for (const c of CASES) {
    const [a, b] = [runs.wasmi.results[c.name], runs.wasmtime.results[c.name]];
    try {
      assert.deepEqual(a, b, `${c.name}: wasmi and wasmtime must agree (outcome, output, gas, traps)`);
      const dryExpected = c.dryRun ?? c.expect;
      assert.equal(a.dryRun.result, dryExpected, `${c.name}: dry run ${show(a.dryRun)}`);
      assert.equal(a.extrinsic.result, c.expect, `${c.name}: extrinsic ${show(a.extrinsic)}`);
      if (c.output !== undefined) assert.equal(a.dryRun.output, c.output, `${c.name}: output`);
      if (c.traps) assert.deepEqual(a.dryRun.traps, c.traps, `${c.name}: ContractTrapped events ${show(a.dryRun.traps)}`);
      for (const role of c.gone ?? []) assert.equal(a.after[role], 'gone', `${c.name}: ${role} must be removed`);
      for (const role of c.alive ?? []) assert.equal(a.after[role], 'alive', `${c.name}: ${role} must still exist`);
      for (const role of c.reaped ?? []) assert.equal(a.after[`${role} account`], 'reaped', `${c.name}: ${role}'s account must be reaped`);
      for (const role of c.funded ?? []) assert.equal(a.after[`${role} account`], 'funded', `${c.name}: ${role}'s account must keep its balance`);
      // Out of gas in the engine leaves less than one instruction's price of the limit unused
      // (out of gas in a host function's charge leaves the rest, as upstream).
      if (c.allGas) assert.ok(GAS.refTime - a.dryRun.gas.consumed < 1_300n, `${c.name}: out of gas consumes the limit: ${show(a.dryRun.gas)}`);
    } catch (e) {
      failures.push(e.message.split('\n')[0] + (a === undefined ? '' : ` wasmi=${show(a)}${show(a) === show(b) ? '' : ` wasmtime=${show(b)}`}`));
    }
    table.push({ name: c.name, dry: a.dryRun.result, tx: a.extrinsic.result, gas: a.dryRun.gas?.consumed ?? null, weight: a.extrinsic.weight, traps: a.dryRun.traps });
  }
  assert.deepEqual(failures, [], 'every case must give its expected outcome on both backends');
  console.log(`# outcomes (identical on wasmi and wasmtime): ${show(table)}`);
  console.log(`# issuance: wasmi burnt ${runs.wasmi.burns.fees} in fees, wasmtime ${runs.wasmtime.burns.fees}`);
});

for (const c of ALL_CASES.filter((c) => c.bug && !RUN_BUGS)) {
  test(`hostile case ${c.name} (known bug; HOSTILE_BUGS=1 runs it)`, { skip: c.bug }, () => {});
}
