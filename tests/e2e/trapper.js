// What the trap and trace tests share: where the fixtures are, reading built fixtures, the
// trapper's marked source lines, and sending a transaction until it is in a block.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abi } from '@polkadot/api-contract';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'pallets/contracts/fixtures');
/** The trapper's source file as its DWARF names it (remapped at build time). */
export const TRAPPER_SOURCE = '/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs';

/** A built fixture artifact (`pallets/contracts/fixtures/build/<file>`) as bytes. */
export const readArtifact = (file) => new Uint8Array(readFileSync(join(FIXTURES, 'build', file)));

/** A built fixture's ink! metadata as a polkadot.js `Abi`. */
export const readAbi = (name) => new Abi(JSON.parse(readFileSync(join(FIXTURES, 'build', `${name}.json`), 'utf8')));

/** The line of the trapper's source marked `// TRAP(<kind>)`. */
export function markedLine(kind) {
  const lines = readFileSync(join(FIXTURES, 'ink/trapper/lib.rs'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(`// TRAP(${kind})`)) + 1;
}

/** Every trapping message of the trapper: its arguments, source marker and trap kind. */
export const TRAPS = [
  { message: 'panic', args: [], marker: 'panic', kind: 'Panic' },
  { message: 'assert', args: [], marker: 'assert', kind: 'AssertionFailed' },
  { message: 'overflow', args: [], marker: 'overflow', kind: 'ArithmeticOverflow' },
  { message: 'index_out_of_bounds', args: [], marker: 'index', kind: 'IndexOutOfBounds' },
  { message: 'divide_by_zero', args: [], marker: 'divide', kind: 'DivisionByZero' },
  { message: 'unreachable', args: [], marker: 'unreachable', kind: 'Unreachable' },
  { message: 'recurse', args: [100_000], marker: 'recurse', kind: 'StackExhausted' },
];

/** Sends `tx`; resolves with the result once in a block, whether it succeeded or not. */
export function submit(tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    tx.signAndSend(signer, (result) => {
      if (result.status.isInBlock) {
        unsub();
        resolve(result);
      }
    }).then((u) => { unsub = u; }, reject);
  });
}
