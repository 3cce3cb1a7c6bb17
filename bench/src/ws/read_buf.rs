//! A client's read buffer: small while idle, grown for a burst, given back after it.

/// Room for the next read: `buf` grows by `unit` once less than half of `unit` is free.
#[inline]
pub fn make_room(buf: &mut Vec<u8>, unit: usize) {
    if buf.capacity() - buf.len() < unit / 2 {
        buf.reserve(unit);
    }
}

/// Drops the first `consumed` bytes (the frames handled); a buffer emptied after growing past four
/// `unit`s goes back to one.
#[inline]
pub fn consume(buf: &mut Vec<u8>, consumed: usize, unit: usize) {
    buf.drain(..consumed);
    if buf.is_empty() && buf.capacity() > 4 * unit {
        *buf = Vec::with_capacity(unit);
    }
}
