//! Transient storage: key-value storage per contract that lives for one call stack.
//!
//! Contracts use it for values that must not outlive the transaction (reentrancy locks,
//! scratch data shared between frames), without paying storage deposits. Writes are journaled
//! per frame: a frame that fails or reverts takes its writes back, like its real storage. The
//! whole stack may hold at most `Config::MaxTransientStorageSize` bytes of keys and values.

use crate::{
	storage::{Key, WriteOutcome},
	AccountIdOf, Config, Error,
};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;
use core::marker::PhantomData;
use frame_support::traits::Get;
use sp_runtime::DispatchError;

/// The transient storage of one call stack.
pub struct TransientStorage<T: Config> {
	/// Values by contract account and hashed key.
	values: BTreeMap<Vec<u8>, Vec<u8>>,
	/// Each write's key and the value it replaced, oldest first.
	journal: Vec<(Vec<u8>, Option<Vec<u8>>)>,
	/// Journal lengths where the open frames started.
	checkpoints: Vec<usize>,
	/// Bytes of keys and values held.
	size: u32,
	_phantom: PhantomData<T>,
}

impl<T: Config> Default for TransientStorage<T> {
	fn default() -> Self {
		Self {
			values: BTreeMap::new(),
			journal: Vec::new(),
			checkpoints: Vec::new(),
			size: 0,
			_phantom: PhantomData,
		}
	}
}

fn entry_size(key: &[u8], value: &[u8]) -> u32 {
	(key.len() + value.len()) as u32
}

impl<T: Config> TransientStorage<T> {
	fn storage_key(account: &AccountIdOf<T>, key: &Key) -> Vec<u8> {
		let mut storage_key = account.encode();
		storage_key.extend_from_slice(&key.hash());
		storage_key
	}

	/// The value at `key` of `account`.
	pub fn read(&self, account: &AccountIdOf<T>, key: &Key) -> Option<Vec<u8>> {
		self.values.get(&Self::storage_key(account, key)).cloned()
	}

	/// Writes (or with `None` removes) the value at `key` of `account`; with `take`, the old
	/// value is returned. Fails with `OutOfTransientStorage` beyond the size limit.
	pub fn write(
		&mut self,
		account: &AccountIdOf<T>,
		key: &Key,
		value: Option<Vec<u8>>,
		take: bool,
	) -> Result<WriteOutcome, DispatchError> {
		let storage_key = Self::storage_key(account, key);
		let old = self.values.get(&storage_key);
		let old_size = old.map_or(0, |v| entry_size(&storage_key, v));
		let new_size = value.as_ref().map_or(0, |v| entry_size(&storage_key, v));
		let size = self.size.saturating_sub(old_size).saturating_add(new_size);
		if new_size > old_size && size > T::MaxTransientStorageSize::get() {
			return Err(Error::<T>::OutOfTransientStorage.into());
		}
		self.size = size;
		let old = match value {
			Some(value) => self.values.insert(storage_key.clone(), value),
			None => self.values.remove(&storage_key),
		};
		let outcome = match (&old, take) {
			(None, _) => WriteOutcome::New,
			(Some(old), true) => WriteOutcome::Taken(old.clone()),
			(Some(old), false) => WriteOutcome::Overwritten(old.len() as u32),
		};
		if !self.checkpoints.is_empty() {
			self.journal.push((storage_key, old));
		}
		Ok(outcome)
	}

	/// A frame starts: its writes can be taken back from here.
	pub fn start_transaction(&mut self) {
		self.checkpoints.push(self.journal.len());
	}

	/// The frame succeeded: its writes belong to the parent frame now.
	pub fn commit_transaction(&mut self) {
		let start = self.checkpoints.pop().unwrap_or(0);
		if self.checkpoints.is_empty() {
			// No frame is left that could take the writes back.
			self.journal.truncate(start);
		}
	}

	/// The frame failed or reverted: undo its writes, newest first.
	pub fn rollback_transaction(&mut self) {
		let start = self.checkpoints.pop().unwrap_or(0);
		for (storage_key, old) in self.journal.drain(start..).rev() {
			let current = match old {
				Some(old) => self.values.insert(storage_key.clone(), old),
				None => self.values.remove(&storage_key),
			};
			let restored = self.values.get(&storage_key).map_or(0, |v| entry_size(&storage_key, v));
			let removed = current.map_or(0, |v| entry_size(&storage_key, &v));
			self.size = self.size.saturating_sub(removed).saturating_add(restored);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tests::{Test, ALICE, BOB};

	fn key(n: u8) -> Key {
		Key::Var(alloc::vec![n; 4])
	}

	#[test]
	fn nested_frames_roll_back_only_their_own_writes() {
		let mut s = TransientStorage::<Test>::default();
		s.start_transaction();
		assert_eq!(s.write(&ALICE, &key(1), Some(alloc::vec![1]), false), Ok(WriteOutcome::New));
		s.start_transaction();
		assert_eq!(
			s.write(&ALICE, &key(1), Some(alloc::vec![2, 2]), false),
			Ok(WriteOutcome::Overwritten(1))
		);
		s.write(&BOB, &key(1), Some(alloc::vec![3]), false).unwrap();
		s.rollback_transaction();
		assert_eq!(s.read(&ALICE, &key(1)), Some(alloc::vec![1]));
		assert_eq!(s.read(&BOB, &key(1)), None);
		s.start_transaction();
		assert_eq!(s.write(&ALICE, &key(1), None, true), Ok(WriteOutcome::Taken(alloc::vec![1])));
		s.commit_transaction();
		assert_eq!(s.read(&ALICE, &key(1)), None);
		s.rollback_transaction();
		assert_eq!(s.read(&ALICE, &key(1)), None);
		assert_eq!(s.size, 0);
	}

	#[test]
	fn the_size_limit_holds_across_the_stack() {
		let mut s = TransientStorage::<Test>::default();
		let limit: u32 = <Test as Config>::MaxTransientStorageSize::get();
		let limit = limit as usize;
		assert_eq!(
			s.write(&ALICE, &key(1), Some(alloc::vec![0; limit]), false),
			Err(Error::<Test>::OutOfTransientStorage.into())
		);
		assert!(s.write(&ALICE, &key(1), Some(alloc::vec![0; limit / 2]), false).is_ok());
		assert!(s.write(&ALICE, &key(2), Some(alloc::vec![0; limit / 2]), false).is_err());
		// Shrinking is always allowed.
		assert!(s.write(&ALICE, &key(1), Some(alloc::vec![0; 1]), false).is_ok());
		assert!(s.write(&ALICE, &key(2), Some(alloc::vec![0; limit / 2]), false).is_ok());
	}
}
