//! The workloads, run for one path inside one process (so its peak RSS is its own): set up the
//! contracts, then time each workload's runs and note its gas and peak RSS.

use crate::{
	chain::{bob, Chain},
	fixtures::{self, message},
	native, raw,
};
use callisto_bench_runtime::{AccountId, CodeSource, Pallet, RuntimeCall, Weight};
use serde::{Deserialize, Serialize};
use sp_runtime::MultiAddress;
use sp_sandbox::Backend;
use std::{
	collections::BTreeMap,
	hint::black_box,
	time::{Duration, Instant},
};

/// The four ways a workload runs.
#[derive(
	Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Path {
	/// Stock pallet-contracts 51: wasmi inside the runtime's Wasm.
	Stock,
	/// Callisto's pallet, sandbox on wasmi.
	Wasmi,
	/// Callisto's pallet, sandbox on wasmtime.
	Wasmtime,
	/// The compute kernels as native Rust (compute workloads only).
	Native,
}

impl Path {
	pub const ALL: [Path; 4] = [Path::Native, Path::Stock, Path::Wasmi, Path::Wasmtime];

	pub fn name(self) -> &'static str {
		match self {
			Path::Stock => "stock",
			Path::Wasmi => "wasmi",
			Path::Wasmtime => "wasmtime",
			Path::Native => "native",
		}
	}
}

/// `sieve(SIEVE_N)`: ~10^7 Wasm instructions with memory traffic.
pub const SIEVE_N: u32 = 200_000;
/// `mix(MIX_ROUNDS)`: ~2·10^7 Wasm instructions on registers only.
pub const MIX_ROUNDS: u32 = 1_000_000;
/// Transfers in the block workload.
pub const BLOCK_TRANSFERS: usize = 500;
/// Storage cells the storage workload writes.
pub const WRITES: u32 = 100;

/// Every workload, in the order they run, with its number of timed runs.
pub const WORKLOADS: [(&str, usize); 8] = [
	("flipper", 200),
	("erc20_transfer", 200),
	("compute_sieve", 15),
	("compute_mix", 15),
	("storage_write_100", 50),
	("instantiate_7kib", 20),
	("cross_contract_3", 100),
	("block_500_transfers", 5),
];

/// One workload on one path.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sample {
	/// Median µs per call (per block for the block workload).
	pub us: f64,
	pub runs: usize,
	/// Gas (ref_time, ps) the call consumed; the block's total weight for the block workload.
	pub gas: Option<u64>,
	/// Proof size part of the same weight.
	pub proof_size: Option<u64>,
	/// Peak RSS of the process while this workload ran (KiB).
	pub rss_kib: u64,
	/// Workload-specific figures (e.g. the warm instantiation and compile cost per KiB).
	pub extra: BTreeMap<String, f64>,
}

/// What one child process reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PathReport {
	pub path: Path,
	pub workloads: BTreeMap<String, Sample>,
	/// Peak RSS of the whole process, set-up included (KiB).
	pub peak_rss_kib: u64,
	/// Median µs of an empty runtime call (`Core_version`), the floor of every contract call.
	pub runtime_call_us: Option<f64>,
}

/// How many runs each workload gets.
#[derive(Clone, Copy, Debug)]
pub struct Runs {
	/// Divides each workload's own number of runs (at least 3 remain).
	pub divisor: usize,
	/// Overrides every workload's number of runs.
	pub exactly: Option<usize>,
}

/// Runs the selected workloads on `path`.
pub fn run(path: Path, selected: &dyn Fn(&str) -> bool, runs: Runs) -> PathReport {
	let runs = |name: &str| {
		let (_, default) = WORKLOADS.iter().find(|(n, _)| *n == name).expect("a known workload");
		runs.exactly.unwrap_or((default / runs.divisor).max(3))
	};
	let mut workloads = BTreeMap::new();
	let mut runtime_call_us = None;
	match path {
		Path::Native => {
			for name in ["compute_sieve", "compute_mix"].into_iter().filter(|n| selected(n)) {
				reset_peak_rss();
				let (times, input, expected) = match name {
					"compute_sieve" => (
						time_native(runs(name), || native::sieve(black_box(SIEVE_N)) as u64),
						message("sieve", SIEVE_N),
						fixtures::ink_ok(native::sieve(SIEVE_N)),
					),
					_ => (
						time_native(runs(name), || native::mix(black_box(MIX_ROUNDS))),
						message("mix", MIX_ROUNDS),
						fixtures::ink_ok(native::mix(MIX_ROUNDS)),
					),
				};
				let mut sample = sample(times, None, BTreeMap::new());
				// The same message on the bare engines, for where the time goes.
				let mut raw = raw::wasmtime(fixtures::bench(), &input, &expected, runs(name));
				sample.extra.insert("raw_wasmtime_us".into(), median_us(&mut raw));
				let mut raw = raw::wasmi(fixtures::bench(), &input, &expected, runs(name));
				sample.extra.insert("raw_wasmi_us".into(), median_us(&mut raw));
				workloads.insert(name.into(), sample);
			}
		}
		Path::Stock | Path::Wasmi | Path::Wasmtime => {
			let mut bench = ContractsBench::set_up(path);
			let mut empty: Vec<Duration> = (0..=200).map(|_| bench.chain.empty_call()).collect();
			runtime_call_us = Some(median_us(&mut empty[1..]));
			for (name, _) in WORKLOADS.iter().filter(|(n, _)| selected(n)) {
				eprintln!("  {}: {name} ...", path.name());
				reset_peak_rss();
				workloads.insert(name.to_string(), bench.run(name, runs(name)));
			}
		}
	}
	PathReport { path, workloads, peak_rss_kib: read_status_kib("VmHWM"), runtime_call_us }
}

fn time_native(runs: usize, mut kernel: impl FnMut() -> u64) -> Vec<Duration> {
	black_box(kernel());
	(0..runs)
		.map(|_| {
			let start = Instant::now();
			black_box(kernel());
			start.elapsed()
		})
		.collect()
}

fn sample(mut times: Vec<Duration>, gas: Option<Weight>, extra: BTreeMap<String, f64>) -> Sample {
	Sample {
		us: median_us(&mut times),
		runs: times.len(),
		gas: gas.map(|w| w.ref_time()),
		proof_size: gas.map(|w| w.proof_size()),
		rss_kib: read_status_kib("VmHWM"),
		extra,
	}
}

fn median_us(times: &mut [Duration]) -> f64 {
	times.sort();
	times[times.len() / 2].as_secs_f64() * 1e6
}

/// The contracts of every workload, deployed on one pallet.
struct ContractsBench {
	chain: Chain,
	pallet: Pallet,
	flipper: AccountId,
	erc20: AccountId,
	bench: AccountId,
	callers: [AccountId; 3],
	/// Makes every cold-compile module unique in this process.
	next_nonce: u64,
}

impl ContractsBench {
	fn set_up(path: Path) -> Self {
		let (pallet, backend) = match path {
			Path::Stock => (Pallet::Stock, Backend::Wasmtime),
			Path::Wasmi => (Pallet::Callisto, Backend::Wasmi),
			Path::Wasmtime => (Pallet::Callisto, Backend::Wasmtime),
			Path::Native => unreachable!("native runs no contracts"),
		};
		let mut chain = Chain::new(backend);
		let upload = |code: &[u8]| CodeSource::Upload(code.to_vec());
		let flipper =
			chain.deploy(pallet, upload(fixtures::FLIPPER), fixtures::flipper_new(false), b"f");
		let erc20 =
			chain.deploy(pallet, upload(fixtures::ERC20), fixtures::erc20_new(1 << 100), b"e");
		let bench = chain.deploy(pallet, upload(fixtures::bench()), message("new", ()), b"b");
		let caller = |chain: &mut Chain, code, salt: &[u8]| {
			chain.deploy(pallet, code, message("new", false), salt)
		};
		let a = caller(&mut chain, upload(fixtures::CALLER), b"a");
		let existing = CodeSource::Existing(sp_crypto_hashing::blake2_256(fixtures::CALLER).into());
		let b = caller(&mut chain, existing.clone(), b"b");
		let c = caller(&mut chain, existing, b"c");
		Self { chain, pallet, flipper, erc20, bench, callers: [a, b, c], next_nonce: 1 << 40 }
	}

	fn run(&mut self, name: &str, runs: usize) -> Sample {
		let (flipper, erc20, bench) =
			(self.flipper.clone(), self.erc20.clone(), self.bench.clone());
		match name {
			"flipper" => self.calls(&flipper, message("flip", ()), fixtures::ink_ok(()), runs),
			"erc20_transfer" => self.calls(
				&erc20,
				fixtures::erc20_transfer(&bob(), 1),
				fixtures::ink_ok(Ok::<(), ()>(())),
				runs,
			),
			"compute_sieve" => self.calls(
				&bench,
				message("sieve", SIEVE_N),
				fixtures::ink_ok(native::sieve(SIEVE_N)),
				runs,
			),
			"compute_mix" => self.calls(
				&bench,
				message("mix", MIX_ROUNDS),
				fixtures::ink_ok(native::mix(MIX_ROUNDS)),
				runs,
			),
			"storage_write_100" => {
				self.calls(&bench, message("write_many", WRITES), fixtures::ink_ok(()), runs)
			}
			"instantiate_7kib" => self.instantiate_cold(runs),
			"cross_contract_3" => {
				let [a, b, c] = self.callers.clone();
				self.calls(&a, fixtures::caller_chain(&[b, c], 0), fixtures::ink_ok(3u32), runs)
			}
			"block_500_transfers" => self.block(runs),
			other => panic!("unknown workload {other}"),
		}
	}

	/// `runs` dry-run calls of `input` on `dest`, after one untimed warm-up, each checked to
	/// answer `expected` with the same gas.
	fn calls(
		&mut self,
		dest: &AccountId,
		input: Vec<u8>,
		expected: Vec<u8>,
		runs: usize,
	) -> Sample {
		let mut gas = None;
		let times = (0..=runs)
			.map(|_| {
				let (outcome, time) = self.chain.call(self.pallet, dest, input.clone());
				self.chain.discard();
				assert_eq!(outcome.result, Ok((false, expected.clone())), "{:?}", self.pallet);
				assert_eq!(*gas.get_or_insert(outcome.gas_consumed), outcome.gas_consumed);
				time
			})
			.skip(1)
			.collect();
		sample(times, gas, BTreeMap::new())
	}

	/// `instantiate_with_code` of the bench contract (7.9 KiB), fresh code every run, and for
	/// comparison the same instantiation from the stored (and, on Callisto, compiled) code.
	/// The difference is what the upload costs: validation and compilation.
	fn instantiate_cold(&mut self, runs: usize) -> Sample {
		let kib = fixtures::bench().len() as f64 / 1024.0;
		let mut gas = None;
		let cold: Vec<Duration> = (0..=runs)
			.map(|_| {
				self.next_nonce += 1;
				let code = fixtures::with_nonce(fixtures::bench(), self.next_nonce);
				let salt = self.next_nonce.to_le_bytes().to_vec();
				let (outcome, time) = self.chain.instantiate(
					self.pallet,
					CodeSource::Upload(code),
					message("new", ()),
					salt,
				);
				self.chain.discard();
				assert!(matches!(outcome.result, Ok((false, _))), "{:?}: {outcome:?}", self.pallet);
				assert_eq!(*gas.get_or_insert(outcome.gas_consumed), outcome.gas_consumed);
				time
			})
			.skip(1)
			.collect();
		let stored = CodeSource::Existing(sp_crypto_hashing::blake2_256(fixtures::bench()).into());
		let mut warm: Vec<Duration> = (0..=runs)
			.map(|_| {
				self.next_nonce += 1;
				let salt = self.next_nonce.to_le_bytes().to_vec();
				let (outcome, time) =
					self.chain.instantiate(self.pallet, stored.clone(), message("new", ()), salt);
				self.chain.discard();
				assert!(matches!(outcome.result, Ok((false, _))), "{:?}: {outcome:?}", self.pallet);
				time
			})
			.skip(1)
			.collect();
		let warm_us = median_us(&mut warm);
		let mut sample = sample(cold, gas, BTreeMap::new());
		sample.extra.insert("code_kib".into(), kib);
		sample.extra.insert("warm_us".into(), warm_us);
		sample.extra.insert("compile_us_per_kib".into(), (sample.us - warm_us).max(0.0) / kib);
		sample
	}

	/// A block of [`BLOCK_TRANSFERS`] signed ERC-20 transfers to as many new holders, built
	/// once, then executed `runs` times on the same parent state.
	fn block(&mut self, runs: usize) -> Sample {
		let gas_limit = Weight::from_parts(50_000_000_000, 1 << 20);
		let calls = (0..BLOCK_TRANSFERS)
			.map(|i| {
				let to = AccountId::new(sp_crypto_hashing::blake2_256(&(i as u64).to_le_bytes()));
				let data = fixtures::erc20_transfer(&to, 1);
				let dest = MultiAddress::Id(self.erc20.clone());
				match self.pallet {
					Pallet::Callisto => RuntimeCall::Contracts(pallet_contracts::Call::call {
						dest,
						value: 0,
						gas_limit,
						storage_deposit_limit: None,
						data,
					}),
					Pallet::Stock => {
						RuntimeCall::ContractsStock(pallet_contracts_stock::Call::call {
							dest,
							value: 0,
							gas_limit,
							storage_deposit_limit: None,
							data,
						})
					}
				}
			})
			.collect();
		let block = self.chain.build_block(calls);
		let mut weight = None;
		let times = (0..=runs)
			.map(|_| {
				let (time, block_weight) = self.chain.execute_block(&block);
				assert_eq!(*weight.get_or_insert(block_weight), block_weight);
				time
			})
			.skip(1)
			.collect();
		// What the block costs without its contracts: as many signed `System::remark`s (same
		// signature checks, nonces, fees, block initialisation and state root).
		let remarks = (0..BLOCK_TRANSFERS)
			.map(|_| RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() }))
			.collect();
		let baseline = self.chain.build_block(remarks);
		let mut baseline_times: Vec<Duration> =
			(0..=runs).map(|_| self.chain.execute_block(&baseline).0).skip(1).collect();
		let mut sample = sample(times, weight, BTreeMap::new());
		sample.extra.insert("transfers".into(), BLOCK_TRANSFERS as f64);
		sample.extra.insert("remarks_block_us".into(), median_us(&mut baseline_times));
		sample
	}
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS, so the next reading is this
/// workload's peak. Linux only; elsewhere the reading stays the process's peak.
fn reset_peak_rss() {
	let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `/proc/self/status` field in KiB (0 where there is none).
fn read_status_kib(field: &str) -> u64 {
	std::fs::read_to_string("/proc/self/status")
		.ok()
		.and_then(|status| {
			status.lines().find_map(|line| {
				let rest = line.strip_prefix(field)?.strip_prefix(':')?;
				rest.trim().trim_end_matches("kB").trim().parse().ok()
			})
		})
		.unwrap_or(0)
}
