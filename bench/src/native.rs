//! The bench contract's compute kernels as native Rust: path (d), the physical limit the
//! sandboxed runs are compared with. Same algorithms, line for line, as `sieve` and `mix` in
//! `pallets/contracts/fixtures/ink/bench/lib.rs`.

/// The number of primes up to `n` (sieve of Eratosthenes).
pub fn sieve(n: u32) -> u32 {
	let n = n as usize;
	let mut composite = vec![false; n + 1];
	let mut primes = 0;
	for i in 2..=n {
		if composite[i] {
			continue;
		}
		primes += 1;
		if i <= n / i {
			for j in (i * i..=n).step_by(i) {
				composite[j] = true;
			}
		}
	}
	primes
}

/// `rounds` of xorshift64.
pub fn mix(rounds: u32) -> u64 {
	let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
	for _ in 0..rounds {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	x
}
