//! The two fields of a scorecast message the benchmark checks: `s`, the match's sequence number,
//! and whether `k` says it is a snapshot. Read without a JSON parser: a client reads thousands of
//! these per event, and they are written by a known server in a fixed compact form.

/// What a text frame said, as far as the benchmark cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub seq: i64,
    pub snapshot: bool,
}

/// Reads `"s":<integer>` and `"k":"snapshot"` from a compact JSON object; `None` when there is no
/// sequence number (an error message, for example).
pub fn read(payload: &[u8]) -> Option<Message> {
    let at = find(payload, b"\"s\":")? + 4;
    let digits = payload[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let seq = std::str::from_utf8(&payload[at..at + digits]).ok()?.parse().ok()?;
    Some(Message { seq, snapshot: find(payload, b"\"k\":\"snapshot\"").is_some() })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_and_snapshots_are_told_apart() {
        let goal = br#"{"m":42,"s":17,"k":"goal","t":"h","mn":67,"sc":[2,1]}"#;
        assert_eq!(read(goal), Some(Message { seq: 17, snapshot: false }));
        let snap =
            br#"{"m":42,"s":3,"k":"snapshot","st":"live","pd":"first_half","mn":0,"sc":[0,0]}"#;
        assert_eq!(read(snap), Some(Message { seq: 3, snapshot: true }));
        assert_eq!(read(br#"{"k":"error","code":"x","detail":"y"}"#), None);
        assert_eq!(read(br#"{"m":1,"s":"#), None);
    }
}
