//! `callisto trace <block> <index>`: a transaction's contract call tree in the terminal.
//!
//! Asks a running node for `contracts_traceExtrinsic` through jsonrpsee's HTTP client (the node
//! serves HTTP on its WebSocket port), reads the answer into the same typed frames the RPC
//! serialises ([`super::frames`]), and draws them as a tree: each frame's kind, caller and
//! contract, selector, gas and outcome; a trap's kind, message and source backtrace; the host
//! calls, storage writes and events under it, with the frames a host call created right after
//! that call. Source positions are written by [`callisto_debug_info::SourcePosition`], as in the
//! node's log.

use super::frames::{BacktraceJson, CallFrame, ExtrinsicTrace, HostCallJson, TrapJson};
use jsonrpsee::core::{client::ClientT, rpc_params, ClientError};
use jsonrpsee_http_client::HttpClientBuilder;
use serde_json::Value;
use std::{io::IsTerminal, time::Duration};

use crate::progress::Progress;

/// Host calls shown per frame unless `--all-host-calls`.
const HOST_CALLS_SHOWN: usize = 50;

/// How long the node may take: tracing executes the whole block again.
const TRACE_TIMEOUT: Duration = Duration::from_secs(300);

/// Print the contract call tree of one extrinsic, from a running node.
#[derive(Debug, clap::Args)]
pub struct TraceCmd {
	/// The block: its number, or its 0x hash.
	pub block: String,

	/// The extrinsic's index in the block (0 is usually the timestamp inherent).
	pub index: u32,

	/// The node's RPC address (ws:// or http://; served on one port).
	#[arg(long, default_value = "ws://127.0.0.1:9944", value_name = "URL")]
	pub url: String,

	/// Show every host call, not only the first 50 of each frame.
	#[arg(long)]
	pub all_host_calls: bool,

	/// Print the node's JSON instead of a tree.
	#[arg(long)]
	pub json: bool,
}

impl TraceCmd {
	/// Fetches and prints the trace; the error is a message for the user.
	pub fn run(&self) -> Result<(), String> {
		let block = match self.block.parse::<u64>() {
			Ok(number) => Value::from(number),
			Err(_) => Value::from(self.block.clone()),
		};
		let trace = {
			// The node executes the whole block again, which takes a while for a big one.
			let _progress = Progress::start(format!(
				"tracing extrinsic {} of block {} (re-executing the block)",
				self.index, self.block
			));
			trace_extrinsic(&self.url, block, self.index)?
		};
		let text = if self.json {
			serde_json::to_string_pretty(&trace).expect("a JSON value always serialises; qed")
		} else {
			let trace = typed(trace, &self.url)?;
			let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
			render(&trace, Style { colour }, self.all_host_calls)
		};
		println!("{text}");
		Ok(())
	}
}

// ---------------------------------------------------------------------------------------------
// Asking the node.

/// The HTTP address of the node's RPC server, from the `ws://` or `http://` URL a user gives.
fn http_url(url: &str) -> Result<String, String> {
	if let Some(rest) = url.strip_prefix("ws://") {
		return Ok(format!("http://{rest}"));
	}
	if url.starts_with("http://") {
		return Ok(url.to_string());
	}
	if url.starts_with("wss://") || url.starts_with("https://") {
		return Err(format!(
			"`{url}`: TLS is not supported; give the node's plain ws:// or http:// address"
		));
	}
	Err(format!("`{url}` is not a node address; use e.g. ws://127.0.0.1:9944"))
}

/// `contracts_traceExtrinsic(block, index)` as the node answered it.
fn trace_extrinsic(url: &str, block: Value, index: u32) -> Result<Value, String> {
	let method = "contracts_traceExtrinsic";
	let client = HttpClientBuilder::default()
		.request_timeout(TRACE_TIMEOUT)
		.max_response_size(u32::MAX)
		.build(http_url(url)?)
		.map_err(|e| {
			format!("`{url}` is not a node address ({e}); use e.g. ws://127.0.0.1:9944")
		})?;
	let runtime = tokio::runtime::Builder::new_current_thread()
		.enable_all()
		.build()
		.map_err(|e| format!("cannot start the RPC client: {e}"))?;
	runtime
		.block_on(client.request::<Value, _>(method, rpc_params![block, index]))
		.map_err(|e| client_error(url, method, e))
}

/// What went wrong, for a user who may not have started the node.
fn client_error(url: &str, method: &str, error: ClientError) -> String {
	match error {
		ClientError::Call(error) if error.code() == -32601 => {
			format!("the node at {url} has no {method}: is it a recent Callisto node?")
		}
		ClientError::Call(error) => format!("{} (error {})", error.message(), error.code()),
		ClientError::Transport(e) => format!(
			"cannot reach a node at {url} ({e}). Is `callisto` running? Start it with \
			 `callisto --dev` (./scripts/run-node.sh in the repository), or point --url at it."
		),
		ClientError::RequestTimeout => {
			format!("the node at {url} did not answer within {} s", TRACE_TIMEOUT.as_secs())
		}
		ClientError::ParseError(e) => {
			format!("the node at {url} answered something that is not JSON-RPC ({e})")
		}
		other => format!("the node at {url}: {other}"),
	}
}

/// The answer as the typed frames the RPC serialised; a clear error if this CLI and the node
/// disagree about their shape (a different version on either side).
fn typed(trace: Value, url: &str) -> Result<ExtrinsicTrace, String> {
	serde_json::from_value(trace).map_err(|e| {
		format!(
			"the node at {url} answered a trace this `callisto` cannot read ({e}): are the node \
			 and this command the same version? `--json` prints the answer as it is."
		)
	})
}

// ---------------------------------------------------------------------------------------------
// Drawing the tree.

/// ANSI colours, or none (not a terminal, or `NO_COLOR`).
#[derive(Clone, Copy)]
struct Style {
	colour: bool,
}

impl Style {
	fn paint(self, code: &str, text: &str) -> String {
		if self.colour {
			format!("\x1b[{code}m{text}\x1b[0m")
		} else {
			text.to_string()
		}
	}
	fn bold(self, text: &str) -> String {
		self.paint("1", text)
	}
	fn dim(self, text: &str) -> String {
		self.paint("2", text)
	}
	fn red(self, text: &str) -> String {
		self.paint("31", text)
	}
	fn green(self, text: &str) -> String {
		self.paint("32", text)
	}
	fn yellow(self, text: &str) -> String {
		self.paint("33", text)
	}
	fn cyan(self, text: &str) -> String {
		self.paint("36", text)
	}
}

/// Something drawn under a frame: lines of text, or a nested frame.
enum Item<'a> {
	Text(Vec<String>),
	Frame(&'a CallFrame),
}

/// The whole tree of a `contracts_traceExtrinsic` result.
fn render(trace: &ExtrinsicTrace, style: Style, all_host_calls: bool) -> String {
	let mut out = String::new();
	out.push_str(&style.dim(&format!(
		"block #{} ({:?}), extrinsic {}",
		trace.block_number, trace.block_hash, trace.extrinsic_index
	)));
	out.push('\n');
	if let Some(dropped) = trace.frame.dropped_records {
		out.push_str(&style.yellow(&format!(
			"the trace was full: {dropped} host calls or storage writes are not shown"
		)));
		out.push('\n');
	}
	draw_frame(&mut out, &trace.frame, "", "", style, all_host_calls);
	out.truncate(out.trim_end().len());
	out
}

fn draw_frame(
	out: &mut String,
	frame: &CallFrame,
	first: &str,
	rest: &str,
	style: Style,
	all_host_calls: bool,
) {
	out.push_str(first);
	out.push_str(&frame_line(frame, style));
	out.push('\n');
	let items = frame_items(frame, style, all_host_calls);
	let count = items.len();
	for (i, item) in items.into_iter().enumerate() {
		let last = i + 1 == count;
		let (branch, continuation) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
		let first = format!("{rest}{}", style.dim(branch));
		let next = format!("{rest}{}", style.dim(continuation));
		match item {
			Item::Frame(child) => draw_frame(out, child, &first, &next, style, all_host_calls),
			Item::Text(lines) => {
				for (j, line) in lines.iter().enumerate() {
					out.push_str(if j == 0 { &first } else { &next });
					out.push_str(line);
					out.push('\n');
				}
			}
		}
	}
}

/// `TYPE from → to  selector  gas used / limit  outcome`.
fn frame_line(frame: &CallFrame, style: Style) -> String {
	let selector = match frame.input.strip_prefix("0x") {
		Some(hex) if hex.len() >= 8 => format!("0x{}", &hex[..8]),
		_ => "(no selector)".to_string(),
	};
	let gas = format!(
		"gas {} / {}",
		group(parse_quantity(&frame.gas_used)),
		group(parse_quantity(&frame.gas))
	);
	let value = parse_quantity(&frame.value);
	let value = if value > 0 { format!("  value {}", group(value)) } else { String::new() };
	let outcome = match &frame.error {
		Some(error) => style.red(error),
		None => style.green("ok"),
	};
	format!(
		"{} {} → {}  {}  {}{}  {}",
		style.bold(&style.cyan(frame.kind.name())),
		short_account(&frame.from),
		short_account(&frame.to),
		selector,
		style.dim(&gas),
		value,
		outcome
	)
}

/// What goes under a frame: its trap, its host calls with the frames they created right after
/// them, frames no host call claims, storage writes, events.
fn frame_items(frame: &CallFrame, style: Style, all_host_calls: bool) -> Vec<Item<'_>> {
	let calls = &frame.calls;
	let mut items = Vec::new();
	if let Some(trap) = &frame.trap {
		items.push(Item::Text(trap_lines(trap, style)));
	}

	let mut placed = vec![false; calls.len()];
	let shown = if all_host_calls { frame.host_calls.len() } else { HOST_CALLS_SHOWN };
	let mut hidden = 0;
	for (i, call) in frame.host_calls.iter().enumerate() {
		let nested = call.call.and_then(|n| usize::try_from(n).ok()).filter(|n| *n < calls.len());
		// A host call that created a frame is always shown, so the frame has its context.
		if i < shown || nested.is_some() {
			items.push(Item::Text(vec![style.dim(&host_call_line(call))]));
		} else {
			hidden += 1;
		}
		if let Some(n) = nested {
			placed[n] = true;
			items.push(Item::Frame(&calls[n]));
		}
	}
	if hidden > 0 {
		items.push(Item::Text(vec![
			style.dim(&format!("… {hidden} more host calls (--all-host-calls shows them)"))
		]));
	}
	for (call, placed) in calls.iter().zip(placed) {
		if !placed {
			items.push(Item::Frame(call));
		}
	}
	for change in &frame.storage {
		let show = |value: &Option<String>| match value {
			Some(value) => abbreviate(value, 42),
			None => "(none)".to_string(),
		};
		items.push(Item::Text(vec![format!(
			"{} {}: {} → {}",
			style.yellow("storage"),
			abbreviate(&change.key, 42),
			show(&change.old),
			show(&change.new)
		)]));
	}
	for event in &frame.events {
		let topics: Vec<String> = event.topics.iter().map(|t| abbreviate(t, 18)).collect();
		items.push(Item::Text(vec![format!(
			"{} [{}] {}",
			style.cyan("event"),
			topics.join(", "),
			abbreviate(&event.data, 42)
		)]));
	}
	items
}

/// `trap Kind: message`, where it is, and the backtrace.
fn trap_lines(trap: &TrapJson, style: Style) -> Vec<String> {
	let mut lines = vec![if trap.message.is_empty() {
		style.red(&format!("trap {}", trap.kind))
	} else {
		style.red(&format!("trap {}: {}", trap.kind, trap.message))
	}];
	match &trap.location {
		Some(location) => {
			lines.push(format!("  at {}", style.yellow(&location.position().to_string())))
		}
		None => lines.push(style.dim(
			"  (no source location: upload the contract's debug build with upload_code, or give \
			 it to this node with contracts_registerDebugInfo)",
		)),
	}
	if !trap.backtrace.is_empty() {
		lines.push(style.dim("  backtrace:"));
		for entry in &trap.backtrace {
			lines.push(format!(
				"    {}{}",
				style.dim(&format!("{:#08x}", entry.offset)),
				place(entry)
			));
		}
	}
	lines
}

/// ` file:line:column in function` of a backtrace entry, or nothing without debug info.
fn place(entry: &BacktraceJson) -> String {
	if entry.file.is_none() && entry.function.is_none() {
		String::new()
	} else {
		format!(" {}", entry.position())
	}
}

/// `seal1::get_storage(1, 2, 3) → 0`, then where the contract made the call if known
/// (`  at trapper/lib.rs:31`: the last two path components are enough to find it).
fn host_call_line(call: &HostCallJson) -> String {
	let args = call.args.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
	let result = match (&call.stopped, call.result) {
		(Some(why), _) => format!("stopped: {why}"),
		(None, Some(n)) => n.to_string(),
		(None, None) => "()".to_string(),
	};
	let site = &call.call_site;
	let at = match (&site.file, site.line) {
		(Some(file), Some(line)) => {
			let short: Vec<&str> = file.rsplit('/').take(2).collect();
			let short: Vec<&str> = short.into_iter().rev().collect();
			format!("  at {}:{line}", short.join("/"))
		}
		_ => String::new(),
	};
	format!("{}({args}) → {result}{at}", call.name)
}

fn parse_quantity(text: &str) -> u128 {
	text.strip_prefix("0x").and_then(|hex| u128::from_str_radix(hex, 16).ok()).unwrap_or(0)
}

/// `1234567` as `1,234,567`.
fn group(value: u128) -> String {
	let digits = value.to_string();
	let mut out = String::new();
	for (i, digit) in digits.chars().enumerate() {
		if i > 0 && (digits.len() - i).is_multiple_of(3) {
			out.push(',');
		}
		out.push(digit);
	}
	out
}

/// An SS58 address shortened to its ends, as wallets show them.
fn short_account(address: &str) -> String {
	if address.len() > 16 && !address.starts_with("0x") {
		format!("{}…{}", &address[..6], &address[address.len() - 6..])
	} else {
		address.to_string()
	}
}

/// Long hex cut in the middle.
fn abbreviate(text: &str, max: usize) -> String {
	if text.len() > max && text.is_ascii() {
		let keep = (max - 1) / 2;
		format!("{}…{}", &text[..keep], &text[text.len() - keep..])
	} else {
		text.to_string()
	}
}

#[cfg(test)]
mod tests {
	use super::{super::frames::*, *};
	use jsonrpsee::{
		server::{RpcModule, Server},
		types::ErrorObjectOwned,
	};
	use sp_core::H256;

	#[test]
	fn urls_become_http_addresses() {
		assert_eq!(http_url("ws://127.0.0.1:9944").unwrap(), "http://127.0.0.1:9944");
		assert_eq!(http_url("http://[::1]:9000/rpc").unwrap(), "http://[::1]:9000/rpc");
		assert!(http_url("wss://example.com").unwrap_err().contains("TLS"));
		assert!(http_url("127.0.0.1:9944").unwrap_err().contains("ws://127.0.0.1:9944"));
		assert!(trace_extrinsic("ws://host:port", 1.into(), 1)
			.unwrap_err()
			.contains("not a node address"));
	}

	#[test]
	fn an_unreachable_node_is_a_clear_error() {
		// Port 1 on localhost: nothing listens there.
		let error = trace_extrinsic("ws://127.0.0.1:1", 1.into(), 1).unwrap_err();
		assert!(error.contains("cannot reach a node at ws://127.0.0.1:1"), "{error}");
		assert!(error.contains("Is `callisto` running?"), "{error}");
	}

	fn site(offset: u32) -> BacktraceJson {
		BacktraceJson::offset_only(offset)
	}

	fn frame(kind: FrameKind, error: Option<&str>, calls: Vec<CallFrame>) -> CallFrame {
		CallFrame {
			kind,
			from: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into(),
			to: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
			value: "0x0".into(),
			gas: "0xba43b7400".into(),
			gas_used: "0x12d687".into(),
			input: "0x633aa5510102".into(),
			output: "0x".into(),
			error: error.map(Into::into),
			code_hash: "0x11".into(),
			trap: None,
			host_calls: vec![],
			storage: vec![],
			events: vec![],
			calls,
			dropped_records: None,
		}
	}

	fn host_call(name: &str, args: Vec<i64>, result: Option<i64>) -> HostCallJson {
		HostCallJson {
			name: name.into(),
			args,
			result,
			stopped: None,
			call: None,
			call_site: site(0),
		}
	}

	/// A trace with a nested trapped frame, host calls (one that created a frame, one that
	/// ended the contract), and a storage write.
	fn sample() -> ExtrinsicTrace {
		let mut child = frame(FrameKind::Call, Some("trapped: DivisionByZero"), vec![]);
		child.trap = Some(TrapJson {
			kind: "DivisionByZero".into(),
			message: String::new(),
			location: Some(LocationJson {
				file: Some("/src/lib.rs".into()),
				line: Some(70),
				column: Some(13),
				function: Some("divide".into()),
			}),
			backtrace: vec![
				BacktraceJson {
					offset: 4660,
					function: Some("divide".into()),
					file: Some("/src/lib.rs".into()),
					line: Some(70),
					column: Some(13),
					inlined: Some(false),
				},
				site(5000),
			],
		});
		child.host_calls = vec![host_call("seal0::input", vec![1, 2], None)];
		let mut root =
			frame(FrameKind::Call, None, vec![child, frame(FrameKind::DelegateCall, None, vec![])]);
		let mut call = host_call("seal2::call", vec![0], Some(1));
		call.call = Some(0);
		call.call_site = BacktraceJson {
			file: Some("/home/dev/flipper/lib.rs".into()),
			line: Some(12),
			..site(90)
		};
		let mut stop = host_call("seal0::seal_return", vec![0, 1, 2], None);
		stop.stopped = Some("return".into());
		root.host_calls = vec![call, stop];
		root.storage =
			vec![StorageJson { key: "0x00000000".into(), old: None, new: Some("0x01".into()) }];
		ExtrinsicTrace {
			block_hash: H256::repeat_byte(0xab),
			block_number: 5,
			extrinsic_index: 1,
			frame: root,
		}
	}

	/// Serves `contracts_traceExtrinsic` like the node: the sample for extrinsic 1, the node's
	/// error for any other. Returns the URL; the server lives as long as `runtime`.
	fn serve(runtime: &tokio::runtime::Runtime, with_method: bool) -> String {
		runtime.block_on(async {
			let server = Server::builder().build("127.0.0.1:0").await.unwrap();
			let url = format!("ws://{}", server.local_addr().unwrap());
			let mut module = RpcModule::new(());
			if with_method {
				module
					.register_method("contracts_traceExtrinsic", |params, _, _| {
						let (_block, index): (Value, u32) = params.parse()?;
						if index == 1 {
							Ok(sample())
						} else {
							Err(ErrorObjectOwned::owned(
								8011,
								format!("block #5 has 2 extrinsics; there is no {index}"),
								None::<()>,
							))
						}
					})
					.unwrap();
			}
			let handle = server.start(module);
			// The runtime outlives the test's requests; the handle only needs not to stop it.
			std::mem::forget(handle);
			url
		})
	}

	#[test]
	fn the_cli_reads_the_frames_the_rpc_serves() {
		let runtime = tokio::runtime::Runtime::new().unwrap();
		let url = serve(&runtime, true);
		let answer = trace_extrinsic(&url, 5.into(), 1).unwrap();
		assert_eq!(typed(answer, &url).unwrap(), sample(), "the same frames on both sides");

		let error = trace_extrinsic(&url, 5.into(), 9).unwrap_err();
		assert_eq!(error, "block #5 has 2 extrinsics; there is no 9 (error 8011)");

		let url = serve(&runtime, false);
		let error = trace_extrinsic(&url, 5.into(), 1).unwrap_err();
		assert!(error.contains("has no contracts_traceExtrinsic"), "{error}");
	}

	#[test]
	fn an_answer_of_another_shape_is_a_clear_error() {
		let mut answer = serde_json::to_value(sample()).unwrap();
		answer["hostCalls"] = Value::from("renamed");
		let error = typed(answer, "ws://x").unwrap_err();
		assert!(error.contains("cannot read") && error.contains("--json"), "{error}");
	}

	#[test]
	fn the_tree_shows_frames_traps_host_calls_and_storage() {
		let text = render(&sample(), Style { colour: false }, false);
		let expected = format!(
			"\
block #5 ({:?}), extrinsic 1
CALL 5Grwva…GKutQY → 5FHneW…M694ty  0x633aa551  gas 1,234,567 / 50,000,000,000  ok
├─ seal2::call(0) → 1  at flipper/lib.rs:12
├─ CALL 5Grwva…GKutQY → 5FHneW…M694ty  0x633aa551  gas 1,234,567 / 50,000,000,000  trapped: DivisionByZero
│  ├─ trap DivisionByZero
│  │    at /src/lib.rs:70:13 in divide
│  │    backtrace:
│  │      0x001234 /src/lib.rs:70:13 in divide
│  │      0x001388
│  └─ seal0::input(1, 2) → ()
├─ seal0::seal_return(0, 1, 2) → stopped: return
├─ DELEGATECALL 5Grwva…GKutQY → 5FHneW…M694ty  0x633aa551  gas 1,234,567 / 50,000,000,000  ok
└─ storage 0x00000000: (none) → 0x01",
			H256::repeat_byte(0xab)
		);
		assert_eq!(text, expected);

		// Colour only when asked for.
		assert!(!text.contains('\x1b'));
		assert!(render(&sample(), Style { colour: true }, false).contains("\x1b[31m"));
	}

	#[test]
	fn long_host_call_lists_are_cut_unless_asked() {
		let mut trace = sample();
		trace.frame.calls.clear();
		trace.frame.host_calls =
			(0..60).map(|i| host_call(&format!("seal0::f{i}"), vec![], Some(i))).collect();
		let cut = render(&trace, Style { colour: false }, false);
		assert!(cut.contains("seal0::f49()") && !cut.contains("seal0::f50()"));
		assert!(cut.contains("… 10 more host calls"));
		let all = render(&trace, Style { colour: false }, true);
		assert!(all.contains("seal0::f59() → 59"));
		assert_eq!(group(0), "0");
		assert_eq!(group(1000), "1,000");
		assert_eq!(group(999), "999");
	}
}
