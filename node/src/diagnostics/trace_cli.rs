//! `callisto trace <block> <index>`: a transaction's contract call tree in the terminal.
//!
//! Asks a running node for `contracts_traceExtrinsic` and draws the frames as a tree: each
//! frame's kind, caller and contract, selector, gas and outcome; a trap's kind, message and
//! source backtrace; the host calls, storage writes and events under it, with the frames a host
//! call created right after that call. The request is one JSON-RPC POST over plain HTTP/1.1
//! (the node serves HTTP on its WebSocket port), written by hand: a 60-line client is cheaper
//! than an HTTP stack in a binary that already builds a thousand crates.

use serde_json::Value;
use std::{
	io::{IsTerminal, Read, Write},
	net::{TcpStream, ToSocketAddrs},
	time::Duration,
};

use crate::progress::Progress;

/// Host calls shown per frame unless `--all-host-calls`.
const HOST_CALLS_SHOWN: usize = 50;

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
		let params = Value::Array(vec![block, Value::from(self.index)]);
		let trace = {
			// The node executes the whole block again, which takes a while for a big one.
			let _progress = Progress::start(format!(
				"tracing extrinsic {} of block {} (re-executing the block)",
				self.index, self.block
			));
			rpc_call(&self.url, "contracts_traceExtrinsic", params)?
		};
		let text = if self.json {
			serde_json::to_string_pretty(&trace).expect("a JSON value always serialises; qed")
		} else {
			let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
			render(&trace, Style { colour }, self.all_host_calls)
		};
		println!("{text}");
		Ok(())
	}
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC over HTTP.

/// Where to connect, from a `ws://` or `http://` URL.
#[derive(Debug, PartialEq, Eq)]
struct Endpoint {
	/// `host:port`, for the `Host` header.
	authority: String,
	host: String,
	port: u16,
	path: String,
}

fn endpoint(url: &str) -> Result<Endpoint, String> {
	let rest =
		url.strip_prefix("ws://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
			if url.starts_with("wss://") || url.starts_with("https://") {
				format!(
					"`{url}`: TLS is not supported; give the node's plain ws:// or http:// address"
				)
			} else {
				format!("`{url}` is not a node address; use e.g. ws://127.0.0.1:9944")
			}
		})?;
	let (authority, path) = match rest.find('/') {
		Some(slash) => (&rest[..slash], &rest[slash..]),
		None => (rest, "/"),
	};
	let (host, port) = match authority.rsplit_once(':') {
		// `[::1]:9944`, `127.0.0.1:9944`, `localhost:9944`
		Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
			let port = port.parse().map_err(|_| format!("`{url}`: `{port}` is not a port"))?;
			(host.trim_start_matches('[').trim_end_matches(']'), port)
		}
		_ => (authority.trim_start_matches('[').trim_end_matches(']'), 80),
	};
	if host.is_empty() {
		return Err(format!("`{url}` names no host; use e.g. ws://127.0.0.1:9944"));
	}
	Ok(Endpoint {
		authority: authority.to_string(),
		host: host.to_string(),
		port,
		path: path.to_string(),
	})
}

/// Calls `method` and returns its result, or a message saying what went wrong.
fn rpc_call(url: &str, method: &str, params: Value) -> Result<Value, String> {
	let endpoint = endpoint(url)?;
	let unreachable = |e: &dyn std::fmt::Display| {
		format!(
			"cannot reach a node at {url} ({e}). Is `callisto` running? Start it with \
			 `callisto --dev` (./scripts/run-node.sh in the repository), or point --url at it."
		)
	};
	let addresses = (endpoint.host.as_str(), endpoint.port)
		.to_socket_addrs()
		.map_err(|e| unreachable(&e))?
		.collect::<Vec<_>>();
	let mut last_error = None;
	let mut stream = None;
	for address in addresses {
		match TcpStream::connect_timeout(&address, Duration::from_secs(5)) {
			Ok(s) => {
				stream = Some(s);
				break;
			}
			Err(e) => last_error = Some(e),
		}
	}
	let mut stream = stream.ok_or_else(|| match last_error {
		Some(e) => unreachable(&e),
		None => unreachable(&"the host has no address"),
	})?;
	// Tracing executes the block again; a big block takes a while.
	let _ = stream.set_read_timeout(Some(Duration::from_secs(300)));

	let body = serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })
		.to_string();
	let request = format!(
		"POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: \
		 application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		endpoint.path,
		endpoint.authority,
		body.len()
	);
	stream.write_all(request.as_bytes()).map_err(|e| unreachable(&e))?;
	let response = read_response(&mut stream)
		.map_err(|e| format!("the node at {url} did not answer ({e})"))?;
	let body = http_body(&response).map_err(|e| format!("the node at {url} answered {e}"))?;

	let reply: Value = serde_json::from_slice(&body)
		.map_err(|e| format!("the node at {url} answered something that is not JSON-RPC ({e})"))?;
	if let Some(error) = reply.get("error") {
		let code = error.get("code").and_then(Value::as_i64).unwrap_or_default();
		let message = error.get("message").and_then(Value::as_str).unwrap_or("no message");
		return Err(if code == -32601 {
			format!("the node at {url} has no {method}: is it a recent Callisto node?")
		} else {
			format!("{message} (error {code})")
		});
	}
	reply.get("result").cloned().ok_or_else(|| format!("the node at {url} returned no result"))
}

/// Reads until the response is complete: by its length or last chunk, or until the server
/// closes the connection (we asked it to), whichever comes first.
fn read_response(stream: &mut impl Read) -> std::io::Result<Vec<u8>> {
	let mut response = Vec::new();
	let mut buffer = [0; 16 * 1024];
	loop {
		let n = stream.read(&mut buffer)?;
		if n == 0 {
			return Ok(response);
		}
		response.extend_from_slice(&buffer[..n]);
		if response_complete(&response) {
			return Ok(response);
		}
	}
}

fn response_complete(response: &[u8]) -> bool {
	let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
	let body = &response[split + 4..];
	for line in String::from_utf8_lossy(&response[..split]).lines().skip(1) {
		let Some((name, value)) = line.split_once(':') else { continue };
		if name.trim().eq_ignore_ascii_case("content-length") {
			return value.trim().parse::<usize>().is_ok_and(|length| body.len() >= length);
		}
		if name.trim().eq_ignore_ascii_case("transfer-encoding")
			&& value.to_ascii_lowercase().contains("chunked")
		{
			return dechunk(body).is_some();
		}
	}
	false
}

/// The body of an HTTP/1.1 response, de-chunked; an error for a status other than 200.
fn http_body(response: &[u8]) -> Result<Vec<u8>, String> {
	let split =
		response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("an incomplete HTTP response")?;
	let head = String::from_utf8_lossy(&response[..split]);
	let body = &response[split + 4..];
	let mut lines = head.lines();
	let status = lines.next().unwrap_or_default();
	if status.split_whitespace().nth(1) != Some("200") {
		return Err(format!("`{status}`: {}", String::from_utf8_lossy(body).trim()));
	}
	let chunked = lines.any(|line| {
		line.split_once(':').is_some_and(|(name, value)| {
			name.trim().eq_ignore_ascii_case("transfer-encoding")
				&& value.to_ascii_lowercase().contains("chunked")
		})
	});
	if chunked {
		dechunk(body).ok_or_else(|| "a malformed chunked body".to_string())
	} else {
		Ok(body.to_vec())
	}
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
	let mut out = Vec::new();
	loop {
		let line_end = body.windows(2).position(|w| w == b"\r\n")?;
		let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
		let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
		body = &body[line_end + 2..];
		if size == 0 {
			return Some(out);
		}
		out.extend_from_slice(body.get(..size)?);
		body = body.get(size + 2..)?;
	}
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
	Frame(&'a Value),
}

/// The whole tree of a `contracts_traceExtrinsic` result.
fn render(trace: &Value, style: Style, all_host_calls: bool) -> String {
	let mut out = String::new();
	let number = trace.get("blockNumber").and_then(Value::as_u64);
	let hash = trace.get("blockHash").and_then(Value::as_str).unwrap_or("?");
	let index = trace.get("extrinsicIndex").and_then(Value::as_u64);
	if let (Some(number), Some(index)) = (number, index) {
		out.push_str(&style.dim(&format!("block #{number} ({hash}), extrinsic {index}")));
		out.push('\n');
	}
	if let Some(dropped) = trace.get("droppedRecords").and_then(Value::as_u64) {
		out.push_str(&style.yellow(&format!(
			"the trace was full: {dropped} host calls or storage writes are not shown"
		)));
		out.push('\n');
	}
	draw_frame(&mut out, trace, "", "", style, all_host_calls);
	out.truncate(out.trim_end().len());
	out
}

fn draw_frame(
	out: &mut String,
	frame: &Value,
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

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
	value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `TYPE from → to  selector  gas used / limit  outcome`.
fn frame_line(frame: &Value, style: Style) -> String {
	let kind = str_field(frame, "type");
	let selector = match str_field(frame, "input").strip_prefix("0x") {
		Some(hex) if hex.len() >= 8 => format!("0x{}", &hex[..8]),
		_ => "(no selector)".to_string(),
	};
	let gas = format!(
		"gas {} / {}",
		group(parse_quantity(str_field(frame, "gasUsed"))),
		group(parse_quantity(str_field(frame, "gas")))
	);
	let value = parse_quantity(str_field(frame, "value"));
	let value = if value > 0 { format!("  value {}", group(value)) } else { String::new() };
	let outcome = match frame.get("error").and_then(Value::as_str) {
		Some(error) => style.red(error),
		None => style.green("ok"),
	};
	format!(
		"{} {} → {}  {}  {}{}  {}",
		style.bold(&style.cyan(kind)),
		short_account(str_field(frame, "from")),
		short_account(str_field(frame, "to")),
		selector,
		style.dim(&gas),
		value,
		outcome
	)
}

/// What goes under a frame: its trap, its host calls with the frames they created right after
/// them, frames no host call claims, storage writes, events.
fn frame_items<'a>(frame: &'a Value, style: Style, all_host_calls: bool) -> Vec<Item<'a>> {
	let array = |key: &str| -> &'a [Value] {
		frame.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
	};
	let calls = array("calls");
	let mut items = Vec::new();
	if let Some(trap) = frame.get("trap") {
		items.push(Item::Text(trap_lines(trap, style)));
	}

	let mut placed = vec![false; calls.len()];
	let host_calls = array("hostCalls");
	let shown = if all_host_calls { host_calls.len() } else { HOST_CALLS_SHOWN };
	let mut hidden = 0;
	for (i, call) in host_calls.iter().enumerate() {
		let nested = call
			.get("call")
			.and_then(Value::as_u64)
			.and_then(|n| usize::try_from(n).ok())
			.filter(|n| *n < calls.len());
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
	for change in array("storage") {
		let show = |key: &str| match change.get(key).and_then(Value::as_str) {
			Some(value) => abbreviate(value, 42),
			None => "(none)".to_string(),
		};
		items.push(Item::Text(vec![format!(
			"{} {}: {} → {}",
			style.yellow("storage"),
			abbreviate(str_field(change, "key"), 42),
			show("old"),
			show("new")
		)]));
	}
	for event in array("events") {
		let topics = event
			.get("topics")
			.and_then(Value::as_array)
			.map(|topics| {
				topics.iter().filter_map(Value::as_str).map(|t| abbreviate(t, 18)).collect()
			})
			.unwrap_or_else(Vec::<String>::new);
		items.push(Item::Text(vec![format!(
			"{} [{}] {}",
			style.cyan("event"),
			topics.join(", "),
			abbreviate(str_field(event, "data"), 42)
		)]));
	}
	items
}

/// `trap Kind: message`, where it is, and the backtrace.
fn trap_lines(trap: &Value, style: Style) -> Vec<String> {
	let kind = str_field(trap, "kind");
	let message = str_field(trap, "message");
	let mut lines = vec![if message.is_empty() {
		style.red(&format!("trap {kind}"))
	} else {
		style.red(&format!("trap {kind}: {message}"))
	}];
	match trap.get("location").filter(|l| !l.is_null()) {
		Some(location) => lines.push(format!(
			"  at {}{}",
			style.yellow(&source_position(location)),
			function_suffix(location)
		)),
		None => lines.push(style.dim(
			"  (no source location: upload the contract's debug build with upload_code, or give \
			 it to this node with contracts_registerDebugInfo)",
		)),
	}
	let backtrace = trap.get("backtrace").and_then(Value::as_array);
	if let Some(backtrace) = backtrace.filter(|b| !b.is_empty()) {
		lines.push(style.dim("  backtrace:"));
		for entry in backtrace {
			let offset = entry.get("offset").and_then(Value::as_u64).unwrap_or_default();
			let place = if entry.get("file").is_some() {
				format!(" {}{}", source_position(entry), function_suffix(entry))
			} else {
				function_suffix(entry)
			};
			lines.push(format!("    {}{place}", style.dim(&format!("{offset:#08x}"))));
		}
	}
	lines
}

/// `file:line:column`, as far as known.
fn source_position(location: &Value) -> String {
	let mut text = str_field(location, "file").to_string();
	if let Some(line) = location.get("line").and_then(Value::as_u64) {
		text.push_str(&format!(":{line}"));
		if let Some(column) = location.get("column").and_then(Value::as_u64) {
			text.push_str(&format!(":{column}"));
		}
	}
	text
}

fn function_suffix(location: &Value) -> String {
	match location.get("function").and_then(Value::as_str) {
		Some(function) => format!(" in {function}"),
		None => String::new(),
	}
}

/// `seal1::get_storage(1, 2, 3) → 0`, then where the contract made the call if known
/// (`  at trapper/lib.rs:31`: the last two path components are enough to find it).
fn host_call_line(call: &Value) -> String {
	let args = call
		.get("args")
		.and_then(Value::as_array)
		.map(|args| args.iter().map(Value::to_string).collect::<Vec<_>>().join(", "))
		.unwrap_or_default();
	let result = match (call.get("stopped").and_then(Value::as_str), call.get("result")) {
		(Some(why), _) => format!("stopped: {why}"),
		(None, Some(Value::Number(n))) => n.to_string(),
		_ => "()".to_string(),
	};
	let site = call.get("callSite");
	let file = site.and_then(|s| s.get("file")).and_then(Value::as_str);
	let line = site.and_then(|s| s.get("line")).and_then(Value::as_u64);
	let at = match (file, line) {
		(Some(file), Some(line)) => {
			let short: Vec<&str> = file.rsplit('/').take(2).collect();
			let short: Vec<&str> = short.into_iter().rev().collect();
			format!("  at {}:{line}", short.join("/"))
		}
		_ => String::new(),
	};
	format!("{}({args}) → {result}{at}", str_field(call, "name"))
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
	use super::*;
	use serde_json::json;

	#[test]
	fn urls_become_endpoints() {
		assert_eq!(
			endpoint("ws://127.0.0.1:9944").unwrap(),
			Endpoint {
				authority: "127.0.0.1:9944".into(),
				host: "127.0.0.1".into(),
				port: 9944,
				path: "/".into()
			}
		);
		let v6 = endpoint("http://[::1]:9000/rpc").unwrap();
		assert_eq!((v6.host.as_str(), v6.port, v6.path.as_str()), ("::1", 9000, "/rpc"));
		assert_eq!(endpoint("ws://localhost").unwrap().port, 80);
		assert!(endpoint("wss://example.com").unwrap_err().contains("TLS"));
		assert!(endpoint("127.0.0.1:9944").unwrap_err().contains("ws://127.0.0.1:9944"));
		assert!(endpoint("ws://host:port").unwrap_err().contains("not a port"));
	}

	#[test]
	fn http_bodies_plain_and_chunked() {
		let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
		assert_eq!(http_body(plain).unwrap(), b"{}");
		let chunked =
			b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
		assert_eq!(http_body(chunked).unwrap(), b"{\"a\":1}");
		let refused = b"HTTP/1.1 403 Forbidden\r\n\r\nHost denied";
		assert!(http_body(refused).unwrap_err().contains("403 Forbidden"));
		assert!(http_body(b"HTTP/1.1 200").is_err());

		// A response is complete by its length or its last chunk, not only when the server
		// closes the connection.
		assert!(response_complete(plain));
		assert!(!response_complete(&plain[..plain.len() - 1]));
		assert!(response_complete(chunked));
		assert!(!response_complete(&chunked[..chunked.len() - 3]));
		assert!(!response_complete(b"HTTP/1.1 200 OK\r\ncontent-len"));
	}

	#[test]
	fn an_unreachable_node_is_a_clear_error() {
		// Port 1 on localhost: nothing listens there.
		let error =
			rpc_call("ws://127.0.0.1:1", "contracts_traceExtrinsic", json!([1, 1])).unwrap_err();
		assert!(error.contains("cannot reach a node at ws://127.0.0.1:1"), "{error}");
		assert!(error.contains("Is `callisto` running?"), "{error}");
	}

	/// Serves one connection with `response` and returns the request it received.
	fn serve_once(response: &'static str) -> (String, std::thread::JoinHandle<String>) {
		let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
		let url = format!("ws://{}", listener.local_addr().unwrap());
		let server = std::thread::spawn(move || {
			let (mut stream, _) = listener.accept().unwrap();
			let mut request = Vec::new();
			let mut buffer = [0; 4096];
			// The request is small: read until its body (after the blank line) is complete.
			loop {
				let n = stream.read(&mut buffer).unwrap();
				request.extend_from_slice(&buffer[..n]);
				let text = String::from_utf8_lossy(&request);
				if let Some((head, body)) = text.split_once("\r\n\r\n") {
					let length = head
						.lines()
						.find_map(|l| l.strip_prefix("Content-Length: "))
						.and_then(|l| l.parse::<usize>().ok())
						.unwrap();
					if body.len() >= length {
						break;
					}
				}
			}
			stream.write_all(response.as_bytes()).unwrap();
			String::from_utf8(request).unwrap()
		});
		(url, server)
	}

	#[test]
	fn a_json_rpc_call_over_http() {
		let (url, server) = serve_once(
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 39\r\n\r\n\
			 {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,2]}",
		);
		assert_eq!(
			rpc_call(&url, "contracts_traceExtrinsic", json!([7, 1])).unwrap(),
			json!([1, 2])
		);
		let request = server.join().unwrap();
		assert!(request.starts_with("POST / HTTP/1.1\r\n"), "{request}");
		assert!(request.contains(&format!("Host: {}", url.trim_start_matches("ws://"))));
		let body: Value = serde_json::from_str(request.split_once("\r\n\r\n").unwrap().1).unwrap();
		assert_eq!(
			body,
			json!({ "jsonrpc": "2.0", "id": 1, "method": "contracts_traceExtrinsic", "params": [7, 1] })
		);

		let (url, server) = serve_once(
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n49\r\n\
			 {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":8011,\"message\":\"no extrinsic 9\"}}\r\n0\r\n\r\n",
		);
		let error = rpc_call(&url, "contracts_traceExtrinsic", json!([7, 9])).unwrap_err();
		assert_eq!(error, "no extrinsic 9 (error 8011)");
		server.join().unwrap();

		let (url, server) = serve_once(
			"HTTP/1.1 200 OK\r\nContent-Length: 77\r\n\r\n\
			 {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}",
		);
		let error = rpc_call(&url, "contracts_traceExtrinsic", json!([7, 9])).unwrap_err();
		assert!(error.contains("has no contracts_traceExtrinsic"), "{error}");
		server.join().unwrap();
	}

	fn frame(kind: &str, error: Option<&str>, calls: Vec<Value>) -> Value {
		let mut frame = json!({
			"type": kind,
			"from": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
			"to": "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
			"value": "0x0",
			"gas": "0xba43b7400",
			"gasUsed": "0x12d687",
			"input": "0x633aa5510102",
			"output": "0x",
			"codeHash": "0x11",
			"hostCalls": [],
			"storage": [],
			"events": [],
			"calls": calls,
		});
		if let Some(error) = error {
			frame["error"] = json!(error);
		}
		frame
	}

	#[test]
	fn the_tree_shows_frames_traps_host_calls_and_storage() {
		let mut child = frame("CALL", Some("trapped: DivisionByZero"), vec![]);
		child["trap"] = json!({
			"kind": "DivisionByZero",
			"message": "",
			"location": { "file": "/src/lib.rs", "line": 70, "column": 13, "function": "divide" },
			"backtrace": [
				{ "offset": 4660, "function": "divide", "file": "/src/lib.rs", "line": 70, "column": 13, "inlined": false },
				{ "offset": 5000 },
			],
		});
		child["hostCalls"] = json!([{ "name": "seal0::input", "args": [1, 2], "result": null }]);
		let mut root = frame("CALL", None, vec![child, frame("DELEGATECALL", None, vec![])]);
		root["hostCalls"] = json!([
			{ "name": "seal2::call", "args": [0], "result": 1, "call": 0,
			  "callSite": { "offset": 90, "file": "/home/dev/flipper/lib.rs", "line": 12 } },
			{ "name": "seal0::seal_return", "args": [0, 1, 2], "result": null, "stopped": "return" },
		]);
		root["storage"] = json!([{ "key": "0x00000000", "old": null, "new": "0x01" }]);
		root["blockNumber"] = json!(5);
		root["blockHash"] = json!("0xabc");
		root["extrinsicIndex"] = json!(1);

		let text = render(&root, Style { colour: false }, false);
		let expected = "\
block #5 (0xabc), extrinsic 1
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
└─ storage 0x00000000: (none) → 0x01";
		assert_eq!(text, expected);

		// Colour only when asked for.
		assert!(!text.contains('\x1b'));
		assert!(render(&root, Style { colour: true }, false).contains("\x1b[31m"));
	}

	#[test]
	fn long_host_call_lists_are_cut_unless_asked() {
		let mut root = frame("CALL", None, vec![]);
		root["hostCalls"] = (0..60)
			.map(|i| json!({ "name": format!("seal0::f{i}"), "args": [], "result": i }))
			.collect();
		let cut = render(&root, Style { colour: false }, false);
		assert!(cut.contains("seal0::f49()") && !cut.contains("seal0::f50()"));
		assert!(cut.contains("… 10 more host calls"));
		let all = render(&root, Style { colour: false }, true);
		assert!(all.contains("seal0::f59() → 59"));
		assert_eq!(group(0), "0");
		assert_eq!(group(1000), "1,000");
		assert_eq!(group(999), "999");
	}
}
