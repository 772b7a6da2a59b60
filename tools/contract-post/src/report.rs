//! What post-processing changed, so a build log shows why the deployable module differs from
//! rustc's output.

use core::fmt;

/// Every change made to the input, in the order of the module's sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
	/// `module.name` of every imported function (host functions the contract needs).
	pub imported_functions: Vec<String>,
	/// Exports removed (everything but `call` and `deploy`).
	pub dropped_exports: Vec<String>,
	/// Pages of `env.memory`: initial, and the maximum before post-processing.
	pub memory_initial: u64,
	/// The maximum rustc declared, if any.
	pub memory_maximum_before: Option<u64>,
	/// The maximum written into both outputs.
	pub memory_maximum: u64,
	/// Data segments before and after.
	pub data_segments_before: usize,
	/// Data segments kept.
	pub data_segments_after: usize,
	/// Trailing zero bytes removed from active data segments.
	pub data_bytes_trimmed: usize,
	/// Custom sections kept in both outputs.
	pub kept_custom: Vec<String>,
	/// Custom sections kept only in the debug output.
	pub debug_only_custom: Vec<String>,
	/// Custom sections dropped from both outputs.
	pub dropped_custom: Vec<String>,
	/// Size of the input, in bytes.
	pub input_size: usize,
	/// Size of the deployable output.
	pub wasm_size: usize,
	/// Size of the debug output.
	pub debug_wasm_size: usize,
}

fn list(names: &[String]) -> String {
	if names.is_empty() {
		"none".into()
	} else {
		names.join(", ")
	}
}

impl fmt::Display for Report {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		writeln!(f, "imports: {}", list(&self.imported_functions))?;
		writeln!(f, "exports: kept call, deploy; dropped {}", list(&self.dropped_exports))?;
		let before = self.memory_maximum_before.map_or("none".to_string(), |m| m.to_string());
		writeln!(
			f,
			"memory: env.memory initial {} pages, maximum {} pages (was {before})",
			self.memory_initial, self.memory_maximum
		)?;
		writeln!(
			f,
			"data: {} segments -> {}, {} trailing zero bytes trimmed",
			self.data_segments_before, self.data_segments_after, self.data_bytes_trimmed
		)?;
		writeln!(f, "custom sections: kept {}", list(&self.kept_custom))?;
		writeln!(f, "custom sections: debug output only {}", list(&self.debug_only_custom))?;
		writeln!(f, "custom sections: dropped {}", list(&self.dropped_custom))?;
		write!(
			f,
			"sizes: input {} bytes, wasm {} bytes, debug wasm {} bytes",
			self.input_size, self.wasm_size, self.debug_wasm_size
		)
	}
}
