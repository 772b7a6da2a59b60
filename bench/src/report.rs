//! The human table, the targets of issue 7, and the last-line JSON.

use crate::workloads::{Path, PathReport, Sample, BLOCK_TRANSFERS, WORKLOADS};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn median(mut xs: Vec<f64>) -> f64 {
	xs.sort_by(f64::total_cmp);
	xs[xs.len() / 2]
}

/// One path's rounds as one report: per workload the median of the rounds' medians (and of
/// each extra figure), the largest peak RSS, and in `extra["spread_pct"]` how far the rounds'
/// medians lay apart (max - min, in % of the median). Gas must not differ between rounds.
pub fn merge(rounds: &[PathReport]) -> PathReport {
	let first = &rounds[0];
	let mut workloads = BTreeMap::new();
	for (name, sample) in &first.workloads {
		let all: Vec<&Sample> = rounds.iter().filter_map(|r| r.workloads.get(name)).collect();
		assert!(
			all.iter().all(|s| (s.gas, s.proof_size) == (sample.gas, sample.proof_size)),
			"{name} on {}: gas differs between rounds",
			first.path.name()
		);
		let us: Vec<f64> = all.iter().map(|s| s.us).collect();
		let (min, max) = us.iter().fold((f64::MAX, 0f64), |(a, b), &x| (a.min(x), b.max(x)));
		let mut merged = Sample {
			us: median(us),
			runs: all.iter().map(|s| s.runs).sum(),
			gas: sample.gas,
			proof_size: sample.proof_size,
			rss_kib: all.iter().map(|s| s.rss_kib).max().unwrap_or(0),
			extra: BTreeMap::new(),
		};
		for key in sample.extra.keys() {
			let values = all.iter().filter_map(|s| s.extra.get(key).copied()).collect();
			merged.extra.insert(key.clone(), median(values));
		}
		merged.extra.insert("spread_pct".into(), (max - min) / merged.us * 100.0);
		workloads.insert(name.clone(), merged);
	}
	let calls: Vec<f64> = rounds.iter().filter_map(|r| r.runtime_call_us).collect();
	PathReport {
		path: first.path,
		workloads,
		peak_rss_kib: rounds.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0),
		runtime_call_us: (!calls.is_empty()).then(|| median(calls)),
	}
}

/// Prints the table, the targets and, last, the JSON object. False if Callisto's two backends
/// disagreed on gas anywhere (they must not).
pub fn print(reports: &[PathReport]) -> bool {
	let get = |path: Path, workload: &str| -> Option<&Sample> {
		reports.iter().find(|r| r.path == path)?.workloads.get(workload)
	};
	let mut consistent = true;

	println!(
		"{:<20} {:<9} {:>12} {:>7} {:>10} {:>6} {:>16} {:>12} {:>9}",
		"workload",
		"path",
		"median µs",
		"spread",
		"calls/s",
		"runs",
		"gas ref_time",
		"peak RSS MiB",
		"vs stock"
	);
	for (name, _) in WORKLOADS {
		let stock = get(Path::Stock, name).map(|s| s.us);
		for path in Path::ALL {
			let Some(sample) = get(path, name) else { continue };
			let ratio = stock.map_or(String::new(), |stock| format!("{:.2}×", sample.us / stock));
			println!(
				"{:<20} {:<9} {:>12.1} {:>6.0}% {:>10.1} {:>6} {:>16} {:>12.1} {:>9}",
				name,
				path.name(),
				sample.us,
				sample.extra.get("spread_pct").copied().unwrap_or(0.0),
				1e6 / sample.us,
				sample.runs,
				sample.gas.map_or("-".into(), |g| g.to_string()),
				sample.rss_kib as f64 / 1024.0,
				ratio
			);
		}
		if let (Some(wasmi), Some(wasmtime)) = (get(Path::Wasmi, name), get(Path::Wasmtime, name)) {
			if (wasmi.gas, wasmi.proof_size) != (wasmtime.gas, wasmtime.proof_size) {
				consistent = false;
				println!("  !! {name}: gas differs between wasmi and wasmtime");
			}
		}
	}
	if get(Path::Stock, "block_500_transfers").is_some() {
		println!("(block_500_transfers: µs per block of {BLOCK_TRANSFERS} transfers, calls/s in blocks; gas is the block's weight)");
	}
	for path in [Path::Stock, Path::Wasmi, Path::Wasmtime] {
		if let Some(s) = get(path, "block_500_transfers") {
			let baseline = s.extra["remarks_block_us"];
			println!(
				"block_500_transfers {:<9} {:.1} µs per transfer; a block of {BLOCK_TRANSFERS} signed remarks takes {:.1} µs, so the contract calls cost {:.1} µs each",
				path.name(),
				s.us / BLOCK_TRANSFERS as f64,
				baseline,
				(s.us - baseline) / BLOCK_TRANSFERS as f64
			);
		}
	}
	for path in [Path::Stock, Path::Wasmi, Path::Wasmtime] {
		if let Some(s) = get(path, "instantiate_7kib") {
			println!(
				"instantiate_7kib {:<9} cold {:.1} µs, from stored code {:.1} µs: upload (validate + compile) {:.1} µs per KiB of {:.1} KiB",
				path.name(),
				s.us,
				s.extra["warm_us"],
				s.extra["compile_us_per_kib"],
				s.extra["code_kib"]
			);
		}
	}
	for compute in ["compute_sieve", "compute_mix"] {
		if let Some(s) = get(Path::Native, compute) {
			println!(
				"{compute}: native Rust {:.1} µs; the contract's own Wasm on bare engines (no runtime, no metering): wasmtime {:.1} µs, wasmi {:.1} µs",
				s.us, s.extra["raw_wasmtime_us"], s.extra["raw_wasmi_us"]
			);
		}
	}
	for report in reports {
		print!(
			"process peak RSS {:<9} {:.1} MiB",
			report.path.name(),
			report.peak_rss_kib as f64 / 1024.0
		);
		match report.runtime_call_us {
			Some(us) => println!("; an empty runtime call (Core_version) takes {us:.1} µs"),
			None => println!(),
		}
	}
	println!("(spread: max - min of the rounds' medians, in % of the median)");

	println!("\ntargets (issue 7):");
	let us = |path, name| get(path, name).map(|s| s.us);
	let target = |what: &str, value: Option<f64>, ok: fn(f64) -> bool, unit: &str| match value {
		Some(v) => {
			println!("  {:<58} {:>8.2}{unit}  {}", what, v, if ok(v) { "met" } else { "MISSED" })
		}
		None => println!("  {what:<58} (not run)"),
	};
	for compute in ["compute_sieve", "compute_mix"] {
		let speedup = us(Path::Stock, compute).zip(us(Path::Wasmtime, compute)).map(|(s, w)| s / w);
		target(
			&format!("{compute}: wasmtime faster than stock (≥ 15×)"),
			speedup,
			|v| v >= 15.0,
			"×",
		);
		let vs_native =
			us(Path::Wasmtime, compute).zip(us(Path::Native, compute)).map(|(w, n)| w / n);
		target(&format!("{compute}: wasmtime vs native (≤ 2×)"), vs_native, |v| v <= 2.0, "×");
		if let Some(ceiling) = us(Path::Stock, compute).zip(us(Path::Native, compute)) {
			println!(
				"  {:<58} {:>8.2}×  (no engine beats native Rust)",
				format!("{compute}: ceiling, native Rust faster than stock"),
				ceiling.0 / ceiling.1
			);
		}
	}
	for name in ["flipper", "erc20_transfer", "block_500_transfers"] {
		for path in [Path::Wasmi, Path::Wasmtime] {
			let ratio = us(path, name).zip(us(Path::Stock, name)).map(|(c, s)| c / s);
			target(&format!("{name}: {} vs stock (≤ 1.0×)", path.name()), ratio, |v| v <= 1.0, "×");
		}
	}
	let ratio = us(Path::Wasmtime, "instantiate_7kib")
		.zip(us(Path::Stock, "instantiate_7kib"))
		.map(|(w, s)| w / s);
	target("instantiate_7kib (cold): wasmtime vs stock (≤ 3×)", ratio, |v| v <= 3.0, "×");

	let mut workloads = Map::new();
	for (name, _) in WORKLOADS {
		let mut entry = Map::new();
		for path in Path::ALL {
			let Some(sample) = get(path, name) else { continue };
			let p = path.name();
			entry.insert(format!("{p}_us"), json!(round1(sample.us)));
			if path != Path::Native {
				entry.insert(format!("gas_{p}"), json!(sample.gas));
				entry.insert(format!("rss_kib_{p}"), json!(sample.rss_kib));
			}
			for raw in ["raw_wasmtime_us", "raw_wasmi_us"] {
				if let Some(us) = sample.extra.get(raw) {
					entry.insert(raw.into(), json!(round1(*us)));
				}
			}
			if let Some(per_kib) = sample.extra.get("compile_us_per_kib") {
				entry.insert(format!("compile_us_per_kib_{p}"), json!(round1(*per_kib)));
			}
			entry.insert("runs".into(), json!(sample.runs));
		}
		if !entry.is_empty() {
			workloads.insert(name.into(), Value::Object(entry));
		}
	}
	println!("{}", json!({ "workloads": workloads }));
	consistent
}

fn round1(x: f64) -> f64 {
	(x * 10.0).round() / 10.0
}
