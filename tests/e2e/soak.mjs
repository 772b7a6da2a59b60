// The soak: mixed contract traffic against a running node for a while, checking that nothing is
// lost and that the node's memory stays bounded. scripts/soak.sh starts the node and runs this;
// docs/RELIABILITY.md says what is checked and why the bounds are what they are.
//
//   node soak.mjs --url ws://127.0.0.1:9944 --pid <node pid> [--minutes 2] [--base-path <dir>]
//                 [--max-growth-mib 32] [--max-growth-kib-per-block 128] [--max-peak-mib 1536]
//                 [--lanes deploy,calls,traps,rpc]
//
// Four lanes run at once, each sending its next request when the previous one is done:
//   deploy (Alice): instantiate_with_code of fresh code every time (a flipper or a trapper debug
//                   build with a counter in a custom section, so each has a new code hash and
//                   brings new debug info and a new module to compile);
//   calls  (Bob):   flipper.flip, erc20.transfer, and a transfer beyond Bob's balance (reverts);
//   traps  (Charlie): each trapping message of the trapper, on the base trapper and fresh ones;
//   rpc:            dry runs (ContractsApi_call) and the four trace methods on recent traps.
// Every extrinsic must reach InBlock with the expected ExtrinsicSuccess / ExtrinsicFailed (and
// error); at the end every block since the start is read back and each extrinsic must be in it
// exactly once, and the flipper's value and the erc20 balances must be what the lanes did.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { compactStripLength, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Ledger } from './ledger.js';
import { TRAPPER_SOURCE, TRAPS, markedLine, readAbi, readArtifact } from './trapper.js';

function parseArgs(argv) {
  const options = { minutes: 2, maxGrowthMib: 32, maxGrowthKibPerBlock: 128, maxPeakMib: 1536, sampleSeconds: 5, lanes: 'deploy,calls,traps,rpc' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--url': options.url = value; break;
      case '--pid': options.pid = Number(value); break;
      case '--minutes': options.minutes = Number(value); break;
      case '--base-path': options.basePath = value; break;
      case '--max-growth-mib': options.maxGrowthMib = Number(value); break;
      case '--max-growth-kib-per-block': options.maxGrowthKibPerBlock = Number(value); break;
      case '--max-peak-mib': options.maxPeakMib = Number(value); break;
      case '--lanes': options.lanes = value; break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!options.url || !options.pid) throw new Error('usage: soak.mjs --url <ws url> --pid <node pid> [--minutes N]');
  if (!(options.minutes > 0)) throw new Error('--minutes must be a positive number');
  return options;
}

const options = parseArgs(process.argv.slice(2));
const durationMs = options.minutes * 60_000;
// Memory is compared from the end of the warm-up (half the run, at most 5 minutes): by then every
// kind of request has run many times and the bounded caches have filled (the decoded debug info
// of 64 fresh trappers takes about a minute of deploys).
const warmupMs = Math.min(durationMs / 2, 5 * 60_000);
const GAS = { refTime: 100_000_000_000n, proofSize: 2_000_000n };
const INCLUSION_TIMEOUT_MS = 60_000;

const failures = [];
function fail(message) {
  failures.push(message);
  console.error(`soak: FAIL ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Resident memory of the node, from /proc.

/** Resident memory of `pid` in MiB: the total (VmRSS) and its anonymous part (RssAnon). */
function rssMib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)[1]) / 1024;
  return { total: field('VmRSS'), anon: field('RssAnon') };
}

const rss = { samples: [], start: 0, warm: null, peak: 0, end: 0, anon: { start: 0, warm: null, end: 0 }, warmBlock: 0 };
let bestBlock = 0;
function sampleRss(elapsedMs) {
  if (!existsSync(`/proc/${options.pid}`)) {
    fail(`the node (pid ${options.pid}) is gone after ${Math.round(elapsedMs / 1000)} s`);
    return false;
  }
  const { total, anon } = rssMib(options.pid);
  rss.samples.push([Math.round(elapsedMs / 1000), Math.round(total), Math.round(anon)]);
  rss.peak = Math.max(rss.peak, total);
  if (rss.warm === null && elapsedMs >= warmupMs) {
    rss.warm = total;
    rss.anon.warm = anon;
    rss.warmBlock = bestBlock;
  }
  rss.end = total;
  rss.anon.end = anon;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Contracts.

/** Call data of `message` (a constructor if `ctor`) with `args`, as hex without a length prefix. */
function callData(abi, name, args = [], ctor = false) {
  const item = ctor ? abi.findConstructor(name) : abi.findMessage(name);
  return u8aToHex(compactStripLength(item.toU8a(args))[1]);
}

/** `wasm` with a custom section `callisto-soak` holding `n`: the same contract, a new code hash. */
function freshCode(wasm, n) {
  const name = new TextEncoder().encode('callisto-soak');
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setBigUint64(0, BigInt(n), true);
  const content = u8aConcat([name.length], name, payload); // lengths < 128: one LEB byte each
  return u8aToHex(u8aConcat(wasm, [0, content.length], content));
}

/** A salt of `n` (and `m`), 4 bytes each, little endian. */
function salt(n, m) {
  const bytes = new Uint8Array(m === undefined ? 4 : 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n, true);
  if (m !== undefined) view.setUint32(4, m, true);
  return u8aToHex(bytes);
}

// ---------------------------------------------------------------------------------------------
// Submitting and accounting for every extrinsic.

let ledger = null;
let rpcRequests = 0;

function eventsOf(api, result, method) {
  return result.events.filter(({ event }) => event.section === 'contracts' && event.method === method)
    .map(({ event }) => event);
}

// ---------------------------------------------------------------------------------------------
// The lanes.

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((u) => keyring.addFromUri(u));
  const provider = new WsProvider(options.url, false);
  await provider.connect();
  const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
  ledger = new Ledger(api, { onFail: fail, timeoutMs: INCLUSION_TIMEOUT_MS });
  const submit = (label, tx, signer, expect) => ledger.submit(label, tx, signer, expect);

  const abi = { flipper: readAbi('flipper'), erc20: readAbi('erc20'), trapper: readAbi('trapper') };
  const code = {
    flipper: readArtifact('flipper.debug.wasm'),
    erc20: readArtifact('erc20.wasm'),
    trapper: readArtifact('trapper.debug.wasm'),
  };

  const started = Date.now();
  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  bestBlock = startBlock;
  const unsubHeads = await api.rpc.chain.subscribeNewHeads((h) => { bestBlock = Math.max(bestBlock, h.number.toNumber()); });
  sampleRss(0);
  rss.start = rss.end;
  rss.anon.start = rss.anon.end;

  // Set-up: the contracts the call and trap lanes use.
  async function instantiate(signer, label, wasm, ctorAbi, ctorArgs, salt) {
    const tx = api.tx.contracts.instantiateWithCode(0, GAS, null, wasm, callData(ctorAbi, 'new', ctorArgs, true), salt);
    const result = await submit(label, tx, signer, 'success');
    const [event] = result ? eventsOf(api, result, 'Instantiated') : [];
    if (!event) throw new Error(`${label}: no contract (${failures.at(-1) ?? 'no Instantiated event'})`);
    return { address: event.data.contract.toString(), codeStored: eventsOf(api, result, 'CodeStored').length };
  }
  const supply = 1_000_000_000n;
  const erc20 = (await instantiate(bob, 'set-up erc20', u8aToHex(code.erc20), abi.erc20, [supply], '0x01')).address;
  const flipper = (await instantiate(bob, 'set-up flipper', freshCode(code.flipper, 0), abi.flipper, [false], '0x01')).address;
  const trappers = [(await instantiate(charlie, 'set-up trapper', freshCode(code.trapper, 0), abi.trapper, [], '0x01')).address];
  const flipperCode = (await api.query.contracts.contractInfoOf(flipper)).unwrap().codeHash.toHex();
  let deploys = 0;

  const expected = { flip: false, bob: supply, dave: 0n };
  const recentTraps = []; // { blockHash, index, message, marker, kind }
  const deadline = started + durationMs;
  const running = () => Date.now() < deadline && failures.length === 0;

  async function deployLane() {
    for (let n = 1; running(); n += 1) {
      const trapper = n % 2 === 0;
      const label = `deploy #${n} (${trapper ? 'trapper' : 'flipper'})`;
      const wasm = freshCode(trapper ? code.trapper : code.flipper, n);
      const deployed = await instantiate(alice, label, wasm, trapper ? abi.trapper : abi.flipper, trapper ? [] : [n % 3 === 0], salt(n));
      if (deployed.codeStored !== 1) fail(`${label}: fresh code must be stored (CodeStored ${deployed.codeStored})`);
      if (trapper) trappers.push(deployed.address);
      deploys += 1;
    }
  }

  async function callLane() {
    for (let n = 0; running(); n += 1) {
      if (n % 3 === 0) {
        if (await submit(`flip #${n}`, api.tx.contracts.call(flipper, 0, GAS, null, callData(abi.flipper, 'flip')), bob, 'success')) {
          expected.flip = !expected.flip;
        }
      } else if (n % 3 === 1) {
        const amount = BigInt(n);
        const data = callData(abi.erc20, 'transfer', [dave.address, amount]);
        if (await submit(`transfer #${n}`, api.tx.contracts.call(erc20, 0, GAS, null, data), bob, 'success')) {
          expected.bob -= amount;
          expected.dave += amount;
        }
      } else {
        // More than Bob has: the token returns Err, the call reverts and the extrinsic fails.
        const data = callData(abi.erc20, 'transfer', [dave.address, supply * 2n]);
        await submit(`overdraw #${n}`, api.tx.contracts.call(erc20, 0, GAS, null, data), bob, 'ContractReverted');
      }
    }
  }

  async function trapLane() {
    for (let n = 0; running(); n += 1) {
      const trap = TRAPS[n % TRAPS.length];
      const target = n % 2 === 0 ? trappers[0] : trappers.at(-1);
      const data = callData(abi.trapper, trap.message, trap.args);
      const label = `trap #${n} (${trap.message})`;
      const result = await submit(label, api.tx.contracts.call(target, 0, GAS, null, data), charlie, 'ContractTrapped');
      if (!result) continue;
      const { blockHash } = result;
      const block = await api.rpc.chain.getBlock(blockHash);
      const index = block.block.extrinsics.findIndex((x) => x.hash.toHex() === result.txHash);
      recentTraps.push({ blockHash, index, ...trap, label });
      if (recentTraps.length > 16) recentTraps.shift();
      // The trap's event is deposited at finalisation, since the extrinsic's own events roll back.
      const trapped = (await api.query.system.events.at(blockHash))
        .filter(({ event }) => event.section === 'contracts' && event.method === 'ContractTrapped')
        .map(({ event }) => event.data.toHuman());
      if (!trapped.some((e) => e.kind === trap.kind && e.location?.file === TRAPPER_SOURCE && Number(e.location.line) === markedLine(trap.marker))) {
        fail(`${label}: no ContractTrapped ${trap.kind} event at the marked line: ${JSON.stringify(trapped)}`);
      }
    }
  }

  function located(trap, want, context) {
    if (trap?.kind !== want.kind || trap.location?.file !== TRAPPER_SOURCE || trap.location.line !== markedLine(want.marker)) {
      fail(`${context}: expected ${want.kind} at line ${markedLine(want.marker)}, got ${JSON.stringify(trap && { kind: trap.kind, location: trap.location })}`);
    }
  }

  async function rpcLane() {
    const flipGet = callData(abi.flipper, 'get');
    for (let n = 0; running(); n += 1) {
      rpcRequests += 1;
      const step = n % 5;
      try {
        if (step === 0) {
          const dry = await api.call.contractsApi.call(alice.address, flipper, 0, null, null, flipGet);
          // ink! wraps a message's output in Result<_, LangError>: Ok is 0x00.
          if (!dry.result.isOk || dry.result.asOk.data.toU8a(true)[0] !== 0) fail(`dry run get: ${dry.result.toString()}`);
        } else if (step === 1) {
          const trap = TRAPS[n % TRAPS.length];
          const dry = await api.call.contractsApi.call(alice.address, trappers.at(-1), 0, null, null, callData(abi.trapper, trap.message, trap.args));
          const name = dry.result.isErr && dry.result.asErr.isModule ? api.registry.findMetaError(dry.result.asErr.asModule).name : dry.result.toString();
          if (name !== 'ContractTrapped') fail(`dry run ${trap.message}: ${name}`);
        } else if (step === 2) {
          const trap = TRAPS[n % TRAPS.length];
          const traced = await provider.send('contracts_traceCall', [{ origin: alice.address, dest: trappers.at(-1), inputData: callData(abi.trapper, trap.message, trap.args) }]);
          located(traced.trace?.trap, trap, `traceCall ${trap.message}`);
        } else if (step === 3 && recentTraps.length > 0) {
          const at = recentTraps[n % recentTraps.length];
          const traced = await provider.send('contracts_traceExtrinsic', [at.blockHash, at.index]);
          located(traced.trap, at, `traceExtrinsic of ${at.label}`);
          const block = await provider.send('contracts_traceBlock', [at.blockHash]);
          if (!block.extrinsics.some((e) => e.index === at.index)) fail(`traceBlock of ${at.label} misses extrinsic ${at.index}`);
        } else if (step === 4) {
          const created = await provider.send('contracts_traceInstantiate', [{
            origin: alice.address, code: { existing: flipperCode },
            data: callData(abi.flipper, 'new', [true], true), salt: salt(n, 7),
          }]);
          if (!created.result.result.ok || created.trace?.type !== 'CREATE') fail(`traceInstantiate: ${JSON.stringify(created.result)}`);
        }
      } catch (e) {
        fail(`rpc step ${step}: ${e.message}`);
      }
    }
  }

  // Memory samples while the lanes run.
  const sampler = setInterval(() => {
    const elapsed = Date.now() - started;
    if (!sampleRss(elapsed)) return;
    if (rss.samples.length % 6 === 0) {
      console.log(`soak: ${Math.round(elapsed / 1000)} s, rss ${Math.round(rss.end)} MiB, extrinsics ${ledger.counts.included}/${ledger.counts.submitted}, rpc ${rpcRequests}`);
    }
  }, options.sampleSeconds * 1000);
  // Not in the default mix: plain balance transfers, to tell the node's own growth per block
  // from the contracts' (see docs/RELIABILITY.md).
  async function transferLane() {
    for (let n = 0; running(); n += 1) {
      await submit(`balance transfer #${n}`, api.tx.balances.transferKeepAlive(eve.address, 1_000_000_000n + BigInt(n)), dave, 'success');
    }
  }

  const lanes = { deploy: deployLane, calls: callLane, traps: trapLane, rpc: rpcLane, transfers: transferLane };
  const chosen = options.lanes.split(',');
  for (const lane of chosen) if (!lanes[lane]) throw new Error(`unknown lane ${lane}`);
  await Promise.all(chosen.map((lane) => lanes[lane]()));
  clearInterval(sampler);
  const elapsed = Date.now() - started;
  sampleRss(elapsed);
  unsubHeads();
  if (rss.warm === null) {
    rss.warm = rss.end;
    rss.anon.warm = rss.anon.end;
    rss.warmBlock = bestBlock;
  }

  // Nothing lost, nothing extra: every block since the start, read back.
  const endBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  await ledger.verifyChain(startBlock + 1, endBlock, [alice, bob, charlie, dave].map((k) => k.address));

  // The contracts' state is what the lanes did.
  const query = async (contract, data) => {
    const dry = await api.call.contractsApi.call(alice.address, contract, 0, null, null, data);
    if (!dry.result.isOk) throw new Error(`query failed: ${dry.result.toString()}`);
    return dry.result.asOk.data;
  };
  const flipValue = (await query(flipper, callData(abi.flipper, 'get'))).toU8a(true);
  if (flipValue[0] !== 0 || Boolean(flipValue[1]) !== expected.flip) fail(`flipper holds ${u8aToHex(flipValue)}, expected Ok(${expected.flip})`);
  for (const [who, account] of [['bob', bob], ['dave', dave]]) {
    const raw = (await query(erc20, callData(abi.erc20, 'balance_of', [account.address]))).toU8a(true);
    const balance = api.createType('Result<u128, ()>', raw).asOk.toBigInt();
    if (balance !== expected[who]) fail(`erc20 balance of ${who} is ${balance}, expected ${expected[who]}`);
  }

  // What the node keeps on disk, for the record (bounded or not: see docs/RELIABILITY.md).
  const disk = {};
  if (options.basePath) {
    for (const dir of ['contracts-debug-info', 'contracts-traces']) {
      const path = join(options.basePath, dir);
      const files = existsSync(path) ? readdirSync(path) : [];
      disk[dir] = { files: files.length, mib: files.reduce((sum, f) => sum + statSync(join(path, f)).size, 0) / (1 << 20) };
    }
  }

  // The bound: a constant for caches still settling, plus an allowance per block sealed after
  // the warm-up, since the node's memory grows with the chain even under plain balance transfers
  // (measured in docs/RELIABILITY.md).
  const growth = rss.end - rss.warm;
  const blocksAfterWarmup = endBlock - rss.warmBlock;
  const allowed = options.maxGrowthMib + (options.maxGrowthKibPerBlock * blocksAfterWarmup) / 1024;
  if (growth > allowed) {
    fail(`resident memory grew ${growth.toFixed(1)} MiB after warm-up, over ${blocksAfterWarmup} blocks: `
      + `more than ${options.maxGrowthMib} MiB + ${options.maxGrowthKibPerBlock} KiB per block = ${allowed.toFixed(1)} MiB`);
  }
  if (rss.peak > options.maxPeakMib) fail(`resident memory peaked at ${rss.peak.toFixed(0)} MiB (bound ${options.maxPeakMib} MiB)`);

  await api.disconnect();
  const mib = (x) => x.toFixed(0);
  console.log(`soak: rss samples (s:total/anon MiB): ${rss.samples.map(([t, m, a]) => `${t}:${m}/${a}`).join(' ')}`);
  if (options.basePath) console.log(`soak: on disk: ${Object.entries(disk).map(([d, { files, mib: size }]) => `${d} ${files} files ${size.toFixed(1)} MiB`).join(', ')}`);
  console.log(`soak: ${failures.length === 0 ? 'PASS' : 'FAIL'} duration ${Math.round(elapsed / 1000)} s, `
    + `rss MiB start ${mib(rss.start)} warm ${mib(rss.warm)} peak ${mib(rss.peak)} end ${mib(rss.end)} `
    + `(growth after warm-up ${growth.toFixed(1)} over ${blocksAfterWarmup} blocks = ${((growth * 1024) / Math.max(blocksAfterWarmup, 1)).toFixed(0)} KiB/block, `
    + `bound ${allowed.toFixed(1)}; anonymous ${mib(rss.anon.start)}/${mib(rss.anon.warm)}/${mib(rss.anon.end)}), `
    + `extrinsics submitted ${ledger.counts.submitted} included ${ledger.counts.included} as expected ${ledger.counts.asExpected} `
    + `(pool race 1013: ${ledger.counts.raced}), `
    + `blocks ${endBlock - startBlock} (#${startBlock + 1}..#${endBlock}), fresh contracts deployed ${deploys}, rpc requests ${rpcRequests}`);
  return failures.length === 0;
}

main().then((ok) => process.exit(ok ? 0 : 1), (e) => {
  console.error(`soak: FAIL ${e.stack ?? e}`);
  process.exit(1);
});
