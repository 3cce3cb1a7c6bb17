//! What a client may send, parsed from its JSON text frames.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::domain::{MatchId, Seq};

/// What a client may send, as JSON text frames: `subscribe` and `unsubscribe`, each naming
/// `matches` (ids), `competitions` (exact names) or both.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Raw")]
pub enum ClientMessage {
    /// `since` maps match ids (as JSON object keys) to the last sequence number the client has.
    Subscribe {
        matches: Vec<MatchId>,
        competitions: Vec<Arc<str>>,
        since: HashMap<MatchId, Seq>,
    },
    Unsubscribe {
        matches: Vec<MatchId>,
        competitions: Vec<Arc<str>>,
    },
}

/// A message as sent, before the checks that span its fields.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Raw {
    Subscribe {
        matches: Option<Vec<MatchId>>,
        competitions: Option<Vec<Arc<str>>>,
        #[serde(default, deserialize_with = "match_id_keys")]
        since: HashMap<MatchId, Seq>,
    },
    Unsubscribe {
        matches: Option<Vec<MatchId>>,
        competitions: Option<Vec<Arc<str>>>,
    },
}

impl TryFrom<Raw> for ClientMessage {
    type Error = String;

    fn try_from(raw: Raw) -> Result<Self, String> {
        let (matches, competitions) = match &raw {
            Raw::Subscribe { matches, competitions, .. }
            | Raw::Unsubscribe { matches, competitions } => (matches, competitions),
        };
        if matches.is_none() && competitions.is_none() {
            return Err("give matches, competitions or both".into());
        }
        if competitions.iter().flatten().any(|c| c.trim().is_empty()) {
            return Err("competitions: a name is empty".into());
        }
        Ok(match raw {
            Raw::Subscribe { matches, competitions, since } => Self::Subscribe {
                matches: matches.unwrap_or_default(),
                competitions: competitions.unwrap_or_default(),
                since,
            },
            Raw::Unsubscribe { matches, competitions } => Self::Unsubscribe {
                matches: matches.unwrap_or_default(),
                competitions: competitions.unwrap_or_default(),
            },
        })
    }
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
        let competitions = Vec::new();
        assert_eq!(
            sub,
            ClientMessage::Subscribe { matches: vec![id(1), id(2)], competitions, since: none }
        );
        let resume: ClientMessage =
            serde_json::from_str(r#"{"op":"subscribe","matches":[42],"since":{"42":17}}"#).unwrap();
        let since = HashMap::from([(id(42), Seq::try_from(17).unwrap())]);
        let competitions = Vec::new();
        assert_eq!(resume, ClientMessage::Subscribe { matches: vec![id(42)], competitions, since });
        let zero = r#"{"op":"subscribe","matches":[1],"since":{"0":1}}"#;
        assert!(serde_json::from_str::<ClientMessage>(zero).is_err(), "0 is not a match id");
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"publish","matches":[1]}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"subscribe"}"#).is_err());
    }

    #[test]
    fn competitions_may_stand_alone_but_not_be_empty_names() {
        let text = r#"{"op":"subscribe","competitions":["Serie A, girone B"]}"#;
        let ClientMessage::Subscribe { matches, competitions, .. } =
            serde_json::from_str(text).unwrap()
        else {
            panic!("a subscribe")
        };
        assert!(matches.is_empty());
        assert_eq!(competitions, vec![Arc::<str>::from("Serie A, girone B")]);
        let off = r#"{"op":"unsubscribe","competitions":["Eredivisie"]}"#;
        assert!(serde_json::from_str::<ClientMessage>(off).is_ok());
        let blank = r#"{"op":"subscribe","competitions":[" "]}"#;
        assert!(serde_json::from_str::<ClientMessage>(blank).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"unsubscribe"}"#).is_err());
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
