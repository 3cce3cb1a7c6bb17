//! What a client may send, parsed from its JSON text frames.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::{MatchId, Seq};

/// What a client may send, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// `since` maps match ids (as JSON object keys) to the last sequence number the client has.
    Subscribe {
        matches: Vec<MatchId>,
        #[serde(default, deserialize_with = "match_id_keys")]
        since: HashMap<MatchId, Seq>,
    },
    Unsubscribe {
        matches: Vec<MatchId>,
    },
}

/// A JSON object keyed by match ids: object keys are strings, so each is parsed as an id.
fn match_id_keys<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<HashMap<MatchId, Seq>, D::Error> {
    let raw = HashMap::<String, Seq>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(key, seq)| {
            let id = key.parse::<MatchId>().map_err(|e| {
                serde::de::Error::custom(format!("since: key {key:?} is not a match id ({e})"))
            })?;
            Ok((id, seq))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_parse_and_unknown_ops_do_not() {
        let sub: ClientMessage =
            serde_json::from_str(r#"{"op":"subscribe","matches":[1,2]}"#).unwrap();
        let id = |raw| MatchId::try_from(raw).unwrap();
        let none = HashMap::new();
        assert_eq!(sub, ClientMessage::Subscribe { matches: vec![id(1), id(2)], since: none });
        let resume: ClientMessage =
            serde_json::from_str(r#"{"op":"subscribe","matches":[42],"since":{"42":17}}"#).unwrap();
        let since = HashMap::from([(id(42), Seq::try_from(17).unwrap())]);
        assert_eq!(resume, ClientMessage::Subscribe { matches: vec![id(42)], since });
        let zero = r#"{"op":"subscribe","matches":[1],"since":{"0":1}}"#;
        assert!(serde_json::from_str::<ClientMessage>(zero).is_err(), "0 is not a match id");
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"publish","matches":[1]}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"subscribe"}"#).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_text_is_a_client_message_or_an_error(text in "\\PC{0,200}") {
            let _ = serde_json::from_str::<ClientMessage>(&text);
        }

        #[test]
        fn subscribe_messages_keep_only_valid_ids(
            ids in prop::collection::vec(any::<i64>(), 0..5),
            key in any::<i64>(),
            seq in any::<i64>(),
        ) {
            let text = format!(r#"{{"op":"subscribe","matches":{ids:?},"since":{{"{key}":{seq}}}}}"#);
            let parsed = serde_json::from_str::<ClientMessage>(&text);
            let valid = ids.iter().all(|id| *id > 0) && key > 0 && seq >= 0;
            prop_assert_eq!(parsed.is_ok(), valid, "{}", text);
        }
    }
}
