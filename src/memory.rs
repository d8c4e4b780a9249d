//! Memory policy of the `kagentctl` process: transparent huge pages (THP) only once the
//! input is large.
//!
//! The binary's allocator (mimalloc) asks the kernel for huge pages. On a large tree that
//! saves tens of thousands of page faults (≈10% of a 5 000-resource build), but on a small
//! one every first touch of a fresh 2 MiB page zeroes all of it, which costs more than the
//! whole build (≈0.4 ms of a 2 ms run). So the binary calls [`defer_huge_pages`] first
//! thing, and the loader reports every input file it reads through [`note_input`]; once
//! the input read so far passes [`LARGE_INPUT_BYTES`], huge pages are allowed again.
//! Library users that never call [`defer_huge_pages`] see no change.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Input size (bytes read) from which huge pages pay for themselves.
pub const LARGE_INPUT_BYTES: usize = 1 << 20;

/// Counts input bytes and holds huge pages back until the input is large.
struct Gate {
    /// Whether huge pages are held back right now.
    deferred: AtomicBool,
    /// Bytes of input read so far.
    bytes: AtomicUsize,
}

impl Gate {
    const fn new() -> Self {
        Gate {
            deferred: AtomicBool::new(false),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Holds huge pages back if `switch(true)` succeeds.
    fn defer(&self, switch: impl Fn(bool) -> bool) {
        if switch(true) {
            self.deferred.store(true, Ordering::Relaxed);
        }
    }

    /// Counts `bytes`; calls `switch(false)` once, when the total reaches the threshold.
    fn note(&self, bytes: usize, switch: impl Fn(bool) -> bool) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total >= LARGE_INPUT_BYTES && self.deferred.swap(false, Ordering::Relaxed) {
            switch(false);
        }
    }
}

static GATE: Gate = Gate::new();

/// Turns transparent huge pages off for this process until [`note_input`] has counted
/// [`LARGE_INPUT_BYTES`] of input. A no-op where the kernel has no such switch.
pub fn defer_huge_pages() {
    GATE.defer(set_huge_pages_disabled);
}

/// Counts `bytes` of input read; turns huge pages back on when the input becomes large.
pub fn note_input(bytes: usize) {
    GATE.note(bytes, set_huge_pages_disabled);
}

#[cfg(target_os = "linux")]
fn set_huge_pages_disabled(disabled: bool) -> bool {
    rustix::thread::disable_transparent_huge_pages(disabled).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn set_huge_pages_disabled(_disabled: bool) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn huge_pages_come_back_once_the_input_is_large() {
        let gate = Gate::new();
        let calls = RefCell::new(Vec::new());
        let switch = |disabled: bool| {
            calls.borrow_mut().push(disabled);
            true
        };
        gate.defer(switch);
        gate.note(10, switch);
        assert_eq!(*calls.borrow(), [true], "10 bytes are not a large input");
        gate.note(LARGE_INPUT_BYTES - 10, switch);
        assert_eq!(*calls.borrow(), [true, false]);
        gate.note(LARGE_INPUT_BYTES, switch);
        assert_eq!(*calls.borrow(), [true, false], "switched back on only once");
    }

    #[test]
    fn nothing_is_switched_back_on_when_deferring_failed() {
        let gate = Gate::new();
        let calls = RefCell::new(Vec::new());
        let switch = |disabled: bool| {
            calls.borrow_mut().push(disabled);
            false
        };
        gate.defer(switch);
        gate.note(2 * LARGE_INPUT_BYTES, switch);
        assert_eq!(*calls.borrow(), [true]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_switch_works() {
        assert!(set_huge_pages_disabled(true));
        assert_eq!(
            rustix::thread::transparent_huge_pages_are_disabled().ok(),
            Some(true)
        );
        assert!(set_huge_pages_disabled(false));
        assert_eq!(
            rustix::thread::transparent_huge_pages_are_disabled().ok(),
            Some(false)
        );
    }
}
