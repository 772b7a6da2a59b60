// The committed ink! fixtures' metadata (pallets/contracts/fixtures/build/*.json) is what
// @polkadot/api-contract reads: every file builds an `Abi`, its code hash is the deployable
// module's, and the `.contract` bundle carries that module. No node needed.
// Run alone with `node --test fixtures-abi.test.js` to print every message and selector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abi } from '@polkadot/api-contract';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';

await cryptoWaitReady();
const build = join(dirname(fileURLToPath(import.meta.url)), '../../pallets/contracts/fixtures/build');
const names = readdirSync(build).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

/** What each fixture must offer, so a rebuild that loses a message fails here. */
const expected = {
  flipper: { constructors: ['new', 'default'], messages: ['flip', 'get'], events: [] },
  erc20: {
    constructors: ['new'],
    messages: ['total_supply', 'balance_of', 'allowance', 'transfer', 'approve', 'transfer_from'],
    events: ['Transfer', 'Approval'],
  },
  caller: {
    constructors: ['new'],
    messages: ['flip', 'get', 'erc20_transfer', 'chain', 'instantiate_flipper', 'delegate_get', 'try_call', 'transfer', 'terminate'],
    events: [],
  },
  events: {
    constructors: ['new'],
    messages: ['no_field_topics', 'one_topic', 'three_topics', 'anonymous', 'anonymous_four_topics', 'long_topic', 'shared', 'all'],
    events: ['NoFieldTopics', 'OneTopic', 'ThreeTopics', 'Anonymous', 'AnonymousFourTopics', 'LongTopic', 'Shared'],
  },
  trapper: {
    constructors: ['new'],
    messages: ['no_trap', 'panic', 'assert', 'overflow', 'index_out_of_bounds', 'divide_by_zero', 'unreachable', 'recurse'],
    events: [],
  },
  bench: { constructors: ['new'], messages: ['noop', 'sieve', 'mix', 'write_many', 'read_many'], events: [] },
  arithmetic: {
    constructors: ['new'],
    messages: ['add_u128', 'mul_u128', 'div_u128', 'rem_u64', 'sub_u64', 'div_i32', 'mul_i32', 'shl_u32', 'assert_plain', 'unwrap_none', 'divide_then_add'],
    events: [],
  },
  runtime_call: { constructors: ['new'], messages: ['transfer_through_runtime'], events: [] },
};

test('every fixture has metadata', () => {
  assert.deepEqual(names, Object.keys(expected).sort());
});

for (const name of names) {
  test(`${name}: metadata builds a polkadot.js Abi matching its code`, (t) => {
    const json = JSON.parse(readFileSync(join(build, `${name}.json`), 'utf8'));
    const abi = new Abi(json);
    assert.equal(json.version, 5);
    assert.equal(json.source.language, 'ink! 5.1.1');
    assert.equal(abi.info.contract.name.toString(), name);

    const wasm = readFileSync(join(build, `${name}.wasm`));
    assert.equal(json.source.hash, blake2AsHex(wasm, 256), 'source.hash is blake2-256 of the .wasm');
    const bundle = JSON.parse(readFileSync(join(build, `${name}.contract`), 'utf8'));
    assert.equal(bundle.source.wasm, `0x${wasm.toString('hex')}`, '.contract carries the deployable .wasm');
    new Abi(bundle);

    const labels = (list) => list.map((m) => m.identifier);
    assert.deepEqual(labels(abi.constructors), expected[name].constructors);
    assert.deepEqual(labels(abi.messages), expected[name].messages);
    // ink! v5 events are identified by path (`erc20::erc20::Transfer`); compare the last part.
    const events = abi.events.map((e) => e.identifier.split('::').pop());
    assert.deepEqual(events.sort(), [...expected[name].events].sort());

    const describe = (m) => `${m.identifier}(${m.args.map((a) => `${a.name}: ${a.type.type}`).join(', ')})`;
    for (const c of abi.constructors) t.diagnostic(`${name} constructor ${c.selector.toHex()} ${describe(c)}`);
    for (const m of abi.messages) {
      const ret = m.returnType ? ` -> ${m.returnType.type}` : '';
      t.diagnostic(`${name} message ${m.selector.toHex()} ${describe(m)}${ret}${m.isMutating ? ' (mut)' : ''}`);
    }
    for (const e of abi.events) t.diagnostic(`${name} event ${e.identifier} topic ${e.signatureTopic ?? 'anonymous'}`);
  });
}
