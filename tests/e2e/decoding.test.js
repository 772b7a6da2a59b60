// What polkadot.js apps and the Contracts UI see, proved with their own library on a real node,
// on both backends: the chain properties, the `Contracts.ContractTrapped` event of a failed
// extrinsic and every `Contracts.ContractEmitted` shape of ink! 5 decode from the runtime's
// metadata alone (no custom types anywhere): by a fresh ApiPromise's `system.events.at`, by a
// bare TypeRegistry fed `state_getMetadata` and the raw `System.Events` storage bytes (what apps
// does with a block's events), and, for contract events, through the contract's own `Abi`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { CodePromise } from '@polkadot/api-contract';
import { Keyring } from '@polkadot/keyring';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { startNode } from './node.js';
import { FIXTURES, ROOT, TRAPPER_SOURCE, markedLine, readAbi, readArtifact, submit } from './trapper.js';

const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };
/** twox128("System") ++ twox128("Events"): the key apps reads a block's events from. */
const SYSTEM_EVENTS_KEY = '0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7';

/** The chain properties as the node's sources declare them. */
function declaredProperties() {
  const spec = readFileSync(join(ROOT, 'node/src/chain_spec.rs'), 'utf8');
  const runtime = readFileSync(join(ROOT, 'runtime/src/lib.rs'), 'utf8');
  const symbol = spec.match(/pub const TOKEN_SYMBOL: &str = "([^"]+)";/)?.[1];
  const decimals = runtime.match(/pub const TOKEN_DECIMALS: u8 = (\d+);/)?.[1];
  const ss58 = spec.match(/"ss58Format"\.into\(\), (\d+)\.into\(\)/)?.[1];
  assert.ok(symbol && decimals && ss58, 'chain_spec.rs / runtime lib.rs declare the properties');
  return { ss58Format: Number(ss58), tokenDecimals: Number(decimals), tokenSymbol: symbol };
}

/** The metadata's `pallet_contracts::pallet::Event` type and one named variant of it. */
function contractsEventVariant(registry, name) {
  const pallet = registry.metadata.pallets.find((p) => p.name.eq('Contracts'));
  const type = registry.lookup.getSiType(pallet.events.unwrap().type);
  const variant = type.def.asVariant.variants.find((v) => v.name.eq(name));
  return { path: type.path.map((p) => p.toString()).join('::'), variant };
}

/** The last path segment of the type behind a lookup id, unwrapping one `Option`. */
function typePathOf(registry, id) {
  let type = registry.lookup.getSiType(id);
  if (type.path.map(String).join('::') === 'Option') type = registry.lookup.getSiType(type.params[0].type.unwrap());
  return type.path.map(String).join('::');
}

/** ink! 5's topic of a field: its encoding when at most 32 bytes (zero-padded), else its hash. */
function inkTopic(encoded) {
  return encoded.length <= 32 ? u8aToHex(u8aConcat(encoded, new Uint8Array(32 - encoded.length))) : blake2AsHex(encoded, 256);
}

/** A fresh ApiPromise on `url` with nothing but what the node's metadata says. */
async function metadataOnlyApi(url) {
  const provider = new WsProvider(url, false);
  await provider.connect();
  return ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}

/** Asserts a decoded `ContractTrapped` event is the trapper's `panic`. */
function assertPanicTrap(event, { trapper, codeHash }, context) {
  const { contract, codeHash: hash, kind, message, location } = event.data;
  assert.equal(contract.toString(), trapper, `${context}: contract`);
  assert.equal(encodeAddress(contract.toU8a(), 42), trapper, `${context}: SS58-42 AccountId`);
  assert.equal(hash.toHex(), codeHash, `${context}: code_hash`);
  assert.equal(kind.type, 'Panic', `${context}: kind`);
  assert.ok(kind.isPanic, `${context}: kind.isPanic`);
  const line = markedLine('panic');
  // Text fields are `String` in the runtime (`str` in the metadata): apps and cargo-contract show text.
  assert.equal(message.toRawType(), 'Text', `${context}: message is Text`);
  const text = message.toString();
  const m = text.match(/^panicked at (.+):(\d+):(\d+): trapper: explicit panic$/);
  assert.ok(m, `${context}: message ${JSON.stringify(text)}`);
  // The panic message names the file relative to the crate's parent (`trapper/lib.rs`).
  assert.ok(TRAPPER_SOURCE.endsWith(`/${m[1]}`), `${context}: message file ${m[1]}`);
  assert.equal(Number(m[2]), line, `${context}: message line`);
  assert.ok(location.isSome, `${context}: located`);
  const loc = location.unwrap();
  assert.equal(loc.file.toRawType(), 'Text', `${context}: location.file is Text`);
  assert.equal(loc.file.toString(), TRAPPER_SOURCE, `${context}: location.file`);
  assert.equal(loc.line.toNumber(), line, `${context}: location.line`);
  // DWARF counts a tab as one column (the panic message's column counts it as four).
  const source = readFileSync(join(FIXTURES, 'ink/trapper/lib.rs'), 'utf8').split('\n')[line - 1];
  assert.equal(loc.column.toNumber(), source.indexOf('panic!(') + 1, `${context}: location.column is the panic!'s`);
  assert.match(loc.function.toString(), /(^|::)panic$/, `${context}: location.function`);
}

async function deploy(api, signer, name, wasm, args = []) {
  const code = new CodePromise(api, readAbi(name), wasm);
  const result = await submit(code.tx.new({ gasLimit: api.registry.createType('WeightV2', GAS), storageDepositLimit: null }, ...args), signer);
  assert.ok(result.contract, `${name} deploy failed: ${result.dispatchError?.toString()}`);
  return result.contract.address.toString();
}

for (const backend of ['wasmi', 'wasmtime']) {
  test(`${backend}: chain properties, ContractTrapped and ContractEmitted decode from metadata`, { timeout: 300_000 }, async (t) => {
    await cryptoWaitReady();
    const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
    const node = await startNode(['--sandbox-backend', backend]);
    let fresh;
    try {
      const { api, provider } = node;

      // Transactions, sent with the test's own api.
      const trapperWasm = readArtifact('trapper.wasm');
      const trapper = await deploy(api, alice, 'trapper', readArtifact('trapper.debug.wasm'));
      const codeHash = blake2AsHex(trapperWasm, 256);
      const panic = readAbi('trapper').findMessage('panic').toU8a([]);
      const failed = await submit(api.tx.contracts.call(trapper, 0, GAS, null, panic), alice);
      assert.ok(failed.dispatchError, 'panic fails its extrinsic');
      const trapBlock = failed.status.asInBlock.toHex();

      const eventsAbi = readAbi('events');
      const eventsContract = await deploy(api, alice, 'events', readArtifact('events.wasm'));
      const emitted = await submit(api.tx.contracts.call(eventsContract, 0, GAS, null, eventsAbi.findMessage('all').toU8a([])), alice);
      assert.ok(!emitted.dispatchError, `all: ${emitted.dispatchError?.toString()}`);
      const emitBlock = emitted.status.asInBlock.toHex();

      // Decoding, by a client that knows nothing but the node's metadata.
      fresh = await metadataOnlyApi(node.url);

      await t.test('chain properties decode and match the chain spec', async () => {
        const declared = declaredProperties();
        assert.deepEqual(await provider.send('system_properties', []), declared, 'system_properties JSON');
        const props = await fresh.rpc.system.properties();
        assert.equal(props.ss58Format.unwrap().toNumber(), declared.ss58Format);
        assert.deepEqual(props.tokenDecimals.unwrap().map((d) => d.toNumber()), [declared.tokenDecimals]);
        assert.deepEqual(props.tokenSymbol.unwrap().map(String), [declared.tokenSymbol]);
        assert.equal(fresh.registry.chainSS58, declared.ss58Format);
        assert.deepEqual(fresh.registry.chainDecimals, [declared.tokenDecimals]);
        assert.deepEqual(fresh.registry.chainTokens, [declared.tokenSymbol]);
        assert.equal(fresh.consts.system.ss58Prefix.toNumber(), declared.ss58Format, 'the runtime agrees');
        // What apps shows: amounts in the token with its decimals, addresses in SS58 42.
        const oneAndAHalf = 15n * 10n ** BigInt(declared.tokenDecimals - 1);
        assert.equal(fresh.createType('Balance', oneAndAHalf).toHuman(), `1.5000 ${declared.tokenSymbol}`);
        assert.equal(fresh.createType('AccountId', alice.publicKey).toString(), encodeAddress(alice.publicKey, declared.ss58Format));
        assert.equal(fresh.createType('AccountId', alice.publicKey).toString(), '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
      });

      await t.test('ContractTrapped of a failed extrinsic decodes from metadata', async () => {
        const records = await fresh.query.system.events.at(trapBlock);
        const traps = records.filter(({ event }) => fresh.events.contracts.ContractTrapped.is(event));
        assert.equal(traps.length, 1, `one trap: ${JSON.stringify(records.toHuman())}`);
        const [{ event, phase }] = traps;
        assert.equal(phase.type, 'ApplyExtrinsic', 're-deposited after FRAME rolled the dispatch back');
        const failure = records.find(({ event: e }) => fresh.events.system.ExtrinsicFailed.is(e));
        assert.equal(phase.asApplyExtrinsic.toNumber(), failure.phase.asApplyExtrinsic.toNumber(), 'in the failed extrinsic\'s phase');
        assert.equal(`${event.section}.${event.method}`, 'contracts.ContractTrapped');
        assertPanicTrap(event, { trapper, codeHash }, 'system.events.at');
        // The extrinsic itself failed with the pallet's error, named from metadata too.
        const { section, name } = fresh.registry.findMetaError(failure.event.data.dispatchError.asModule);
        assert.equal(`${section}.${name}`, 'contracts.ContractTrapped');

        // Names, types and docs all come from the metadata's type registry.
        assert.deepEqual(event.meta.fields.map((f) => f.name.unwrap().toString()), ['contract', 'code_hash', 'kind', 'message', 'location']);
        assert.deepEqual(event.meta.fields.map((f) => f.typeName.unwrap().toString()),
          ['T::AccountId', 'CodeHash<T>', 'TrapKind', 'String', 'Option<SourceLocation>']);
        assert.deepEqual(event.data.names, ['contract', 'codeHash', 'kind', 'message', 'location']);
        assert.match(event.meta.docs.map(String).join(' '), /contract frame trapped/);
        const { path, variant } = contractsEventVariant(fresh.registry, 'ContractTrapped');
        assert.equal(path, 'pallet_contracts::pallet::Event');
        assert.equal(variant.index.toNumber(), event.index[1], 'the event index is the variant');
        const [, , kindField, , locationField] = variant.fields;
        assert.equal(typePathOf(fresh.registry, kindField.type), 'pallet_contracts::wasm::trap::TrapKind');
        assert.equal(typePathOf(fresh.registry, locationField.type), 'pallet_contracts::wasm::trap::SourceLocation');
        const kinds = fresh.registry.lookup.getSiType(kindField.type).def.asVariant.variants.map((v) => v.name.toString());
        assert.deepEqual(kinds, ['Panic', 'AssertionFailed', 'ArithmeticOverflow', 'DivisionByZero', 'IndexOutOfBounds',
          'Unreachable', 'MemoryOutOfBounds', 'StackExhausted', 'OutOfGas', 'HostFunction', 'Other']);
        // What apps renders for the event's parameters.
        const human = event.data.toHuman();
        assert.equal(human.kind, 'Panic');
        assert.match(human.message, /^panicked at .*: trapper: explicit panic$/);
        assert.equal(human.location.file, TRAPPER_SOURCE);
        assert.equal(human.location.line, String(markedLine('panic')));
      });

      await t.test('ContractTrapped decodes from raw System.Events bytes and a bare registry', async () => {
        assert.equal(fresh.query.system.events.key(), SYSTEM_EVENTS_KEY);
        const raw = await provider.send('state_getStorage', [SYSTEM_EVENTS_KEY, trapBlock]);
        assert.equal((await fresh.rpc.state.getStorage(SYSTEM_EVENTS_KEY, trapBlock)).toHex(), raw, 'api.rpc.state.getStorage is the raw bytes');
        const registry = new TypeRegistry();
        registry.setMetadata(new Metadata(registry, await provider.send('state_getMetadata', [trapBlock])));
        const records = registry.createType('Vec<FrameSystemEventRecord>', raw);
        const traps = records.filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped');
        assert.equal(traps.length, 1);
        assertPanicTrap(traps[0].event, { trapper, codeHash }, 'raw storage');
        const viaApi = (await fresh.query.system.events.at(trapBlock)).map((r) => r.toJSON());
        assert.deepEqual(records.map((r) => r.toJSON()), viaApi, 'both decoding paths agree on every record');
      });

      await t.test('ContractEmitted decodes, and its data through the contract Abi', async () => {
        const alicePk = u8aToHex(decodeAddress(alice.address));
        const text = 'a topic longer than thirty-two bytes, so hashed';
        const textEncoded = fresh.createType('String', text).toU8a();
        // Every event of `all`, in order: name, ink! 5 signature (null: anonymous), args, topics.
        const expected = [
          ['NoFieldTopics', 'NoFieldTopics(u32)', { value: 1 }, []],
          ['OneTopic', 'OneTopic(AccountId,u32)', { who: alice.address, value: 2 }, [alicePk]],
          ['ThreeTopics', 'ThreeTopics(u8,u64,AccountId,Balance)', { a: 1, b: 2, c: alice.address, value: 3 },
            [inkTopic(new Uint8Array([1])), inkTopic(fresh.createType('u64', 2).toU8a()), alicePk]],
          ['Anonymous', null, { value: 4 }, []],
          ['AnonymousFourTopics', null, { a: 1, b: 2, c: 3, d: 4 },
            [inkTopic(new Uint8Array([1])), inkTopic(fresh.createType('u16', 2).toU8a()),
              inkTopic(fresh.createType('u32', 3).toU8a()), inkTopic(fresh.createType('u64', 4).toU8a())]],
          ['LongTopic', 'LongTopic(String)', { text }, [blake2AsHex(textEncoded, 256)]],
          ['Shared', 'Shared(u32)', { id: 5 }, [inkTopic(fresh.createType('u32', 5).toU8a())]],
        ];
        const records = (await fresh.query.system.events.at(emitBlock))
          .filter(({ event }) => fresh.events.contracts.ContractEmitted.is(event));
        assert.equal(records.length, expected.length, 'one ContractEmitted per event');
        const { path, variant } = contractsEventVariant(fresh.registry, 'ContractEmitted');
        assert.equal(path, 'pallet_contracts::pallet::Event');
        assert.deepEqual(variant.fields.map((f) => f.name.unwrap().toString()), ['contract', 'data']);

        records.forEach((record, i) => {
          const [name, signature, args, fieldTopics] = expected[i];
          const { event, phase, topics } = record;
          assert.equal(phase.type, 'ApplyExtrinsic', name);
          assert.equal(event.data.contract.toString(), eventsContract, `${name}: contract`);
          assert.ok(event.data.data.length > 0, `${name}: data`);

          // ink! 5 topics: the signature topic first (unless anonymous), then the fields'.
          const sigTopic = signature && blake2AsHex(signature, 256);
          const abiEvent = eventsAbi.events.find((e) => e.identifier.split('::').pop() === name);
          assert.equal(abiEvent.signatureTopic ?? null, sigTopic, `${name}: metadata signature_topic is blake2("${signature}")`);
          assert.deepEqual(topics.map((h) => h.toHex()), sigTopic ? [sigTopic, ...fieldTopics] : fieldTopics, `${name}: topics`);

          const decoded = eventsAbi.decodeEvent(record);
          assert.equal(decoded.event.identifier.split('::').pop(), name, `${name}: decodeEvent`);
          const values = Object.fromEntries(decoded.event.args.map((a, j) => [a.name, decoded.args[j].toJSON()]));
          assert.deepEqual(values, args, `${name}: decoded args`);
        });
      });
    } finally {
      await fresh?.disconnect().catch(() => {});
      await node.stop();
    }
  });
}
