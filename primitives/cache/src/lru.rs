//! A least-recently-used map bounded by entry count and by bytes.

use std::{
	collections::{BTreeMap, HashMap},
	hash::Hash,
};

/// Values by key, at most `max_count` of them and `max_bytes` in total (as the caller sizes
/// them), the least recently used evicted first.
///
/// The entry just inserted is never evicted, so one value larger than the whole budget stays
/// until the next insertion: the bound is the budget or the largest single value, whichever is
/// larger.
pub struct Lru<K, V> {
	entries: HashMap<K, Slot<V>>,
	/// Last use (a tick) to key, oldest first.
	order: BTreeMap<u64, K>,
	tick: u64,
	bytes: usize,
	max_bytes: usize,
	max_count: usize,
}

struct Slot<V> {
	value: V,
	bytes: usize,
	tick: u64,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
	/// An empty map holding at most `max_count` values (at least one) of at most `max_bytes`.
	pub fn new(max_bytes: usize, max_count: usize) -> Self {
		Self {
			entries: HashMap::new(),
			order: BTreeMap::new(),
			tick: 0,
			bytes: 0,
			max_bytes,
			max_count: max_count.max(1),
		}
	}

	fn next_tick(&mut self) -> u64 {
		self.tick += 1;
		self.tick
	}

	/// Inserts `value` of `bytes` under `key` as the most recently used (replacing what was
	/// there), then evicts the least recently used others beyond the bounds; returns them.
	pub fn insert(&mut self, key: K, value: V, bytes: usize) -> Vec<(K, V)> {
		self.remove(&key);
		let tick = self.next_tick();
		self.entries.insert(key.clone(), Slot { value, bytes, tick });
		self.order.insert(tick, key);
		self.bytes += bytes;
		let mut evicted = Vec::new();
		while self.entries.len() > 1
			&& (self.entries.len() > self.max_count || self.bytes > self.max_bytes)
		{
			let Some((_, oldest)) = self.order.pop_first() else { break };
			if let Some(slot) = self.entries.remove(&oldest) {
				self.bytes -= slot.bytes;
				evicted.push((oldest, slot.value));
			}
		}
		evicted
	}

	/// Removes `key`'s value.
	pub fn remove(&mut self, key: &K) -> Option<V> {
		let slot = self.entries.remove(key)?;
		self.order.remove(&slot.tick);
		self.bytes -= slot.bytes;
		Some(slot.value)
	}

	/// `key`'s value, now the most recently used.
	pub fn get(&mut self, key: &K) -> Option<&V> {
		self.get_mut(key).map(|value| &*value)
	}

	/// `key`'s value, mutable, now the most recently used.
	pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
		let tick = self.next_tick();
		let slot = self.entries.get_mut(key)?;
		self.order.remove(&slot.tick);
		slot.tick = tick;
		self.order.insert(tick, key.clone());
		Some(&mut slot.value)
	}

	/// `key`'s value, without counting a use.
	pub fn peek(&self, key: &K) -> Option<&V> {
		self.entries.get(key).map(|slot| &slot.value)
	}

	/// Whether `key` has a value (not counted as a use).
	pub fn contains(&self, key: &K) -> bool {
		self.entries.contains_key(key)
	}

	/// Every value, mutable, in no particular order (not counted as uses).
	pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
		self.entries.values_mut().map(|slot| &mut slot.value)
	}

	/// Every value, in no particular order (not counted as uses).
	pub fn values(&self) -> impl Iterator<Item = &V> {
		self.entries.values().map(|slot| &slot.value)
	}

	/// How many values there are.
	pub fn len(&self) -> usize {
		self.entries.len()
	}

	/// Whether there are none.
	pub fn is_empty(&self) -> bool {
		self.entries.is_empty()
	}

	/// The bytes of all values, as their insertions sized them.
	pub fn bytes(&self) -> usize {
		self.bytes
	}
}

#[cfg(test)]
mod tests {
	use super::Lru;

	#[test]
	fn the_count_bound_evicts_the_least_recently_used() {
		let mut lru = Lru::new(usize::MAX, 3);
		for n in 0..3 {
			assert!(lru.insert(n, n * 10, 1).is_empty());
		}
		assert_eq!(lru.get(&0), Some(&0), "0 is now the most recently used");
		assert_eq!(lru.insert(3, 30, 1), vec![(1, 10)]);
		assert!(lru.contains(&0) && lru.contains(&2) && lru.contains(&3));
		// A peek is not a use.
		assert_eq!(lru.peek(&2), Some(&20));
		assert_eq!(lru.insert(4, 40, 1), vec![(2, 20)]);
	}

	#[test]
	fn the_byte_bound_evicts_until_within_it() {
		let mut lru = Lru::new(25, 100);
		for n in 0..10 {
			lru.insert(n, (), 10);
		}
		assert_eq!(lru.len(), 2);
		assert_eq!(lru.bytes(), 20);
		assert!(lru.contains(&9) && lru.contains(&8));
		assert_eq!(lru.remove(&9), Some(()));
		assert_eq!(lru.bytes(), 10);
	}

	#[test]
	fn one_value_over_the_budget_stays_until_the_next() {
		let mut lru = Lru::new(10, 10);
		lru.insert("small", 1, 5);
		assert_eq!(lru.insert("huge", 2, 100), vec![("small", 1)]);
		assert_eq!(lru.peek(&"huge"), Some(&2));
		assert_eq!(lru.insert("next", 3, 1), vec![("huge", 2)]);
		assert_eq!(lru.bytes(), 1);
	}

	#[test]
	fn replacing_a_value_counts_its_new_size_only() {
		let mut lru = Lru::new(100, 10);
		lru.insert(1, "a", 40);
		lru.insert(1, "b", 30);
		assert_eq!((lru.len(), lru.bytes(), lru.peek(&1)), (1, 30, Some(&"b")));
		*lru.get_mut(&1).unwrap() = "c";
		assert_eq!(lru.values().collect::<Vec<_>>(), [&"c"]);
	}
}
