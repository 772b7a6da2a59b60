// Cases that are not written as text: malformed modules (raw bytes) and modules too large or too
// regular to write by hand (compile bombs, big data segments). Each generator returns the code
// as a Uint8Array; the manifest names it with `"gen": "<name>"`. Every module is built here from
// its sections, so each case says exactly which bytes it feeds the node.

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];
/** pallet-contracts' `MaxCodeLen` in the dev runtime. */
export const MAX_CODE_LEN = 512 * 1024;

/** Unsigned LEB128. */
function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a small integer. */
function sleb(n) {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const bytes = (s) => [...Buffer.from(s, 'utf8')];
const name = (s) => [...uleb(Buffer.byteLength(s)), ...bytes(s)];
const vec = (items) => cat(uleb(items.length), ...items);
/** Concatenates arrays without spreading them as arguments (some are megabytes long). */
const cat = (...parts) => [].concat(...parts);
/** `pattern` repeated `n` times. */
const repeat = (pattern, n) => {
  const out = [];
  for (let i = 0; i < n; i += 1) for (const b of pattern) out.push(b);
  return out;
};
const section = (id, content) => cat([id], uleb(content.length), content);

const I32 = 0x7f;
const I64 = 0x7e;
const funcType = (params, results) => [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
const memoryImport = (min, max) => [...name('env'), ...name('memory'), 0x02, 0x01, ...uleb(min), ...uleb(max)];
const funcImport = (module, field, type) => [...name(module), ...name(field), 0x00, ...uleb(type)];
const exportFunc = (field, index) => [...name(field), 0x00, ...uleb(index)];
/** A function body: local groups `[[count, type], ...]` and raw instructions (without `end`). */
const body = (locals, code) => {
  const content = cat(vec(locals.map(([count, type]) => [...uleb(count), type])), code, [0x0b]);
  return cat(uleb(content.length), content);
};
const customSection = (field, size) => {
  const header = name(field);
  return section(0x00, cat(header, new Array(size - header.length).fill(0xab)));
};

/**
 * A contract module: memory `env.memory` (min, max), `call` and `deploy` of type () -> ().
 * `imports` are extra function imports `[module, field, typeIndex]` over `types` (type 0 is
 * () -> ()); `funcs` are the defined functions `{ type, locals, code }`, the first two being
 * `call` and `deploy`; `extra` are raw sections appended at the end.
 */
function contract({ memory = [1, 1], types = [], imports = [], funcs, globals = [], table = null, data = [], extra = [] }) {
  const allTypes = [funcType([], []), ...types];
  const importEntries = [...imports.map(([m, f, t]) => funcImport(m, f, t)), memoryImport(...memory)];
  const firstDefined = imports.length;
  const parts = [MAGIC, VERSION,
    section(0x01, vec(allTypes)),
    section(0x02, vec(importEntries)),
    section(0x03, vec(funcs.map((f) => uleb(f.type ?? 0))))];
  if (table) parts.push(section(0x04, vec([[0x70, 0x00, ...uleb(table)]])));
  if (globals.length) parts.push(section(0x06, vec(globals)));
  parts.push(section(0x07, vec([exportFunc('call', firstDefined), exportFunc('deploy', firstDefined + 1)])));
  parts.push(section(0x0a, vec(funcs.map((f) => body(f.locals ?? [], f.code ?? [])))));
  if (data.length) {
    parts.push(section(0x0b, vec(data.map(([offset, content]) => cat([0x00, 0x41], sleb(offset), [0x0b], uleb(content.length), content)))));
  }
  return Uint8Array.from(cat(...parts, ...extra));
}

const empty = () => ({ code: [] });
/** The smallest valid contract (the same as wat/valid_minimal.wat). */
const minimal = () => contract({ funcs: [empty(), empty()] });

/** A module of exactly `size` bytes: the minimal contract padded with a custom section. */
function padded(field, size) {
  const base = minimal();
  // A custom section's size prefix grows with its content: find the content size that fits.
  for (let content = size - base.length - 2; content > 0; content -= 1) {
    const pad = customSection(field, content);
    if (base.length + pad.length === size) return Uint8Array.from(cat([...base], pad));
  }
  throw new Error(`cannot pad to ${size}`);
}

/** A contract whose `call` nests `depth` empty blocks. */
export const nestedBlocks = (depth) => contract({
  funcs: [{ code: cat(repeat([0x02, 0x40], depth), repeat([0x0b], depth)) }, empty()],
});

/** A contract whose `call` runs a br_table of `targets` targets, taking the last. */
export const brTable = (targets) => contract({
  funcs: [{ code: cat([0x02, 0x40, 0x41], sleb(targets - 1), [0x0e], uleb(targets), repeat([0x00], targets), [0x00, 0x0b]) }, empty()],
});

export const GENERATORS = {
  /** `\0asm` spelled `\0asx`. */
  bad_magic() {
    const code = minimal();
    code[3] = 0x78;
    return code;
  },
  /** Binary format version 2. */
  bad_version() {
    const code = minimal();
    code[4] = 0x02;
    return code;
  },
  /** The minimal contract without its last 3 bytes: the code section ends early. */
  truncated: () => minimal().slice(0, -3),
  /** The magic and version alone. */
  header_only: () => Uint8Array.from([...MAGIC, ...VERSION]),
  /** No bytes at all. */
  empty: () => new Uint8Array(0),
  /** A valid contract followed by a section of unknown id 0x7f with 16 bytes of junk. */
  unknown_section: () => Uint8Array.from([...minimal(), ...section(0x7f, new Array(16).fill(0xee))]),
  /** A data section whose size prefix claims 4 GiB - 1 bytes, followed by three. */
  section_length_overflow: () => Uint8Array.from([...minimal(), 0x0b, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]),
  /** A code section whose single body claims more bytes than the section has. */
  body_overruns_section() {
    const code = minimal();
    // The code section is last: [0x0a, len, 2, 2, 0, 0x0b, 2, 0, 0x0b]; make the first body 0x7f long.
    code[code.length - 6] = 0x7f;
    return code;
  },
  /** One byte over `MaxCodeLen`, valid Wasm padded with a custom section. */
  code_too_large: () => padded('hostile', MAX_CODE_LEN + 1),
  /** Exactly `MaxCodeLen`, padded the same way: the largest code that may be stored. */
  code_at_limit: () => padded('hostile', MAX_CODE_LEN),
  /**
   * 600 KiB of `.debug_info`: over `MaxCodeLen` as uploaded, but Callisto strips DWARF sections
   * before the length check and keeps them off chain, so the stored code is the minimal one.
   */
  debug_sections_over_limit: () => Uint8Array.from(cat([...minimal()], customSection('.debug_info', 600 * 1024))),
  /**
   * A 480 KiB data segment filling most of the 1 MiB memory; `call` returns its last 4 bytes
   * ("TAIL").
   */
  big_data_segment() {
    const content = new Array(480 * 1024).fill(0x5a);
    content.splice(content.length - 4, 4, ...bytes('TAIL'));
    const retType = 1;
    return contract({
      memory: [16, 16],
      types: [funcType([I32, I32, I32], [])],
      imports: [['seal0', 'seal_return', retType]],
      funcs: [
        { code: [0x41, 0x00, 0x41, ...sleb(content.length - 4), 0x41, 0x04, 0x10, 0x00] },
        empty(),
      ],
      data: [[0, content]],
    });
  },
  /** `call` is one function of 30,000 `i32.const 0; drop` pairs (60,000 instructions). */
  long_function: () => contract({ funcs: [{ code: repeat([0x41, 0x00, 0x1a], 30_000) }, empty()] }),
  /**
   * `call` calls a function that calls a third; each is 12,500 `i32.const 0; drop` pairs
   * (25,000 instructions), 75,000 in all along the chain, though the operand stack never holds
   * more than one value.
   */
  long_call_chain: () => contract({
    funcs: [
      { code: cat(repeat([0x41, 0x00, 0x1a], 12_500), [0x10, 0x02]) },
      empty(),
      { code: cat(repeat([0x41, 0x00, 0x1a], 12_500), [0x10, 0x03]) },
      { code: repeat([0x41, 0x00, 0x1a], 12_500) },
    ],
  }),
  /** `call` is one function of 170,000 `i32.const 0; drop` pairs (~510 KiB). */
  huge_function: () => contract({ funcs: [{ code: repeat([0x41, 0x00, 0x1a], 170_000) }, empty()] }),
  /** `call` nests 1,024 blocks (the sandbox's `MAX_NESTING_DEPTH`), then closes them all. */
  block_nesting_at_limit: () => nestedBlocks(1_024),
  /** One level more than `MAX_NESTING_DEPTH`. */
  deep_block_nesting: () => nestedBlocks(1_025),
  /**
   * 40,000 nested blocks. Cranelift's compile time grows with the square of the depth, so
   * before the nesting limit its trap stalled block production for over a minute (frames are
   * found by compiling with Cranelift inside the block); it is now refused at upload.
   */
  deeper_block_nesting: () => nestedBlocks(40_000),
  /** `call` declares 50,000 i64 locals (pallet-contracts 51 sets no limit on locals). */
  many_locals: () => contract({ funcs: [{ locals: [[50_000, I64]] }, empty()] }),
  /** 1,000 i64 locals: just under the sandbox's limit of 1,024. */
  locals_at_limit: () => contract({ funcs: [{ locals: [[1_000, I64]] }, empty()] }),
  /** `call` runs a br_table with 65,520 targets (all the enclosing block): wasmtime's limit. */
  huge_br_table: () => brTable(65_520),
  /** The same with 65,521 targets: one over Cranelift's limit, nothing in Wasm forbids it. */
  br_table_over_wasmtime_limit: () => brTable(65_521),
  /** 5,000 defined functions besides `call` and `deploy`. */
  many_functions: () => contract({ funcs: [empty(), empty(), ...new Array(5_000).fill(null).map(() => empty())] }),
  /** 300 immutable i64 globals. */
  many_globals: () => contract({ funcs: [empty(), empty()], globals: new Array(300).fill([I64, 0x00, 0x42, 0x00, 0x0b]) }),
  /** A table of 100,000 function references. */
  big_table: () => contract({ funcs: [empty(), empty()], table: 100_000 }),
};
