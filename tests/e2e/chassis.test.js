// The chassis as a user meets it: a real `callisto --dev` process and a real polkadot.js client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, waitForHead } from './node.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

/** Submits `tx` signed by `signer`; resolves with the block hash it was included in. */
function submitAndWaitInBlock(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(`dispatch failed: ${dispatchError.toString()}`));
      else if (status.isInBlock) resolve(status.asInBlock.toHex());
      else if (status.isInvalid || status.isDropped) reject(new Error(`transaction ${status.type}`));
    }).catch(reject);
  });
}

test('dev chain answers the RPCs wallets and tools need', async () => {
  const node = await startNode();
  try {
    const { api } = node;
    assert.equal((await api.rpc.system.chain()).toString(), 'Callisto Development');
    const metadata = await api.rpc.state.getMetadata();
    assert.ok(metadata.asLatest.pallets.some((p) => p.name.toString() === 'Balances'));
    assert.ok(metadata.asLatest.pallets.some((p) => p.name.toString() === 'Sudo'));
    // cargo-contract reads these as single values, not arrays: check the raw JSON-RPC answer.
    const properties = await node.provider.send('system_properties', []);
    assert.equal(properties.tokenSymbol, 'UNIT');
    assert.equal(properties.tokenDecimals, 12);
    // Alice is sudo and every well-known account (and its stash) is endowed.
    assert.equal((await api.query.sudo.key()).toString(), alice.address);
    for (const uri of ['//Alice', '//Ferdie', '//Bob//stash', '//Ferdie//stash']) {
      const who = keyring.addFromUri(uri).address;
      const { data } = await api.query.system.account(who);
      assert.ok(data.free.toBigInt() > 0n, `${uri} is endowed`);
    }
    assert.match(node.logs(), /Dev accounts/);
  } finally {
    await node.stop();
  }
});

test('instant sealing: a transfer is in a block within 2 s and finalised after the delay', async () => {
  const node = await startNode(['--finalize-delay-sec', '1']);
  try {
    const { api } = node;
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const amount = 123_456_789n;
    const sent = Date.now();
    const blockHash = await submitAndWaitInBlock(api.tx.balances.transferKeepAlive(bob.address, amount), alice);
    const inBlockMs = Date.now() - sent;
    assert.ok(inBlockMs < 2000, `included after ${inBlockMs} ms`);
    const header = await api.rpc.chain.getHeader(blockHash);
    const number = header.number.toNumber();
    await waitForHead(api, 'finalized', (h) => h.number.toNumber() >= number, 5000);
    const finalizedMs = Date.now() - sent;
    assert.ok(finalizedMs >= 1000, `finalised after ${finalizedMs} ms, before the 1 s delay`);
    const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(after - before, amount);

    // engine_createBlock works in instant mode too: an empty block on top.
    const created = await node.provider.send('engine_createBlock', [true, false]);
    assert.equal((await api.rpc.chain.getHeader(created.hash)).number.toNumber(), number + 1);
  } finally {
    await node.stop();
  }
});

test('manual sealing: blocks only on engine_createBlock', async () => {
  const node = await startNode(['--sealing', 'manual']);
  try {
    const { api } = node;
    const tx = api.tx.balances.transferKeepAlive(bob.address, 1_000_000n);
    const hash = await tx.signAndSend(alice);
    assert.ok(hash);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api.rpc.chain.getHeader()).number.toNumber(), 0, 'no block without a command');
    assert.equal((await api.rpc.author.pendingExtrinsics()).length, 1);

    const created = await node.provider.send('engine_createBlock', [true, false]);
    const blockHash = created.hash;
    const block = await api.rpc.chain.getBlock(blockHash);
    assert.equal(block.block.header.number.toNumber(), 1);
    assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === hash.toHex()), 'transfer is in block 1');
    assert.equal((await api.rpc.chain.getFinalizedHead()).toHex(), (await api.rpc.chain.getBlockHash(0)).toHex());

    assert.equal(await node.provider.send('engine_finalizeBlock', [blockHash]), true);
    assert.equal((await api.rpc.chain.getFinalizedHead()).toHex(), blockHash);
  } finally {
    await node.stop();
  }
});

test('interval sealing: empty blocks keep coming', async () => {
  const node = await startNode(['--sealing', 'interval=300']);
  try {
    const header = await waitForHead(node.api, 'best', (h) => h.number.toNumber() >= 3, 10_000);
    assert.ok(header.number.toNumber() >= 3);
  } finally {
    await node.stop();
  }
});

test('bad sealing flag is refused with a hint', async () => {
  await assert.rejects(startNode(['--sealing', 'sometimes'], { timeoutMs: 30_000 }), /unknown sealing `sometimes`/);
});

for (const backend of ['wasmi', 'wasmtime']) {
  test(`--sandbox-backend ${backend} starts, says so, and produces blocks`, async () => {
    const node = await startNode(['--sandbox-backend', backend]);
    try {
      assert.match(node.logs(), new RegExp(`Sandbox backend: ${backend}`));
      const hash = await submitAndWaitInBlock(node.api.tx.balances.transferKeepAlive(bob.address, 1_000n), alice);
      assert.ok((await node.api.rpc.chain.getHeader(hash)).number.toNumber() >= 1);
    } finally {
      await node.stop();
    }
  });
}

test('an unknown sandbox backend is refused', async () => {
  await assert.rejects(startNode(['--sandbox-backend', 'v8'], { timeoutMs: 30_000 }), /invalid value 'v8'/);
});
