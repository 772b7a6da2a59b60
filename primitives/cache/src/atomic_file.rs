//! Files that hold their new contents or their old ones, never half of either.

use std::{
	path::Path,
	sync::atomic::{AtomicU64, Ordering},
};

/// Temporary files of writes in progress start with this; a killed write leaves one behind,
/// which [`remove_leftovers`] removes.
pub const TMP_PREFIX: &str = ".tmp-";

/// Makes `path` hold what `write` writes, or leaves it as it was: the bytes go to a temporary
/// file in the same directory (named [`TMP_PREFIX`]...), synced, then renamed over `path`. A
/// failed write removes the temporary file; a killed one leaves it behind, never a truncated
/// `path`.
pub fn write_atomically(
	path: &Path,
	write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
	static COUNTER: AtomicU64 = AtomicU64::new(0);
	let dir = path.parent().unwrap_or(Path::new("."));
	let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	let tmp = dir.join(format!(
		"{TMP_PREFIX}{}-{}-{name}",
		std::process::id(),
		COUNTER.fetch_add(1, Ordering::Relaxed)
	));
	let result = (|| {
		let mut file = std::fs::File::create_new(&tmp)?;
		write(&mut file)?;
		file.sync_all()?;
		std::fs::rename(&tmp, path)
	})();
	if result.is_err() {
		let _ = std::fs::remove_file(&tmp);
	}
	result
}

/// Removes what killed writes left in `dir`: its files named [`TMP_PREFIX`]...
pub fn remove_leftovers(dir: &Path) -> std::io::Result<()> {
	for entry in std::fs::read_dir(dir)? {
		let entry = entry?;
		if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
			let _ = std::fs::remove_file(entry.path());
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Write as _;

	/// The names of the files in `dir`, sorted.
	fn file_names(dir: &tempfile::TempDir) -> Vec<String> {
		let entries = std::fs::read_dir(dir.path()).unwrap();
		let names = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
		names.collect::<std::collections::BTreeSet<_>>().into_iter().collect()
	}

	#[test]
	fn a_failed_write_leaves_no_file_and_keeps_the_old_one() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("0xab.debug.wasm");
		let failing = |file: &mut std::fs::File| {
			file.write_all(b"half of it")?;
			Err(std::io::Error::other("killed midway"))
		};
		assert!(write_atomically(&path, failing).is_err());
		assert!(file_names(&dir).is_empty(), "{:?}", file_names(&dir));

		write_atomically(&path, |file| file.write_all(b"whole")).unwrap();
		assert!(write_atomically(&path, failing).is_err());
		assert_eq!(std::fs::read(&path).unwrap(), b"whole");
		assert_eq!(file_names(&dir), ["0xab.debug.wasm"]);
	}

	#[test]
	fn leftovers_of_killed_writes_are_removed_and_nothing_else() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::write(dir.path().join(format!("{TMP_PREFIX}1-0-0xab.scale")), b"trunc").unwrap();
		std::fs::write(dir.path().join("0xcd.scale"), b"kept").unwrap();
		remove_leftovers(dir.path()).unwrap();
		assert_eq!(file_names(&dir), ["0xcd.scale"]);
	}
}
