// Real ink! contracts deployed and called through @polkadot/api-contract against a real
// `callisto --dev`, once per sandbox backend; both runs must agree on every result and on gas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { Abi, BlueprintPromise, CodePromise, ContractPromise } from '@polkadot/api-contract';
import { u8aToHex } from '@polkadot/util';
import { startNode } from './node.js';

// Raw Uint8Arrays (and Node Buffers) passed where polkadot.js expects `Bytes` are read as
// SCALE-encoded, i.e. length-prefixed: a Wasm module's leading 0x00 becomes an empty value.
// Code therefore crosses as hex.

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../pallets/contracts/fixtures/build');

function fixture(name) {
  return {
    abi: new Abi(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'))),
    wasm: new Uint8Array(readFileSync(join(FIXTURES, `${name}.wasm`))),
  };
}

/** Signs and sends `tx`, resolving with the result once in a block; rejects on a dispatch error. */
function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    tx.signAndSend(signer, (result) => {
      if (result.dispatchError) {
        unsub();
        const e = result.dispatchError;
        if (e.isModule) {
          const { section, name } = api.registry.findMetaError(e.asModule);
          reject(new Error(`${section}.${name}`));
        } else {
          reject(new Error(e.toString()));
        }
      } else if (result.status.isInBlock) {
        unsub();
        resolve(result);
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

/**
 * The dry-run gas limit: a whole block. api-contract's `gasLimit: -1` sends a proof_size of 0,
 * which any contract that reads storage exceeds (on pallet-contracts as on Callisto).
 */
function maxGas(api) {
  return api.registry.createType('WeightV2', api.consts.system.blockWeights.maxBlock);
}

/** A dry-run query of `message` on `contract`: the decoded output and the gas figures. */
async function query(contract, from, message, ...args) {
  const r = await contract.query[message](from, { gasLimit: maxGas(contract.api), storageDepositLimit: null }, ...args);
  assert.ok(r.result.isOk, `${message} failed: ${r.result.toString()} ${r.debugMessage.toString()}`);
  return { output: r.output?.toJSON(), gasConsumed: r.gasConsumed.toJSON(), gasRequired: r.gasRequired.toJSON() };
}

/** Calls `message` in a transaction with the gas a dry run asked for; returns the result. */
async function exec(api, contract, signer, message, ...args) {
  const dry = await contract.query[message](signer.address, { gasLimit: maxGas(api), storageDepositLimit: null }, ...args);
  assert.ok(dry.result.isOk, `${message} dry run failed: ${dry.result.toString()}`);
  const tx = contract.tx[message]({ gasLimit: dry.gasRequired, storageDepositLimit: null }, ...args);
  return send(api, tx, signer);
}

/** Instantiates `name`'s constructor `ctor` with `args` from uploaded code; returns the contract. */
async function deploy(api, signer, { abi, wasm }, ctor, args, salt = null) {
  const data = abi.findConstructor(ctor).toU8a(args);
  const dry = await api.call.contractsApi.instantiate(
    signer.address, 0, null, null, { Upload: u8aToHex(wasm) }, data, salt ?? '0x',
  );
  assert.ok(dry.result.isOk, `dry-run instantiate failed: ${dry.result.toString()} ${dry.debugMessage.toHuman()}`);
  const code = new CodePromise(api, abi, wasm);
  const result = await send(api, code.tx[ctor]({ gasLimit: dry.gasRequired, storageDepositLimit: null, salt }, ...args), signer);
  assert.ok(result.contract, 'no contract in the instantiate result');
  return { contract: result.contract, gasRequired: dry.gasRequired.toJSON(), result };
}

function eventNames(result) {
  return result.events.map(({ event }) => `${event.section}.${event.method}`);
}

async function scenario(backend) {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const node = await startNode(['--sandbox-backend', backend]);
  const out = {};
  try {
    const { api } = node;
    const erc20 = fixture('erc20');

    // ERC-20: instantiate_with_code, transfer, balances through ContractsApi_call.
    const token = await deploy(api, alice, erc20, 'new', [1_000_000n]);
    out.erc20DeployGas = token.gasRequired;
    out.deployEvents = eventNames(token.result).filter((e) => e.startsWith('contracts.'));
    const tokenContract = token.contract;
    out.aliceBefore = await query(tokenContract, alice.address, 'balanceOf', alice.address);
    const transfer = await exec(api, tokenContract, alice, 'transfer', bob.address, 100n);
    const emitted = transfer.contractEvents ?? [];
    assert.equal(emitted.length, 1, `expected one contract event, got ${emitted.length}`);
    out.transferEvent = {
      identifier: emitted[0].event.identifier,
      args: emitted[0].args.map((a) => a.toJSON()),
    };
    out.aliceAfter = await query(tokenContract, alice.address, 'balanceOf', alice.address);
    out.bobAfter = await query(tokenContract, alice.address, 'balanceOf', bob.address);

    // upload_code + instantiate a second copy from the stored code hash.
    const upload = await send(api, api.tx.contracts.uploadCode(u8aToHex(erc20.wasm), null, 'Enforced'), alice);
    out.uploadEvents = eventNames(upload).filter((e) => e.startsWith('contracts.'));
    const codeHash = blake2AsHex(erc20.wasm, 256);
    const blueprint = new BlueprintPromise(api, erc20.abi, codeHash);
    const dry = await api.call.contractsApi.instantiate(
      alice.address, 0, null, null, { Existing: codeHash }, erc20.abi.findConstructor('new').toU8a([5n]), '0x01',
    );
    assert.ok(dry.result.isOk, dry.result.toString());
    const second = await send(api, blueprint.tx.new({ gasLimit: dry.gasRequired, storageDepositLimit: null, salt: '0x01' }, 5n), alice);
    out.secondSupply = await query(second.contract, alice.address, 'totalSupply');
    assert.notEqual(second.contract.address.toString(), tokenContract.address.toString());

    // The cross-contract caller flips a flipper.
    const flipper = await deploy(api, alice, fixture('flipper'), 'new', [false]);
    const caller = await deploy(api, alice, fixture('caller'), 'new', [false]);
    out.flipBefore = await query(flipper.contract, alice.address, 'get');
    await exec(api, caller.contract, alice, 'flip', flipper.contract.address);
    out.flipAfter = await query(flipper.contract, alice.address, 'get');
    out.callerGet = await query(caller.contract, alice.address, 'get', flipper.contract.address);

    // remove_code: code nobody uses goes, its deposit comes back.
    const events = fixture('events');
    const up = await send(api, api.tx.contracts.uploadCode(u8aToHex(events.wasm), null, 'Enforced'), bob);
    const stored = up.events.find(({ event }) => api.events.contracts.CodeStored.is(event)).event;
    const removed = await send(api, api.tx.contracts.removeCode(stored.data.codeHash), bob);
    out.removeEvents = eventNames(removed).filter((e) => e.startsWith('contracts.'));
    out.log = node.logs();
  } finally {
    await node.stop();
  }
  return out;
}

test('ink! contracts deploy, run and agree on both backends', { timeout: 600_000 }, async () => {
  const wasmi = await scenario('wasmi');
  const wasmtime = await scenario('wasmtime');
  for (const r of [wasmi, wasmtime]) {
    const stored = r.deployEvents.indexOf('contracts.CodeStored');
    const instantiated = r.deployEvents.indexOf('contracts.Instantiated');
    assert.ok(stored >= 0 && instantiated > stored, `deploy events: ${r.deployEvents}`);
    assert.equal(BigInt(r.aliceBefore.output.ok ?? r.aliceBefore.output), 1_000_000n);
    assert.equal(BigInt(r.aliceAfter.output.ok ?? r.aliceAfter.output), 999_900n);
    assert.equal(BigInt(r.bobAfter.output.ok ?? r.bobAfter.output), 100n);
    assert.match(r.transferEvent.identifier, /Transfer$/);
    assert.equal(BigInt(r.transferEvent.args.at(-1)), 100n);
    assert.deepEqual(r.uploadEvents, [], 'uploading stored code again changes nothing');
    assert.equal(BigInt(r.secondSupply.output.ok ?? r.secondSupply.output), 5n);
    assert.notDeepEqual(r.flipBefore.output, r.flipAfter.output);
    assert.deepEqual(r.callerGet.output, r.flipAfter.output);
    assert.deepEqual(r.removeEvents, ['contracts.CodeRemoved']);
  }
  const strip = ({ log, ...rest }) => rest;
  assert.deepEqual(strip(wasmi), strip(wasmtime), 'the backends must agree on results and gas');
  console.log('# results (identical on wasmi and wasmtime):', JSON.stringify(strip(wasmtime)));
});
