//! `callisto-bench`: the same ink! contracts through stock pallet-contracts 51 (wasmi inside the
//! runtime), Callisto's pallet on wasmi and on wasmtime — all in one bench runtime
//! (`bench/runtime`) executed by sc-executor as the node executes its runtime — plus the
//! compute kernels as native Rust (issue 7).
//!
//! Each path runs in a child process of its own (`callisto-bench child <path>`), so each has a
//! clean peak RSS; the parent collects their reports and prints a table, then, as the last
//! line, one JSON object. `scripts/bench.sh` builds and runs it; docs/BENCHMARKS.md has a run.

mod chain;
mod fixtures;
mod native;
mod raw;
mod report;
mod workloads;

use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::process::{Command, ExitCode, Stdio};
use workloads::{Path, PathReport, WORKLOADS};

#[derive(Parser)]
#[command(about = "Callisto vs stock pallet-contracts 51: the same ink! contracts, side by side")]
struct Cli {
	#[command(subcommand)]
	child: Option<Mode>,
	/// Paths to run (default: all).
	#[arg(long, value_enum, value_delimiter = ',', global = true)]
	paths: Vec<Path>,
	/// Workloads to run (default: all), e.g. `flipper,compute_sieve`.
	#[arg(long, value_delimiter = ',', global = true)]
	workloads: Vec<String>,
	/// A fifth of the runs per workload (at least 3): a quick check that everything works.
	#[arg(long, global = true)]
	quick: bool,
	/// Exactly this many runs per workload instead (e.g. a long run to profile).
	#[arg(long, global = true)]
	runs: Option<usize>,
	/// Rounds of one process per path, interleaved (native, stock, wasmi, wasmtime, native,
	/// ...); each figure is the median of the rounds' medians, so one slow spell of a shared
	/// machine moves it less.
	#[arg(long, default_value_t = 5)]
	rounds: usize,
	/// Another build of the bench contract (`pallets/contracts/fixtures/ink/bench`) for its
	/// workloads, e.g. one built for speed instead of size.
	#[arg(long, global = true)]
	bench_contract: Option<std::path::PathBuf>,
	/// Callisto on wasmtime compiles fresh code before running it, as before tiering (for
	/// before/after comparisons of cold instantiation in one run).
	#[arg(long)]
	no_tiering: bool,
	/// Children run with `RUST_BACKTRACE=1` (as this machine's shells set it) instead of
	/// without.
	#[arg(long)]
	rust_backtrace: bool,
}

#[derive(Subcommand)]
enum Mode {
	/// Runs one path in this process and prints its report as one JSON line.
	#[command(hide = true)]
	Child { path: Path },
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	for name in &cli.workloads {
		if !WORKLOADS.iter().any(|(known, _)| known == name) {
			eprintln!("unknown workload {name}; known: {:?}", WORKLOADS.map(|(n, _)| n));
			return ExitCode::FAILURE;
		}
	}
	if let Some(path) = &cli.bench_contract {
		match std::fs::read(path) {
			Ok(code) => {
				eprintln!("bench contract: {} ({} bytes)", path.display(), code.len());
				fixtures::override_bench(code);
			}
			Err(e) => {
				eprintln!("cannot read {}: {e}", path.display());
				return ExitCode::FAILURE;
			}
		}
	}
	let selected = |name: &str| cli.workloads.is_empty() || cli.workloads.iter().any(|w| w == name);
	let runs = workloads::Runs { divisor: if cli.quick { 5 } else { 1 }, exactly: cli.runs };

	if let Some(Mode::Child { path }) = cli.child {
		let report = workloads::run(path, &selected, runs);
		println!("{}", serde_json::to_string(&report).expect("reports serialise"));
		return ExitCode::SUCCESS;
	}

	let paths = if cli.paths.is_empty() { Path::ALL.to_vec() } else { cli.paths.clone() };
	let mut rounds: BTreeMap<Path, Vec<PathReport>> = BTreeMap::new();
	for round in 1..=cli.rounds.max(1) {
		for &path in &paths {
			eprintln!("round {round}/{}: {} in its own process ...", cli.rounds, path.name());
			match run_child(path, &cli) {
				Ok(report) => rounds.entry(path).or_default().push(report),
				Err(e) => {
					eprintln!("{}: {e}", path.name());
					return ExitCode::FAILURE;
				}
			}
		}
	}
	let reports: Vec<PathReport> = rounds.values().map(|r| report::merge(r)).collect();
	println!(
		"{} rounds, one process per path each, interleaved; RUST_BACKTRACE {} in them{}",
		cli.rounds.max(1),
		if cli.rust_backtrace { "=1" } else { "unset" },
		if cli.no_tiering { "; wasmtime without tiering" } else { "" }
	);
	if report::print(&reports) {
		ExitCode::SUCCESS
	} else {
		ExitCode::FAILURE
	}
}

/// Runs `callisto-bench child <path>` with the same selection and reads its report.
fn run_child(path: Path, cli: &Cli) -> Result<PathReport, String> {
	let exe = std::env::current_exe().map_err(|e| e.to_string())?;
	let mut command = Command::new(exe);
	command.arg("child").arg(path.name());
	if !cli.workloads.is_empty() {
		command.arg("--workloads").arg(cli.workloads.join(","));
	}
	if cli.quick {
		command.arg("--quick");
	}
	if let Some(runs) = cli.runs {
		command.arg("--runs").arg(runs.to_string());
	}
	if let Some(path) = &cli.bench_contract {
		command.arg("--bench-contract").arg(path);
	}
	// As a node is usually run: with `RUST_BACKTRACE` set, every anyhow error (wasmtime's stops
	// of a contract among them) captures a native backtrace, ~40 µs per contract call here.
	command.env_remove("RUST_BACKTRACE").env_remove("RUST_LIB_BACKTRACE");
	if cli.rust_backtrace {
		command.env("RUST_BACKTRACE", "1");
	}
	if cli.no_tiering {
		command.env(chain::NO_TIERING_ENV, "1");
	} else {
		command.env_remove(chain::NO_TIERING_ENV);
	}
	let output = command
		.stdin(Stdio::null())
		.stderr(Stdio::inherit())
		.output()
		.map_err(|e| format!("cannot start: {e}"))?;
	if !output.status.success() {
		return Err(format!("child failed: {}", output.status));
	}
	let stdout = String::from_utf8_lossy(&output.stdout);
	let line = stdout.lines().last().ok_or("child printed no report")?;
	serde_json::from_str(line).map_err(|e| format!("bad child report: {e}"))
}
