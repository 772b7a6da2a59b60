//! `callisto-contract-post <in.wasm> --out <name.wasm> --debug-out <name.debug.wasm>`: write the
//! deployable module and its debug twin, and print what changed (see the library docs).

use std::{path::PathBuf, process::ExitCode};

const USAGE: &str =
	"usage: callisto-contract-post <in.wasm> --out <name.wasm> --debug-out <name.debug.wasm>";

struct Args {
	input: PathBuf,
	out: PathBuf,
	debug_out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
	let (mut input, mut out, mut debug_out) = (None, None, None);
	let mut args = std::env::args_os().skip(1);
	while let Some(arg) = args.next() {
		match arg.to_str() {
			Some("--out") => out = args.next().map(PathBuf::from),
			Some("--debug-out") => debug_out = args.next().map(PathBuf::from),
			Some("-h" | "--help") => return Err(USAGE.into()),
			Some(flag) if flag.starts_with('-') => {
				return Err(format!("unknown flag {flag}\n{USAGE}"))
			}
			_ if input.is_none() => input = Some(PathBuf::from(arg)),
			_ => return Err(format!("more than one input\n{USAGE}")),
		}
	}
	match (input, out, debug_out) {
		(Some(input), Some(out), Some(debug_out)) => Ok(Args { input, out, debug_out }),
		_ => Err(USAGE.into()),
	}
}

fn run() -> Result<(), String> {
	let args = parse_args()?;
	let input = std::fs::read(&args.input)
		.map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
	let artifacts = callisto_contract_post::post_process(&input)
		.map_err(|e| format!("{}: {e}", args.input.display()))?;
	for (path, bytes) in [(&args.out, &artifacts.wasm), (&args.debug_out, &artifacts.debug_wasm)] {
		std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
	}
	println!("{}", artifacts.report);
	Ok(())
}

fn main() -> ExitCode {
	match run() {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}
