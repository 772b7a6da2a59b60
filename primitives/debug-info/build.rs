//! Declares the `substrate_runtime` cfg (set by wasm-builder for runtime builds) so that
//! `check-cfg` knows it; the workspace lint table is shared and not ours to extend.

fn main() {
	println!("cargo::rustc-check-cfg=cfg(substrate_runtime)");
}
