//! The fields of a scorecast message the benchmark checks: `m`, the match, `s`, its sequence number,
//! whether `k` says it is a snapshot or a resume marker, and a resume's `rec` and `n`. Read
//! without a JSON parser: a client reads thousands of these per event, and they are written by a
//! known server in a fixed compact form.

/// What a text frame said, as far as the benchmark cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Message {
    /// `m`, the match id (0 when absent).
    pub match_id: i64,
    pub seq: i64,
    pub snapshot: bool,
    /// `{"k":"resume","rec":true,"n":N}`: a resume from `seq` succeeded; N missed updates follow.
    pub resume: Option<u64>,
    /// `"rec":false` on a snapshot: a resume could not be served.
    pub not_recovered: bool,
}

/// Reads `"s":<integer>`, `"k":"snapshot"`, `"k":"resume"` (with `"n"`) and `"rec":false` from a
/// compact JSON object; `None` when there is no sequence number (an error message, for example)
/// and for an audience message (`"k":"watching"`), which repeats the current `s` but is no update.
pub fn read(payload: &[u8]) -> Option<Message> {
    if is_audience(payload) {
        return None;
    }
    let seq = integer_after(payload, b"\"s\":")?;
    let resume = find(payload, b"\"k\":\"resume\"")
        .map(|_| integer_after(payload, b"\"n\":").unwrap_or(0) as u64);
    Some(Message {
        match_id: integer_after(payload, b"\"m\":").unwrap_or(0),
        seq,
        snapshot: find(payload, b"\"k\":\"snapshot\"").is_some(),
        resume,
        not_recovered: find(payload, b"\"rec\":false").is_some(),
    })
}

/// Whether a compact JSON message is an audience message (`"k":"watching"`, how many watch).
pub fn is_audience(payload: &[u8]) -> bool {
    find(payload, b"\"k\":\"watching\"").is_some()
}

/// The count an audience message tells (`"w":<integer>`); `None` for any other message.
pub fn watching(payload: &[u8]) -> Option<u64> {
    if !is_audience(payload) {
        return None;
    }
    u64::try_from(integer_after(payload, b"\"w\":")?).ok()
}

fn integer_after(payload: &[u8], key: &[u8]) -> Option<i64> {
    let at = find(payload, key)? + key.len();
    let digits = payload[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&payload[at..at + digits]).ok()?.parse().ok()
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
        assert_eq!(read(goal), Some(Message { match_id: 42, seq: 17, ..Default::default() }));
        let snap =
            br#"{"m":42,"s":3,"k":"snapshot","st":"live","pd":"first_half","mn":0,"sc":[0,0]}"#;
        let snap = read(snap).unwrap();
        assert_eq!((snap.match_id, snap.seq, snap.snapshot), (42, 3, true));
        let resumed = br#"{"m":42,"s":9,"k":"resume","rec":true,"n":4}"#;
        assert_eq!((read(resumed).unwrap().seq, read(resumed).unwrap().resume), (9, Some(4)));
        let lost = br#"{"m":42,"s":30,"k":"snapshot","st":"live","sc":[0,0],"rec":false}"#;
        let lost = read(lost).unwrap();
        assert!(lost.snapshot && lost.not_recovered && lost.resume.is_none());
        assert_eq!(read(br#"{"k":"error","code":"x","detail":"y"}"#), None);
        assert_eq!(read(br#"{"m":1,"s":"#), None);
        let watching = br#"{"m":42,"s":17,"sc":[2,1],"k":"watching","w":1200}"#;
        assert_eq!(read(watching), None);
        assert!(is_audience(watching) && !is_audience(goal));
        assert_eq!((self::watching(watching), self::watching(goal)), (Some(1200), None));
    }
}
