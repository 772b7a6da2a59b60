//! The trace RPCs' error codes, and error messages that quote bad arguments briefly.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

/// JSON-RPC error codes of the trace RPCs.
pub mod codes {
	/// No block with that number or hash (on the best chain, for a number).
	pub const UNKNOWN_BLOCK: i32 = 8010;
	/// The block has fewer extrinsics than the index asks for.
	pub const INDEX_OUT_OF_RANGE: i32 = 8011;
	/// The extrinsic ran no contract (an inherent, a transfer, a call to a missing contract).
	pub const NO_CONTRACT_CALL: i32 = 8012;
	/// The state (or body) needed to execute the block again is no longer kept.
	pub const STATE_UNAVAILABLE: i32 = 8013;
	/// A malformed argument: block reference, account, amount.
	pub const INVALID_REQUEST: i32 = 8014;
	/// The runtime failed to execute the block or the dry run.
	pub const EXECUTION_FAILED: i32 = 8015;
}

pub(super) fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), None::<()>)
}

/// Characters of a malformed argument an error message repeats.
pub(super) const QUOTED_CHARS: usize = 80;

/// `text` for an error message: whole if short, else its start and its length, so a
/// megabytes-long argument gets a short error rather than itself back.
pub(super) fn quoted(text: &str) -> String {
	match text.char_indices().nth(QUOTED_CHARS) {
		None => text.to_string(),
		Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
	}
}
