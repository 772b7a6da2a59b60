//! The contract's package as a manifest that stands alone, for the metadata host build.
//!
//! The metadata comes from a host program that links the contract as a Rust library. A
//! contract whose manifest lists only `crate-type = ["cdylib"]` (a common layout) cannot be
//! linked that way, and a workspace member's manifest (`version.workspace = true`,
//! `ink = { workspace = true }`) means nothing outside its workspace. cargo-contract copies and
//! edits manifests; this writes one afresh from what `cargo metadata` resolved: the same name,
//! version, edition, features and dependencies (paths made absolute), the library at its real
//! source path as an `rlib`, and no inheritance. The user's files are never touched.

use serde_json::Value;
use std::fmt::Write as _;

/// A TOML basic string: JSON's string escapes are TOML's.
fn quoted(text: &str) -> String {
	serde_json::to_string(text).expect("a string serialises")
}

fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
	let items: Vec<String> = items.into_iter().map(quoted).collect();
	format!("[{}]", items.join(", "))
}

/// The library target of `package` (one entry of `cargo metadata`'s `packages`), whatever its
/// crate types.
pub fn library_target(package: &Value) -> Result<&Value, String> {
	let name = package["name"].as_str().unwrap_or("the package");
	package["targets"]
		.as_array()
		.and_then(|targets| {
			targets.iter().find(|t| {
				t["kind"].as_array().is_some_and(|kinds| {
					kinds.iter().any(|k| matches!(k.as_str(), Some("lib" | "cdylib" | "rlib")))
				})
			})
		})
		.ok_or_else(|| format!("{name} has no library target: an ink! contract is a library"))
}

/// The manifest of the package `package` (one entry of `cargo metadata`'s `packages`) whose
/// library is an `rlib`, for a crate that depends on it by path.
pub fn standalone_manifest(package: &Value) -> Result<String, String> {
	let field = |name: &str| package[name].as_str();
	let name = field("name").ok_or("the package has no name")?;
	let lib = library_target(package)?;
	let mut toml = String::from("# Written by `callisto contract build` from `cargo metadata`.\n");
	toml.push_str("[package]\n");
	writeln!(toml, "name = {}", quoted(name)).expect("writing to a string");
	writeln!(toml, "version = {}", quoted(field("version").unwrap_or("0.1.0")))
		.expect("writing to a string");
	writeln!(toml, "edition = {}", quoted(field("edition").unwrap_or("2021")))
		.expect("writing to a string");
	toml.push_str("publish = false\n");
	if let Some(build) = package["targets"].as_array().and_then(|targets| {
		targets
			.iter()
			.find(|t| t["kind"].as_array().is_some_and(|k| k.contains(&"custom-build".into())))
	}) {
		let path = build["src_path"].as_str().ok_or("the build script has no path")?;
		writeln!(toml, "build = {}", quoted(path)).expect("writing to a string");
	}
	if let Some(links) = field("links") {
		writeln!(toml, "links = {}", quoted(links)).expect("writing to a string");
	}

	toml.push_str("\n[lib]\n");
	let lib_name = lib["name"].as_str().unwrap_or(name);
	writeln!(toml, "name = {}", quoted(lib_name)).expect("writing to a string");
	let src = lib["src_path"].as_str().ok_or("the library has no source path")?;
	writeln!(toml, "path = {}", quoted(src)).expect("writing to a string");
	toml.push_str("crate-type = [\"rlib\"]\n");

	if let Some(features) = package["features"].as_object().filter(|f| !f.is_empty()) {
		toml.push_str("\n[features]\n");
		let mut features: Vec<_> = features.iter().collect();
		features.sort_by_key(|(feature, _)| feature.as_str());
		for (feature, enables) in features {
			let enables = enables.as_array().map(Vec::as_slice).unwrap_or_default();
			let list = quoted_list(enables.iter().filter_map(Value::as_str));
			writeln!(toml, "{} = {list}", quoted(feature)).expect("writing to a string");
		}
	}

	// Dependencies by table: `[dependencies]`, `[build-dependencies]`, and per target cfg.
	let mut tables: Vec<(String, Vec<String>)> = Vec::new();
	for dependency in package["dependencies"].as_array().map(Vec::as_slice).unwrap_or_default() {
		let kind = dependency["kind"].as_str();
		if kind == Some("dev") {
			continue;
		}
		let section = if kind == Some("build") { "build-dependencies" } else { "dependencies" };
		let table = match dependency["target"].as_str() {
			Some(target) => format!("target.{}.{section}", quoted(target)),
			None => section.to_string(),
		};
		let line = dependency_line(dependency)?;
		match tables.iter_mut().find(|(name, _)| *name == table) {
			Some((_, lines)) => lines.push(line),
			None => tables.push((table, vec![line])),
		}
	}
	for (table, lines) in tables {
		writeln!(toml, "\n[{table}]").expect("writing to a string");
		for line in lines {
			toml.push_str(&line);
			toml.push('\n');
		}
	}
	Ok(toml)
}

/// One dependency as a manifest line: `key = { package = …, version = …, … }`.
fn dependency_line(dependency: &Value) -> Result<String, String> {
	let name = dependency["name"].as_str().ok_or("a dependency has no name")?;
	let key = dependency["rename"].as_str().unwrap_or(name);
	let mut parts = vec![format!("package = {}", quoted(name))];
	let source = dependency["source"].as_str();
	if let Some(path) = dependency["path"].as_str() {
		parts.push(format!("path = {}", quoted(path)));
	} else if let Some(git) = source.and_then(|s| s.strip_prefix("git+")) {
		// `git+<url>?branch=<b>#<commit>`: the commit the lock file pins comes with the lock.
		let url = git.split(['?', '#']).next().unwrap_or(git);
		parts.push(format!("git = {}", quoted(url)));
		if let Some((_, query)) = git.split('#').next().unwrap_or(git).split_once('?') {
			for pair in query.split('&') {
				if let Some((k @ ("branch" | "tag" | "rev"), v)) = pair.split_once('=') {
					parts.push(format!("{k} = {}", quoted(v)));
				}
			}
		}
	}
	if let Some(registry) = dependency["registry"].as_str() {
		parts.push(format!("registry-index = {}", quoted(registry)));
	}
	if let Some(req) = dependency["req"].as_str().filter(|r| *r != "*") {
		parts.push(format!("version = {}", quoted(req)));
	}
	if dependency["optional"].as_bool() == Some(true) {
		parts.push("optional = true".into());
	}
	if dependency["uses_default_features"].as_bool() == Some(false) {
		parts.push("default-features = false".into());
	}
	let features = dependency["features"].as_array().map(Vec::as_slice).unwrap_or_default();
	if !features.is_empty() {
		parts
			.push(format!("features = {}", quoted_list(features.iter().filter_map(Value::as_str))));
	}
	Ok(format!("{} = {{ {} }}", quoted(key), parts.join(", ")))
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn package(targets: Value, dependencies: Value) -> Value {
		json!({
			"name": "my-contract",
			"version": "1.2.3",
			"edition": "2021",
			"features": { "default": ["std"], "std": ["ink/std", "scale/std"], "ink-as-dependency": [] },
			"targets": targets,
			"dependencies": dependencies,
			"links": null,
		})
	}

	#[test]
	fn a_cdylib_only_library_becomes_an_rlib_at_its_real_path() {
		let targets = json!([{ "kind": ["cdylib"], "crate_types": ["cdylib"], "name": "my_contract",
			"src_path": "/home/dev/my project/src/lib.rs" }]);
		let dependencies = json!([
			{ "name": "ink", "source": "registry+https://github.com/rust-lang/crates.io-index",
			  "req": "^5.1", "kind": null, "rename": null, "optional": false,
			  "uses_default_features": false, "features": [], "target": null, "registry": null },
			{ "name": "parity-scale-codec", "source": "registry+https://github.com/rust-lang/crates.io-index",
			  "req": "^3", "kind": null, "rename": "scale", "optional": false,
			  "uses_default_features": false, "features": ["derive"], "target": null, "registry": null },
			{ "name": "other", "source": null, "req": "*", "kind": null, "rename": null,
			  "optional": true, "uses_default_features": true, "features": [], "target": null,
			  "registry": null, "path": "/home/dev/my project/other" },
			{ "name": "ink_e2e", "source": "registry+https://github.com/rust-lang/crates.io-index",
			  "req": "^5", "kind": "dev", "rename": null, "optional": false,
			  "uses_default_features": true, "features": [], "target": null, "registry": null },
		]);
		let manifest = standalone_manifest(&package(targets, dependencies)).unwrap();
		let expected = r#"# Written by `callisto contract build` from `cargo metadata`.
[package]
name = "my-contract"
version = "1.2.3"
edition = "2021"
publish = false

[lib]
name = "my_contract"
path = "/home/dev/my project/src/lib.rs"
crate-type = ["rlib"]

[features]
"default" = ["std"]
"ink-as-dependency" = []
"std" = ["ink/std", "scale/std"]

[dependencies]
"ink" = { package = "ink", version = "^5.1", default-features = false }
"scale" = { package = "parity-scale-codec", version = "^3", default-features = false, features = ["derive"] }
"other" = { package = "other", path = "/home/dev/my project/other", optional = true }
"#;
		assert_eq!(manifest, expected);
	}

	#[test]
	fn git_and_target_specific_dependencies_keep_their_source_and_table() {
		let targets = json!([{ "kind": ["lib"], "name": "c", "src_path": "/c/lib.rs" },
			{ "kind": ["custom-build"], "name": "build-script-build", "src_path": "/c/build.rs" }]);
		let dependencies = json!([
			{ "name": "dep", "source": "git+https://github.com/o/r?branch=main#0123abcd", "req": "*",
			  "kind": null, "rename": null, "optional": false, "uses_default_features": true,
			  "features": [], "target": "cfg(not(target_arch = \"wasm32\"))", "registry": null },
		]);
		let manifest = standalone_manifest(&package(targets, dependencies)).unwrap();
		assert!(manifest.contains("build = \"/c/build.rs\"\n"), "{manifest}");
		assert!(
			manifest.contains(
				"[target.\"cfg(not(target_arch = \\\"wasm32\\\"))\".dependencies]\n\"dep\" = { package = \"dep\", git = \"https://github.com/o/r\", branch = \"main\" }\n"
			),
			"{manifest}"
		);
	}

	#[test]
	fn a_package_without_a_library_is_refused() {
		let targets = json!([{ "kind": ["bin"], "name": "main", "src_path": "/m/main.rs" }]);
		let error = standalone_manifest(&package(targets, json!([]))).unwrap_err();
		assert_eq!(error, "my-contract has no library target: an ink! contract is a library");
	}
}
