//! Compiles this crate to Wasm and embeds it as `WASM_BINARY`.

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
