//! How an Autobahn|Testsuite case report is judged for scorecast, which is not an echo server.
//!
//! The fuzzing client expects the server to echo every message back. scorecast answers a client's
//! text with its own messages (a `bad_message` error for text that is not a client message) and
//! refuses binary and messages over `--ws-max-frame-bytes`. So a case conforms when:
//!
//! 1. Autobahn passes it: `behavior` is `OK`, `NON-STRICT` or `INFORMATIONAL`, and `behaviorClose`
//!    is `OK` or `INFORMATIONAL`; or
//! 2. the case expects an echo (one of its expected outcomes holds a `message` event, or it has
//!    none and checks the echo in its own code, as the limits and performance cases of group 9
//!    do), and its close is right without one:
//!    - the closing handshake completed and the server dropped the TCP connection (`wasClean`,
//!      not `droppedByMe`), and
//!    - the server's close code is one the case allows; or the client's own code sent back (the
//!      client closed first, having waited in vain for the echo); or `1009` when the client sent
//!      a message longer than `--ws-max-frame-bytes`; or `1003` when it sent a binary message.
//!
//! Everything else is a deviation: a case that expects no echo (pings, reserved bits, opcodes,
//! fragmentation errors, invalid UTF-8, close frames) must pass as Autobahn judges it.

use serde_json::Value;

const PASSING: [&str; 3] = ["OK", "NON-STRICT", "INFORMATIONAL"];
const CLOSE_PASSING: [&str; 2] = ["OK", "INFORMATIONAL"];
/// RFC 6455 close codes scorecast uses for a message over the limit and for binary.
const TOO_BIG: u64 = 1009;
const UNSUPPORTED: u64 = 1003;

/// `Ok` when the case report conforms by the rules above, else why not.
pub fn judge(report: &Value, max_message: usize) -> Result<(), String> {
    let behavior = report["behavior"].as_str().unwrap_or("");
    let close = report["behaviorClose"].as_str().unwrap_or("");
    if PASSING.contains(&behavior) && CLOSE_PASSING.contains(&close) {
        return Ok(());
    }
    let deviation = |why: &str| Err(format!("{behavior}/{close}: {why}"));
    if !expects_echo(report) {
        return deviation("a case that expects no echo must pass as Autobahn judges it");
    }
    if report["wasClean"] != true || report["droppedByMe"] != false {
        return deviation("the closing handshake did not complete with the server dropping TCP");
    }
    let Some(code) = report["remoteCloseCode"].as_u64() else {
        return deviation("the server sent no close code");
    };
    let allowed = report["expectedClose"]["closeCode"]
        .as_array()
        .is_some_and(|codes| codes.iter().any(|c| c.as_u64() == Some(code)));
    let echoed = report["closedByMe"] == true && report["localCloseCode"].as_u64() == Some(code);
    let sent = Sent::from_wirelog(report);
    let too_big = code == TOO_BIG && sent.longest_message > max_message;
    let binary = code == UNSUPPORTED && sent.binary;
    if allowed || echoed || too_big || binary {
        Ok(())
    } else {
        deviation(&format!("close code {code} is not one this case allows"))
    }
}

/// Whether the case expects the server to echo: an expected outcome holds a message, or there
/// is no expected outcome (the case checks the echo itself).
fn expects_echo(report: &Value) -> bool {
    report["expected"].as_object().is_some_and(|outcomes| {
        outcomes.is_empty()
            || outcomes
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .any(|event| event[0] == "message")
    })
}

/// What the client sent, from the case's wire log (`TF` entries: payload length and text,
/// opcode, FIN, RSV, mask, repeated length, ...).
#[derive(Debug, Default, PartialEq)]
struct Sent {
    longest_message: usize,
    binary: bool,
}

impl Sent {
    fn from_wirelog(report: &Value) -> Self {
        let mut sent = Sent::default();
        let mut message = 0;
        let frames = report["wirelog"].as_array().into_iter().flatten();
        for frame in frames.filter(|entry| entry[0] == "TF") {
            let opcode = frame[2].as_u64().unwrap_or(0);
            if opcode >= 8 {
                continue;
            }
            // A repeated payload (`repeatLength`) is sent to that length.
            let len = frame[6].as_u64().or_else(|| frame[1][0].as_u64()).unwrap_or(0) as usize;
            message = if opcode == 0 { message + len } else { len };
            sent.binary |= opcode == 2;
            sent.longest_message = sent.longest_message.max(message);
        }
        sent
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A report of a case expecting `expected`, closed cleanly by the server with `code` after the
    /// client sent `frames` (opcode, length).
    fn report(expected: Value, code: u64, frames: &[(u64, u64)]) -> Value {
        let wirelog: Vec<Value> = frames
            .iter()
            .map(|(op, len)| json!(["TF", [len, ""], op, true, 0, "00000000", null, null, false]))
            .collect();
        json!({
            "behavior": "FAILED", "behaviorClose": "WRONG CODE", "expected": expected,
            "expectedClose": {"closeCode": [1000], "closedByMe": true, "requireClean": true},
            "wasClean": true, "droppedByMe": false, "closedByMe": false,
            "remoteCloseCode": code, "localCloseCode": null, "wirelog": wirelog,
        })
    }

    fn echo() -> Value {
        json!({"OK": [["message", "0x68656c6c6f", false]]})
    }

    #[test]
    fn a_case_autobahn_passes_conforms() {
        let mut passed = report(json!({"OK": []}), 1002, &[]);
        passed["behavior"] = json!("NON-STRICT");
        passed["behaviorClose"] = json!("OK");
        assert_eq!(judge(&passed, 4096), Ok(()));
    }

    #[test]
    fn a_failed_case_that_expects_no_echo_deviates() {
        let pong = report(json!({"OK": [["pong", "0x"]]}), 1000, &[(9, 0)]);
        assert!(judge(&pong, 4096).unwrap_err().contains("expects no echo"));
        // A case with no expected outcomes checks the echo in its own code.
        assert_eq!(judge(&report(json!({}), 1000, &[(1, 5)]), 4096), Ok(()));
    }

    #[test]
    fn an_echo_case_conforms_by_an_allowed_code_or_the_clients_own_code_sent_back() {
        assert_eq!(judge(&report(echo(), 1000, &[(1, 5)]), 4096), Ok(()));
        let mut gave_up = report(echo(), 1001, &[(1, 5)]);
        assert!(judge(&gave_up, 4096).is_err(), "1001 is not allowed by itself");
        gave_up["closedByMe"] = json!(true);
        gave_up["localCloseCode"] = json!(1001);
        assert_eq!(judge(&gave_up, 4096), Ok(()));
    }

    #[test]
    fn too_big_needs_a_message_over_the_limit_and_unsupported_a_binary_message() {
        assert!(judge(&report(echo(), 1009, &[(1, 4096)]), 4096).is_err());
        // 4000 + 97 bytes in two fragments: over the limit together.
        assert_eq!(judge(&report(echo(), 1009, &[(1, 4000), (0, 97)]), 4096), Ok(()));
        assert!(judge(&report(echo(), 1003, &[(1, 10)]), 4096).is_err());
        assert_eq!(judge(&report(echo(), 1003, &[(2, 10)]), 4096), Ok(()));
    }

    #[test]
    fn an_echo_case_without_a_clean_close_deviates() {
        let mut dropped = report(echo(), 1000, &[(1, 5)]);
        dropped["wasClean"] = json!(false);
        assert!(judge(&dropped, 4096).unwrap_err().contains("closing handshake"));
        let mut no_code = report(echo(), 1000, &[(1, 5)]);
        no_code["remoteCloseCode"] = Value::Null;
        assert!(judge(&no_code, 4096).unwrap_err().contains("no close code"));
    }
}
