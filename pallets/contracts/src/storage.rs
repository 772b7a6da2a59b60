//! Per-contract state: the `ContractInfo` record, the contract's child trie, and the queue of
//! tries of terminated contracts.
//!
//! Each contract's storage lives in its own child trie, named by a trie id unique to the
//! instantiation. Termination only queues the trie; `on_idle` deletes it in weight-bounded
//! batches, so terminating a contract with huge storage costs the same as any other.

pub mod meter;

use crate::{
	code_info::CodeInfo, storage::meter::Diff, weights::WeightInfo, AccountIdOf, BalanceOf,
	CodeHash, Config, ContractInfoOf, DeletionQueue, DeletionQueueCounter, Error, TrieId,
};
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::{
	dispatch::DispatchResult,
	storage::child::{self, ChildInfo},
	weights::{Weight, WeightMeter},
	BoundedBTreeMap, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::Get;
use sp_runtime::{
	traits::{Hash, Saturating, Zero},
	DispatchError,
};

/// Metadata of a contract.
///
/// Field names are read by tools (cargo-contract `info` decodes `trie_id`, `code_hash`,
/// `storage_items`, `storage_item_deposit` by name).
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct ContractInfo<T: Config> {
	/// Names the contract's child trie.
	pub trie_id: TrieId,
	/// The code the contract runs.
	pub code_hash: CodeHash<T>,
	/// Bytes of values in the contract's storage.
	storage_bytes: u32,
	/// Number of items in the contract's storage.
	storage_items: u32,
	/// Deposit held for `storage_bytes`.
	pub storage_byte_deposit: BalanceOf<T>,
	/// Deposit held for `storage_items`.
	storage_item_deposit: BalanceOf<T>,
	/// Deposit held for the contract's existence: this record plus its share of the code.
	storage_base_deposit: BalanceOf<T>,
	/// Code hashes the contract locked against removal, with the deposit paid for each.
	delegate_dependencies: BoundedBTreeMap<CodeHash<T>, BalanceOf<T>, T::MaxDelegateDependencies>,
}

/// The result of a storage write, telling what was there before.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WriteOutcome {
	/// There was no value.
	New,
	/// A value of this many bytes was replaced.
	Overwritten(u32),
	/// This value was replaced, and the caller asked for it.
	Taken(Vec<u8>),
}

impl WriteOutcome {
	/// Length of the previous value, 0 if there was none.
	pub fn old_len(&self) -> u32 {
		match self {
			Self::New => 0,
			Self::Overwritten(len) => *len,
			Self::Taken(value) => value.len() as u32,
		}
	}

	/// Length of the previous value, `u32::MAX` (the host API's sentinel) if there was none.
	pub fn old_len_with_sentinel(&self) -> u32 {
		match self {
			Self::New => u32::MAX,
			_ => self.old_len(),
		}
	}
}

impl<T: Config> ContractInfo<T> {
	/// A fresh record for a contract at `account`, the `nonce`-th instantiation on chain.
	///
	/// `DuplicateContract` if a contract already lives there.
	pub fn new(
		account: &AccountIdOf<T>,
		nonce: u64,
		code_hash: CodeHash<T>,
	) -> Result<Self, DispatchError> {
		if <ContractInfoOf<T>>::contains_key(account) {
			return Err(<Error<T>>::DuplicateContract.into());
		}
		let trie_id = (account, nonce)
			.using_encoded(T::Hashing::hash)
			.as_ref()
			.to_vec()
			.try_into()
			.expect("hashes of the runtime are far shorter than 128 bytes; qed");
		Ok(Self {
			trie_id,
			code_hash,
			storage_bytes: 0,
			storage_items: 0,
			storage_byte_deposit: Zero::zero(),
			storage_item_deposit: Zero::zero(),
			storage_base_deposit: Zero::zero(),
			delegate_dependencies: Default::default(),
		})
	}

	fn child_trie_info(&self) -> ChildInfo {
		ChildInfo::new_default(self.trie_id.as_ref())
	}

	/// The value at `key`, if any.
	pub fn read(&self, key: &Key) -> Option<Vec<u8>> {
		child::get_raw(&self.child_trie_info(), &key.hash())
	}

	/// The length of the value at `key`, if any.
	pub fn size(&self, key: &Key) -> Option<u32> {
		child::len(&self.child_trie_info(), &key.hash())
	}

	/// Writes (or with `None` deletes) the value at `key` and reports the change in bytes and
	/// items to `diff`. With `take`, the old value is returned in full.
	pub fn write(
		&self,
		key: &Key,
		new_value: Option<Vec<u8>>,
		diff: Option<&mut Diff>,
		take: bool,
	) -> WriteOutcome {
		let child_info = self.child_trie_info();
		let hashed_key = key.hash();
		let outcome = if take {
			match child::get_raw(&child_info, &hashed_key) {
				Some(old) => WriteOutcome::Taken(old),
				None => WriteOutcome::New,
			}
		} else {
			match child::len(&child_info, &hashed_key) {
				Some(len) => WriteOutcome::Overwritten(len),
				None => WriteOutcome::New,
			}
		};
		let existed = outcome != WriteOutcome::New;
		if let Some(diff) = diff {
			let old_len = outcome.old_len();
			let new_len = new_value.as_ref().map(|v| v.len() as u32).unwrap_or(0);
			match (existed, new_value.is_some()) {
				(false, true) => diff.items_added += 1,
				(true, false) => diff.items_removed += 1,
				_ => (),
			}
			diff.bytes_added = diff.bytes_added.saturating_add(new_len.saturating_sub(old_len));
			diff.bytes_removed = diff.bytes_removed.saturating_add(old_len.saturating_sub(new_len));
		}
		match new_value {
			Some(value) => child::put_raw(&child_info, &hashed_key, &value),
			None => child::kill(&child_info, &hashed_key),
		}
		outcome
	}

	/// Bytes used by the contract's storage.
	pub fn storage_bytes(&self) -> u32 {
		self.storage_bytes
	}

	/// Items in the contract's storage.
	pub fn storage_items(&self) -> u32 {
		self.storage_items
	}

	/// Deposit held for the storage items.
	pub fn storage_item_deposit(&self) -> BalanceOf<T> {
		self.storage_item_deposit
	}

	/// Deposit held for the contract's existence.
	pub fn storage_base_deposit(&self) -> BalanceOf<T> {
		self.storage_base_deposit
	}

	/// All deposit held for the contract.
	pub fn total_deposit(&self) -> BalanceOf<T> {
		self.storage_base_deposit
			.saturating_add(self.storage_byte_deposit)
			.saturating_add(self.storage_item_deposit)
	}

	/// Applies a storage diff to the counters and deposits. `charge` and `refund` are what the
	/// meter decided for bytes and items.
	pub(crate) fn apply_diff(
		&mut self,
		bytes: (u32, u32),
		items: (u32, u32),
		byte_deposit: (BalanceOf<T>, BalanceOf<T>),
		item_deposit: (BalanceOf<T>, BalanceOf<T>),
	) {
		self.storage_bytes = self.storage_bytes.saturating_add(bytes.0).saturating_sub(bytes.1);
		self.storage_items = self.storage_items.saturating_add(items.0).saturating_sub(items.1);
		self.storage_byte_deposit =
			self.storage_byte_deposit.saturating_add(byte_deposit.0).saturating_sub(byte_deposit.1);
		self.storage_item_deposit =
			self.storage_item_deposit.saturating_add(item_deposit.0).saturating_sub(item_deposit.1);
	}

	/// Sets and returns the base deposit: this record as one item plus the code lockup share.
	///
	/// The record is counted at its encoded size when it has no dependencies, which is what
	/// upstream charges at instantiation.
	pub fn update_base_deposit(&mut self, code_info: &CodeInfo<T>) -> BalanceOf<T> {
		let info_deposit = T::DepositPerByte::get()
			.saturating_mul((self.encoded_size() as u32).into())
			.saturating_add(T::DepositPerItem::get());
		let lockup = T::CodeHashLockupDepositPercent::get().mul_ceil(code_info.deposit());
		self.storage_base_deposit = info_deposit.saturating_add(lockup);
		self.storage_base_deposit
	}

	/// Records a delegate dependency on `code_hash` with the deposit held for it.
	pub fn lock_delegate_dependency(
		&mut self,
		code_hash: CodeHash<T>,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		match self.delegate_dependencies.try_insert(code_hash, amount) {
			Err(_) => Err(<Error<T>>::MaxDelegateDependenciesReached.into()),
			Ok(Some(_)) => Err(<Error<T>>::DelegateDependencyAlreadyExists.into()),
			Ok(None) => Ok(()),
		}
	}

	/// Removes a delegate dependency; returns the deposit held for it.
	pub fn unlock_delegate_dependency(
		&mut self,
		code_hash: &CodeHash<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		self.delegate_dependencies
			.remove(code_hash)
			.ok_or_else(|| <Error<T>>::DelegateDependencyNotFound.into())
	}

	/// The delegate dependencies and the deposit held for each.
	pub fn delegate_dependencies(
		&self,
	) -> &BoundedBTreeMap<CodeHash<T>, BalanceOf<T>, T::MaxDelegateDependencies> {
		&self.delegate_dependencies
	}

	/// Queues the contract's trie for deletion in `on_idle`.
	pub fn queue_trie_for_deletion(&self) {
		DeletionQueueManager::<T>::load().insert(self.trie_id.clone());
	}

	/// Weight of deleting one batch: fixed cost and cost per deleted key.
	fn deletion_weights() -> (Weight, Weight) {
		let base = T::WeightInfo::on_process_deletion_queue_batch();
		let per_key = T::WeightInfo::on_initialize_per_trie_key(1)
			.saturating_sub(T::WeightInfo::on_initialize_per_trie_key(0));
		(base, per_key)
	}

	/// Deletes queued tries as far as `meter` allows, a partial trie staying at the front of
	/// the queue.
	pub fn process_deletion_queue_batch(meter: &mut WeightMeter) {
		let (base, per_key) = Self::deletion_weights();
		if meter.try_consume(base).is_err() {
			return;
		}
		let mut queue = DeletionQueueManager::<T>::load();
		while let Some(trie_id) = queue.next() {
			let Some(key_budget) =
				meter.remaining().checked_div_per_component(&per_key).filter(|keys| *keys > 0)
			else {
				break;
			};
			let limit = u32::try_from(key_budget).unwrap_or(u32::MAX);
			let result =
				child::clear_storage(&ChildInfo::new_default(trie_id.as_ref()), Some(limit), None);
			meter.consume(per_key.saturating_mul(u64::from(result.loops)));
			if result.maybe_cursor.is_some() {
				// Budget ran out inside this trie; continue with it next time.
				break;
			}
			queue.pop();
		}
	}
}

/// Positions in the deletion queue: where the next trie is inserted and which is deleted next.
#[derive(Encode, Decode, TypeInfo, MaxEncodedLen, DefaultNoBound, Clone)]
#[scale_info(skip_type_params(T))]
pub struct DeletionQueueManager<T: Config> {
	insert_counter: u32,
	delete_counter: u32,
	_phantom: PhantomData<T>,
}

impl<T: Config> DeletionQueueManager<T> {
	fn load() -> Self {
		<DeletionQueueCounter<T>>::get()
	}

	/// Whether no trie waits for deletion.
	pub fn is_empty(&self) -> bool {
		self.insert_counter == self.delete_counter
	}

	/// Appends a trie. The counters wrap, which is fine: the queue never holds 2^32 tries.
	fn insert(&mut self, trie_id: TrieId) {
		<DeletionQueue<T>>::insert(self.insert_counter, trie_id);
		self.insert_counter = self.insert_counter.wrapping_add(1);
		<DeletionQueueCounter<T>>::set(self.clone());
	}

	/// The trie to delete next.
	fn next(&self) -> Option<TrieId> {
		if self.is_empty() {
			return None;
		}
		<DeletionQueue<T>>::get(self.delete_counter)
	}

	/// Drops the front trie from the queue after it was fully deleted.
	fn pop(&mut self) {
		<DeletionQueue<T>>::remove(self.delete_counter);
		self.delete_counter = self.delete_counter.wrapping_add(1);
		<DeletionQueueCounter<T>>::set(self.clone());
	}
}

/// A contract storage key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Key {
	/// A fixed 32-byte key (the original host API).
	Fix([u8; 32]),
	/// A key of up to `MaxStorageKeyLen` bytes (what ink! uses).
	Var(Vec<u8>),
}

impl Key {
	/// The key in the contract's child trie.
	///
	/// Fixed keys are hashed; variable keys are hashed and appended, so the original key can
	/// be read back from the trie (tools list contract storage that way).
	pub fn hash(&self) -> Vec<u8> {
		match self {
			Key::Fix(key) => sp_io::hashing::blake2_256(key).to_vec(),
			Key::Var(key) => {
				let mut hashed = sp_io::hashing::blake2_128(key).to_vec();
				hashed.extend_from_slice(key);
				hashed
			}
		}
	}

	/// A variable key, if it is not longer than `MaxStorageKeyLen`.
	pub fn try_from_var<T: Config>(key: Vec<u8>) -> Result<Self, ()> {
		if key.len() > T::MaxStorageKeyLen::get() as usize {
			return Err(());
		}
		Ok(Key::Var(key))
	}
}
