//! Compiles the bench runtime to Wasm and embeds it as `WASM_BINARY`: the bench only ever
//! executes that Wasm, through sc-executor, as a node would.

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
