//! Compiles this crate to Wasm and embeds it as `WASM_BINARY`. It is not a chain runtime, so it
//! carries no `runtime_version` section.

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.disable_runtime_version_section_check()
		.build();
}
