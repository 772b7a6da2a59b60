//! A one-line progress indicator for long subcommands: the task and the seconds it has taken,
//! redrawn on stderr. Only on a terminal; logs and pipes get nothing.

use std::{
	io::{IsTerminal, Write},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	thread::JoinHandle,
	time::{Duration, Instant},
};

/// Shows `message` with a spinner and the elapsed time until dropped.
pub struct Progress {
	done: Arc<AtomicBool>,
	drawer: Option<JoinHandle<()>>,
}

impl Progress {
	pub fn start(message: String) -> Self {
		let done = Arc::new(AtomicBool::new(false));
		let drawer = std::io::stderr().is_terminal().then(|| {
			let done = done.clone();
			std::thread::spawn(move || draw_until(&done, &message))
		});
		Self { done, drawer }
	}
}

fn draw_until(done: &AtomicBool, message: &str) {
	const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
	let start = Instant::now();
	let mut frame = 0;
	while !done.load(Ordering::Relaxed) {
		// Quiet for the first half second: fast answers should not flicker.
		if start.elapsed() > Duration::from_millis(500) {
			let seconds = start.elapsed().as_secs();
			let _ = write!(std::io::stderr(), "\r{} {message} ({seconds} s)", FRAMES[frame % 4]);
			frame += 1;
		}
		std::thread::sleep(Duration::from_millis(100));
	}
	if start.elapsed() > Duration::from_millis(500) {
		// Clear the line so the result starts on a clean one.
		let _ = write!(std::io::stderr(), "\r\x1b[2K");
	}
}

impl Drop for Progress {
	fn drop(&mut self) {
		self.done.store(true, Ordering::Relaxed);
		if let Some(drawer) = self.drawer.take() {
			let _ = drawer.join();
		}
	}
}
