// Accounting for every extrinsic a test submits: each must reach a block with the outcome the
// test expects, and the chain must hold exactly the extrinsics that were reported included.
// Shared by soak.mjs and restart.test.js.
//
// The fork-aware transaction pool of polkadot-sdk stable2609 (sc-transaction-pool 48) has a
// race (paritytech/polkadot-sdk#11419, #12919, open): a submission that meets a block import
// can be refused with 1013 "Transaction Already Imported" although it was submitted once and is
// in the pool, and it then has no watcher. The ledger counts those as `raced` and looks for the
// extrinsic in the chain itself, so it is still accounted for (or reported lost).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Ledger {
  /** `onFail(message)` is called for every failed check. */
  constructor(api, { onFail, timeoutMs = 60_000 } = {}) {
    this.api = api;
    this.onFail = onFail ?? ((message) => { throw new Error(message); });
    this.timeoutMs = timeoutMs;
    this.counts = { submitted: 0, included: 0, asExpected: 0, raced: 0, aborted: 0 };
    /** txHash -> block hash it was reported in. */
    this.included = new Map();
    this.aborted = false;
    this.pending = new Set();
  }

  /**
   * Stops waiting (the node was killed): submissions in flight resolve to null without a failure
   * and count as `aborted`, their fate for the chain to tell.
   */
  abort() {
    this.aborted = true;
    for (const cancel of this.pending) cancel();
  }

  /** `'success'`, or the name of the pallet error of an ExtrinsicFailed, from `events`. */
  outcome(events) {
    const { system } = this.api.events;
    const succeeded = events.filter(({ event }) => system.ExtrinsicSuccess.is(event));
    const failed = events.filter(({ event }) => system.ExtrinsicFailed.is(event));
    if (succeeded.length + failed.length !== 1) {
      return `${succeeded.length} ExtrinsicSuccess and ${failed.length} ExtrinsicFailed events`;
    }
    if (succeeded.length === 1) return 'success';
    const error = failed[0].event.data.dispatchError;
    return error.isModule ? this.api.registry.findMetaError(error.asModule).name : error.toString();
  }

  /**
   * Signs and sends `tx` and waits until it is in a block. `expect` is `'success'` or the name of
   * the pallet error it must fail with (e.g. `'ContractTrapped'`). Resolves with
   * `{ blockHash, txHash, events, outcome }` (events of this extrinsic only), or null once a
   * failure is recorded. `onSigned(txHash)` is called before it is sent.
   */
  async submit(label, tx, signer, expect, onSigned = () => {}) {
    this.counts.submitted += 1;
    let included;
    let txHash = '';
    try {
      await tx.signAsync(signer);
      txHash = tx.hash.toHex();
      onSigned(txHash);
      if (this.aborted) throw new Error('aborted');
      const fromBlock = (await this.api.rpc.chain.getHeader()).number.toNumber();
      try {
        included = await this.#watch(tx);
      } catch (e) {
        if (!/^1013:/.test(e.message)) throw e;
        this.counts.raced += 1;
        included = await this.#find(txHash, fromBlock);
        if (!included) throw new Error(`refused with ${e.message} and not in a block within ${this.timeoutMs / 1000} s`);
      }
    } catch (e) {
      if (this.aborted) this.counts.aborted += 1;
      else this.onFail(`${label}: ${e.message}`);
      return null;
    }
    this.counts.included += 1;
    this.included.set(txHash, included.blockHash);
    const outcome = this.outcome(included.events);
    if (outcome !== expect) this.onFail(`${label}: expected ${expect}, got ${outcome}`);
    else this.counts.asExpected += 1;
    return { ...included, txHash, outcome };
  }

  #watch(tx) {
    return new Promise((resolve, reject) => {
      let done = false;
      let unsub = null;
      const finish = (f, value) => {
        if (done) return;
        done = true;
        this.pending.delete(cancel);
        clearTimeout(timer);
        if (unsub) unsub();
        f(value);
      };
      const cancel = () => finish(reject, new Error('aborted'));
      this.pending.add(cancel);
      const timer = setTimeout(() => finish(reject, new Error(`not in a block within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      tx.send((result) => {
        const { status } = result;
        if (status.isInvalid || status.isDropped || status.isUsurped) finish(reject, new Error(`status ${status.type}`));
        else if (status.isInBlock) finish(resolve, { blockHash: status.asInBlock.toHex(), events: result.events });
      }).then((u) => {
        unsub = u;
        if (done) u();
      }, (e) => finish(reject, e));
    });
  }

  /** Looks for `txHash` in the blocks after `fromBlock` until the timeout. */
  async #find(txHash, fromBlock) {
    const { api } = this;
    const deadline = Date.now() + this.timeoutMs;
    let next = fromBlock + 1;
    let idleSince = Date.now();
    while (Date.now() < deadline && !this.aborted) {
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      for (; next <= head; next += 1) {
        idleSince = Date.now();
        const blockHash = (await api.rpc.chain.getBlockHash(next)).toHex();
        const { block } = await api.rpc.chain.getBlock(blockHash);
        const index = block.extrinsics.findIndex((x) => x.hash.toHex() === txHash);
        if (index < 0) continue;
        const events = (await api.query.system.events.at(blockHash))
          .filter(({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index);
        return { blockHash, events };
      }
      // Instant sealing seals when the pool imports a transaction; one the race left in the pool
      // without that notification waits for the next block, so ask for one.
      if (Date.now() - idleSince > 5_000) {
        idleSince = Date.now();
        await api.rpc.engine.createBlock(true, false, null).catch(() => {});
      }
      await sleep(250);
    }
    return null;
  }

  /**
   * Reads blocks `from..=to` back and checks that the extrinsics signed by `addresses` are
   * exactly those reported included, each once, in the block it was reported in. Returns how many
   * it found.
   */
  async verifyChain(from, to, addresses) {
    const { api } = this;
    const ours = new Set(addresses);
    const seen = new Map();
    for (let number = from; number <= to; number += 1) {
      const hash = (await api.rpc.chain.getBlockHash(number)).toHex();
      const { block } = await api.rpc.chain.getBlock(hash);
      for (const x of block.extrinsics) {
        if (!x.isSigned || !ours.has(x.signer.toString())) continue;
        const txHash = x.hash.toHex();
        if (seen.has(txHash)) this.onFail(`extrinsic ${txHash} is in blocks ${seen.get(txHash)} and ${hash}`);
        seen.set(txHash, hash);
      }
    }
    for (const [txHash, blockHash] of this.included) {
      if (seen.get(txHash) !== blockHash) {
        this.onFail(`extrinsic ${txHash} reported in ${blockHash} is in ${seen.get(txHash) ?? 'no block'} of the best chain`);
      }
    }
    if (seen.size !== this.included.size) {
      this.onFail(`the chain has ${seen.size} extrinsics from these accounts, ${this.included.size} were reported included`);
    }
    if (this.counts.included !== this.counts.submitted) {
      this.onFail(`${this.counts.submitted} extrinsics submitted, ${this.counts.included} included`);
    }
    return seen.size;
  }
}
