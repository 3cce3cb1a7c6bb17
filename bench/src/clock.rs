//! One clock for every process of a run.
//!
//! The coordinator notes when it posts an event and each worker process notes when a client got it;
//! the two are subtracted, so both must read the same clock. `CLOCK_MONOTONIC` is one clock for the
//! whole machine (unlike `std::time::Instant`, whose values cannot leave the process), and it never
//! jumps like the wall clock.

/// Nanoseconds on `CLOCK_MONOTONIC`, comparable across the processes of one machine.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    debug_assert_eq!(rc, 0);
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_forward() {
        let a = now_ns();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = now_ns();
        assert!(b - a >= 2_000_000, "{a} then {b}");
    }
}
