//! What Callisto's host-side caches share: [`Lru`], a map bounded by entry count and by bytes
//! that evicts the least recently used first, and [`write_atomically`], which makes a file
//! hold new contents or its old ones, never half of them.
//!
//! The compiled-module cache of the sandbox, the debug-info store and the trace store all keep
//! recent values in memory and some on disk; one policy and one writer keep them alike.

mod atomic_file;
mod lru;

pub use atomic_file::{remove_leftovers, write_atomically, TMP_PREFIX};
pub use lru::Lru;
