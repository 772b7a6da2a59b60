// The runtime is laid out as substrate-contracts-node's: its pallets at its indices, so what
// scripts and contracts encode for that node means the same here. Checked against a real
// `callisto --dev` with polkadot.js: the metadata's indices, `utility.batch` of transfers and of
// contract calls, a contract whose `call_runtime` encodes `Balances` at index 4 by hand (as
// ink!'s `call-runtime` example does), and an asset created, minted and transferred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { CodePromise, ContractPromise } from '@polkadot/api-contract';
import { startNode } from './node.js';
import { readAbi, readArtifact, submit } from './trapper.js';

const UNIT = 1_000_000_000_000n;
const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };
/** substrate-contracts-node's `AssetDeposit`: 100 of its dollars (10^14 each). */
const ASSET_DEPOSIT = 100n * 100_000_000_000_000n;

/** substrate-contracts-node's pallets and indices (its index 9, pallet-revive, is not here). */
const CONTRACTS_NODE_LAYOUT = {
  System: 0, RandomnessCollectiveFlip: 1, Utility: 2, Timestamp: 3, Balances: 4, Authorship: 5,
  TransactionPayment: 6, Sudo: 7, Contracts: 8, Assets: 10,
};

const events = (result) => result.events.map(({ event }) => `${event.section}.${event.method}`);
const free = async (api, who) => (await api.query.system.account(who)).data.free.toBigInt();

async function ok(api, tx, signer) {
  const result = await submit(tx, signer);
  if (result.dispatchError) {
    const e = result.dispatchError;
    const why = e.isModule ? Object.values(api.registry.findMetaError(e.asModule)).slice(0, 2).join('.') : e.toString();
    assert.fail(`${tx.method.section}.${tx.method.method} failed: ${why}`);
  }
  return result;
}

async function deploy(api, signer, name, value = 0n) {
  const abi = readAbi(name);
  const code = new CodePromise(api, abi, readArtifact(`${name}.wasm`));
  const gasLimit = api.registry.createType('WeightV2', GAS);
  const result = await ok(api, code.tx.new({ gasLimit, storageDepositLimit: null, value }, ...(name === 'flipper' ? [false] : [])), signer);
  return new ContractPromise(api, abi, result.contract.address);
}

test('the runtime has substrate-contracts-node\'s pallets at its indices, and they work', { timeout: 300_000 }, async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const node = await startNode();
  try {
    const { api } = node;
    const pallets = Object.fromEntries(api.runtimeMetadata.asLatest.pallets.map((p) => [p.name.toString(), p.index.toNumber()]));
    assert.deepEqual(pallets, CONTRACTS_NODE_LAYOUT);

    // A batch of plain calls, as scripts written for that node send them.
    const before = await free(api, bob.address);
    const batch = await ok(api, api.tx.utility.batch([
      api.tx.balances.transferKeepAlive(bob.address, UNIT),
      api.tx.system.remarkWithEvent('callisto'),
      api.tx.balances.transferKeepAlive(bob.address, 2n * UNIT),
    ]), alice);
    assert.ok(events(batch).includes('utility.BatchCompleted'), events(batch).join());
    assert.ok(events(batch).includes('system.Remarked'), events(batch).join());
    assert.equal(await free(api, bob.address) - before, 3n * UNIT);
    // A call that fails interrupts the batch there; what came before stays done.
    const interrupted = await ok(api, api.tx.utility.batch([
      api.tx.system.remarkWithEvent('first'),
      api.tx.balances.transferKeepAlive(bob.address, 1n << 100n),
      api.tx.system.remarkWithEvent('never'),
    ]), alice);
    assert.deepEqual(events(interrupted).filter((e) => e === 'system.Remarked' || e === 'utility.BatchInterrupted'),
      ['system.Remarked', 'utility.BatchInterrupted']);

    // A batch of contract calls: two flips in one extrinsic.
    const flipper = await deploy(api, alice, 'flipper');
    const gasLimit = api.registry.createType('WeightV2', GAS);
    await ok(api, api.tx.utility.batchAll([
      flipper.tx.flip({ gasLimit, storageDepositLimit: null }),
      flipper.tx.flip({ gasLimit, storageDepositLimit: null }),
      flipper.tx.flip({ gasLimit, storageDepositLimit: null }),
    ]), alice);
    const got = await flipper.query.get(alice.address, { gasLimit, storageDepositLimit: null });
    assert.equal(got.output.toJSON().ok, true, 'three flips of false');

    // A contract dispatching `Balances::transfer_allow_death` encoded for index 4 by hand.
    const caller = await deploy(api, alice, 'runtime_call', 10n * UNIT);
    const bobBefore = await free(api, bob.address);
    const transfer = await ok(api, caller.tx.transferThroughRuntime({ gasLimit, storageDepositLimit: null }, bob.address, 3n * UNIT), alice);
    const transferred = transfer.events.find(({ event }) => event.section === 'balances' && event.method === 'Transfer'
      && event.data.from.toString() === caller.address.toString());
    assert.ok(transferred, events(transfer).join());
    assert.equal(transferred.event.data.to.toString(), bob.address);
    assert.equal(transferred.event.data.amount.toBigInt(), 3n * UNIT);
    assert.equal(await free(api, bob.address) - bobBefore, 3n * UNIT);
    const output = await caller.query.transferThroughRuntime(alice.address, { gasLimit, storageDepositLimit: null }, bob.address, 1n << 100n);
    assert.ok(output.output.toJSON().ok.err !== undefined, `a transfer beyond its balance is refused: ${JSON.stringify(output.output.toJSON())}`);

    // Assets: created (its deposit held as that node holds it), minted and transferred.
    const reserved = async () => (await api.query.system.account(alice.address)).data.reserved.toBigInt();
    const reservedBefore = await reserved();
    const created = await ok(api, api.tx.assets.create(7, alice.address, 1), alice);
    assert.ok(events(created).includes('assets.Created'), events(created).join());
    assert.equal(await reserved() - reservedBefore, ASSET_DEPOSIT, 'the deposit substrate-contracts-node holds');
    await ok(api, api.tx.assets.mint(7, alice.address, 1_000), alice);
    await ok(api, api.tx.assets.transfer(7, bob.address, 250), alice);
    const bobAsset = await api.query.assets.account(7, bob.address);
    assert.equal(bobAsset.unwrap().balance.toBigInt(), 250n);
    assert.equal(u8aToHex(api.tx.balances.transferAllowDeath(bob.address, 1).method.toU8a().slice(0, 2)), '0x0400',
      'polkadot.js encodes Balances::transfer_allow_death as 0x0400, as the contract does');
  } finally {
    await node.stop();
  }
});
