//! `callisto contract build`: an ink! contract built so that Callisto can locate its traps.
//!
//! cargo-contract strips all DWARF and its wasm-opt pass would leave any DWARF stale, so it
//! cannot produce a deployable contract with valid debug info. This command builds the contract
//! with plain cargo for `wasm32v1-none` (MVP Wasm without a start function), with line-table
//! DWARF and no wasm-opt, then post-processes it (`callisto-contract-post`) into
//! `<name>.wasm` (deployable) and `<name>.debug.wasm` (the same code plus DWARF), the
//! `<name>.json` metadata (`contract_metadata`) and the bundles cargo-contract users expect,
//! `<name>.contract` and `<name>.debug.contract`. Deploy either module: the chain stores the code
//! without DWARF and keeps the DWARF beside it.

use std::{
	path::{Path, PathBuf},
	process::Command,
	time::Instant,
};

/// Contract tooling.
#[derive(Debug, clap::Subcommand)]
pub enum ContractCmd {
	/// Build an ink! contract with debug info Callisto can use: writes <name>.wasm (deployable),
	/// <name>.debug.wasm (same code + DWARF line tables), <name>.json and the <name>.contract
	/// and <name>.debug.contract bundles.
	Build(BuildCmd),
}

/// `callisto contract build`.
#[derive(Debug, clap::Args)]
pub struct BuildCmd {
	/// The contract's Cargo.toml.
	#[arg(long, default_value = "Cargo.toml", value_name = "PATH")]
	pub manifest_path: PathBuf,

	/// Where to write the modules (default: <target dir>/callisto).
	#[arg(long, value_name = "DIR")]
	pub out_dir: Option<PathBuf>,

	/// Build without ink!'s `ink-debug` feature: smaller, but panics carry no message.
	#[arg(long)]
	pub no_debug_messages: bool,

	/// Skip the <name>.json metadata (it needs a host build of the contract).
	#[arg(long)]
	pub no_metadata: bool,

	/// Features of the contract to enable (comma- or space-separated), as with cargo.
	#[arg(long, value_name = "FEATURES", value_delimiter = ',')]
	pub features: Vec<String>,
}

/// The release profile the contract is built with, as cargo environment overrides: small code
/// like cargo-contract's, and line tables for the debug twin.
const PROFILE: [(&str, &str); 6] = [
	("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
	("CARGO_PROFILE_RELEASE_LTO", "fat"),
	("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
	("CARGO_PROFILE_RELEASE_PANIC", "abort"),
	("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true"),
	("CARGO_PROFILE_RELEASE_DEBUG", "line-tables-only"),
];

/// Link the contract's memory as an import (the pallet provides it), a 64 KiB stack like ink!'s
/// default, MVP instructions only.
const RUSTFLAGS: &str = "-Clink-arg=-zstack-size=65536 -Clink-arg=--import-memory -Ctarget-cpu=mvp";

const TARGET: &str = "wasm32v1-none";

impl BuildCmd {
	pub fn run(&self) -> Result<(), String> {
		let start = Instant::now();
		let manifest = self.manifest_path.canonicalize().map_err(|e| {
			format!(
				"cannot read {}: {e}. Pass the contract's Cargo.toml with --manifest-path",
				self.manifest_path.display()
			)
		})?;
		let features: Vec<String> =
			self.features.iter().flat_map(|f| f.split_whitespace()).map(String::from).collect();
		let (package, target_dir) = package_of(&manifest, features.clone())?;
		let name = package.name.clone();
		println!("callisto contract build: {name} ({})", manifest.display());

		ensure_target()?;
		let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
		cargo
			.args(["rustc", "--release", "--target", TARGET, "--no-default-features", "--lib"])
			.args(["--crate-type", "cdylib", "--manifest-path"])
			.arg(&manifest)
			.env("RUSTFLAGS", RUSTFLAGS)
			.envs(PROFILE);
		let mut wasm_features = features;
		if !self.no_debug_messages {
			wasm_features.push("ink/ink-debug".into());
		}
		if !wasm_features.is_empty() {
			cargo.args(["--features", &wasm_features.join(",")]);
		}
		println!("  compiling for {TARGET} (line-table DWARF, no wasm-opt)...");
		run_showing_errors(&mut cargo, "the contract does not compile")?;

		let artifact =
			target_dir.join(TARGET).join("release").join(format!("{}.wasm", package.lib_name));
		let input = std::fs::read(&artifact)
			.map_err(|e| format!("cannot read the built module {}: {e}", artifact.display()))?;
		let artifacts = callisto_contract_post::post_process(&input)
			.map_err(|e| format!("cannot post-process {}: {e}", artifact.display()))?;
		let out_dir = self.out_dir.clone().unwrap_or_else(|| target_dir.join("callisto"));
		std::fs::create_dir_all(&out_dir)
			.map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
		let wasm = out_dir.join(format!("{name}.wasm"));
		let debug_wasm = out_dir.join(format!("{name}.debug.wasm"));
		write(&wasm, &artifacts.wasm)?;
		write(&debug_wasm, &artifacts.debug_wasm)?;
		let code_hash = sp_crypto_hashing::blake2_256(&artifacts.wasm);
		println!("  {} ({} bytes, deployable)", wasm.display(), artifacts.wasm.len());
		println!("  {} ({} bytes, with DWARF)", debug_wasm.display(), artifacts.debug_wasm.len());
		println!("  code hash 0x{}", sp_core::hexdisplay::HexDisplay::from(&code_hash));
		if !self.no_metadata {
			println!("  generating the metadata (a host build of the contract with std)...");
			let files = crate::contract_metadata::generate(
				&package,
				&wasm,
				&debug_wasm,
				&out_dir,
				&target_dir,
			)?;
			// cargo-contract reads a module's metadata from `<stem>.json` beside it, so
			// `cargo contract instantiate <name>.debug.wasm` needs this copy.
			let debug_json = out_dir.join(format!("{name}.debug.json"));
			std::fs::copy(&files.json, &debug_json)
				.map_err(|e| format!("cannot write {}: {e}", debug_json.display()))?;
			println!(
				"  {} (metadata; and {name}.debug.json for cargo-contract)",
				files.json.display()
			);
			println!(
				"  {} (code + metadata, as cargo-contract bundles it)",
				files.bundle.display()
			);
			println!("  {} (the same with DWARF)", files.debug_bundle.display());
		}
		println!("  done in {:.1} s. Deploy either module.", start.elapsed().as_secs_f64());
		Ok(())
	}
}

/// Makes sure the toolchain can build for [`TARGET`]: adds it with rustup where there is one,
/// else checks the sysroot has it.
fn ensure_target() -> Result<(), String> {
	if let Ok(output) = Command::new("rustup").args(["target", "add", TARGET]).output() {
		if output.status.success() {
			return Ok(());
		}
	}
	let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
	let sysroot = Command::new(&rustc)
		.args(["--print", "sysroot"])
		.output()
		.map_err(|e| format!("cannot run {rustc}: {e}; install Rust (https://rustup.rs)"))?;
	let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
	if Path::new(&sysroot).join("lib/rustlib").join(TARGET).is_dir() {
		return Ok(());
	}
	let version = Command::new(&rustc).arg("--version").output().ok();
	let version = version.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
	Err(format!(
		"the Rust toolchain at {sysroot} ({}) cannot build for {TARGET}: run `rustup target \
		 add {TARGET}` (Rust 1.84 or newer)",
		version.as_deref().unwrap_or("unknown version")
	))
}

/// Runs `command` (a cargo build), its output shown as it comes; if it fails, the error is
/// `what` and the compiler's first error with its place, in one line (the whole output is above
/// it).
pub(crate) fn run_showing_errors(command: &mut Command, what: &str) -> Result<(), String> {
	use std::io::{BufRead as _, Write as _};
	let mut child = command
		.stderr(std::process::Stdio::piped())
		.spawn()
		.map_err(|e| format!("cannot run cargo: {e}"))?;
	let mut first_error: Option<String> = None;
	let mut stderr = std::io::stderr();
	if let Some(output) = child.stderr.take() {
		for line in std::io::BufReader::new(output).lines().map_while(Result::ok) {
			let _ = writeln!(stderr, "{line}");
			match &mut first_error {
				None if line.starts_with("error")
					&& !line.starts_with("error: could not compile") =>
				{
					first_error = Some(line.clone());
				}
				Some(error) if !error.contains(" at ") => {
					if let Some(place) = line.trim_start().strip_prefix("--> ") {
						error.push_str(" at ");
						error.push_str(place);
					}
				}
				_ => {}
			}
		}
	}
	let status = child.wait().map_err(|e| format!("cannot wait for cargo: {e}"))?;
	if status.success() {
		return Ok(());
	}
	Err(match first_error {
		Some(error) => format!("{what}: {error} (cargo's whole output is above)"),
		None => format!("{what}: cargo failed ({status}); see its output above"),
	})
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
	std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The package whose manifest is `manifest` (built with `features`), and the target directory
/// cargo builds it into.
fn package_of(
	manifest: &Path,
	features: Vec<String>,
) -> Result<(crate::contract_metadata::PackageInfo, PathBuf), String> {
	let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
		.args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
		.arg(manifest)
		.output()
		.map_err(|e| format!("cannot run cargo metadata: {e}"))?;
	if !output.status.success() {
		return Err(format!(
			"cargo metadata failed for {}:\n{}",
			manifest.display(),
			String::from_utf8_lossy(&output.stderr)
		));
	}
	let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
		.map_err(|e| format!("cargo metadata printed something unexpected: {e}"))?;
	let target_dir =
		metadata["target_directory"].as_str().ok_or("cargo metadata names no target directory")?;
	let package = metadata["packages"]
		.as_array()
		.and_then(|packages| {
			packages.iter().find(|p| {
				p["manifest_path"].as_str().map(Path::new) == Some(manifest)
			})
		})
		.ok_or_else(|| {
			format!("{} is not a package manifest (a workspace root?); pass the contract's own Cargo.toml", manifest.display())
		})?;
	let name = package["name"].as_str().ok_or("the package has no name")?.to_string();
	let is_ink = package["dependencies"]
		.as_array()
		.is_some_and(|deps| deps.iter().any(|d| d["name"] == "ink" && d["kind"].is_null()));
	if !is_ink {
		return Err(format!(
			"{name} ({}) does not depend on `ink`: not an ink! contract",
			manifest.display()
		));
	}
	let workspace_root =
		metadata["workspace_root"].as_str().ok_or("cargo metadata names no workspace root")?;
	let lib_name = crate::contract_manifest::library_target(package)?["name"]
		.as_str()
		.unwrap_or(&name)
		.to_string();
	let info = crate::contract_metadata::PackageInfo {
		version: package["version"].as_str().unwrap_or("0.1.0").to_string(),
		authors: package["authors"]
			.as_array()
			.map(|a| a.iter().filter_map(|a| a.as_str().map(String::from)).collect())
			.unwrap_or_default(),
		license: package["license"].as_str().map(String::from),
		standalone_manifest: crate::contract_manifest::standalone_manifest(package)?,
		features,
		lockfile: Path::new(workspace_root).join("Cargo.lock"),
		lib_name,
		name,
	};
	Ok((info, PathBuf::from(target_dir)))
}
