//! Audience messages: how many are watching a match. They carry the match's current `s` and `sc`,
//! so that a client that does not know `watching` takes it for an update it already has (its `s`
//! is not newer) and changes nothing. No SSE `id:` line: a resume never starts from one.

use serde::Serialize;

use super::{pair, Encoded};
use crate::domain::{LiveState, MatchId};

#[derive(Serialize)]
struct Watching {
    m: MatchId,
    s: crate::domain::Seq,
    sc: [i64; 2],
    k: &'static str,
    w: u64,
}

/// `{"m":42,"s":17,"sc":[2,1],"k":"watching","w":1234}`: `watching` connections follow the match
/// (by id or by competition, on every node), the match being at `live`.
pub fn watching(match_id: MatchId, live: &LiveState, watching: u64) -> Encoded {
    let message =
        Watching { m: match_id, s: live.seq, sc: pair(live.score()), k: "watching", w: watching };
    Encoded::of(&message, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watching_message_is_at_most_67_bytes_as_docs_protocol_md_says_it_is() {
        // Match ids below 10^7, `s` below 10^4, basketball scores below 1000, and a count of ten
        // thousand million: beyond any one match's audience.
        let live = LiveState::initial(crate::domain::Sport::Football, &serde_json::json!({}));
        let mut json =
            watching(MatchId::try_from(9_999_999).unwrap(), &live, 9_999_999_999).json().to_vec();
        let text = String::from_utf8(json.clone()).unwrap();
        let widest = text.replace(r#""s":0,"sc":[0,0]"#, r#""s":9999,"sc":[999,999]"#);
        json = widest.into_bytes();
        assert_eq!(json.len(), 67, "{}", String::from_utf8_lossy(&json));
        let docs = include_str!("../../../docs/protocol.md");
        assert!(docs.contains("At most 67 bytes"), "docs/protocol.md gives the size");
    }

    #[test]
    fn a_watching_message_has_the_state_it_leaves_alone_and_no_sse_id() {
        let live = LiveState::initial(crate::domain::Sport::Football, &serde_json::json!({}));
        let encoded = watching(MatchId::try_from(42).unwrap(), &live, 1234);
        assert_eq!(encoded.json(), br#"{"m":42,"s":0,"sc":[0,0],"k":"watching","w":1234}"#);
        assert_eq!(
            &encoded.sse[..],
            &b"data: {\"m\":42,\"s\":0,\"sc\":[0,0],\"k\":\"watching\",\"w\":1234}\n\n"[..]
        );
    }
}
