//! The count as people see it: two significant figures (`980`, `1.2k`, `15k`, `1.2M`), rounded
//! down so that it never claims more than are watching. Followers are told only when this
//! changes: a crowd of 15,000 coming and going by a few dozen costs no message at all.
//! `clients/js/scorecast.js` (`formatWatching`) shows the exact count it is sent the same way.

/// `n` with every digit after its first two set to zero.
pub fn shown(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    n / unit * unit
}

/// A rise is told only once the count, less this fraction of it (1/50: 2 %), still shows higher
/// than what followers were told: a crowd going back and forth across a step (17,999 and 18,000,
/// `17k` and `18k`, with people leaving and joining every minute) costs one message, not one per
/// interval. A fall is told as soon as it shows, so the count never claims more than are watching.
const RISE_MARGIN: u64 = 50;

/// Whether followers told `told` (the shown value they have, if any) are to be told `total`.
pub fn worth_telling(told: Option<u64>, total: u64) -> bool {
    match told {
        None => true,
        Some(told) => shown(total) < told || shown(total - total / RISE_MARGIN) > told,
    }
}

/// `n` as shown: `980`, `1.2k`, `15k`, `150k`, `1.2M`.
pub fn format(n: u64) -> String {
    let n = shown(n);
    let (unit, suffix) = match n {
        0..1_000 => return n.to_string(),
        1_000..1_000_000 => (1_000, "k"),
        1_000_000..1_000_000_000 => (1_000_000, "M"),
        _ => (1_000_000_000, "B"),
    };
    let whole = n / unit;
    let tenth = n % unit * 10 / unit;
    if whole < 10 && tenth > 0 {
        format!("{whole}.{tenth}{suffix}")
    } else {
        format!("{whole}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_significant_figures_are_kept_and_the_rest_dropped() {
        let cases =
            [(0, 0), (7, 7), (99, 99), (100, 100), (987, 980), (1_234, 1_200), (15_999, 15_000)];
        for (n, expected) in cases {
            assert_eq!(shown(n), expected, "{n}");
        }
        assert_eq!(shown(1_299_999), 1_200_000);
        assert_eq!(shown(u64::MAX), 18_000_000_000_000_000_000);
    }

    #[test]
    fn counts_read_as_the_issue_shows_them() {
        let cases = [
            (980, "980"),
            (987, "980"),
            (1_000, "1k"),
            (1_234, "1.2k"),
            (15_400, "15k"),
            (150_999, "150k"),
            (1_250_000, "1.2M"),
            (3_000_000_000, "3B"),
        ];
        for (n, text) in cases {
            assert_eq!(format(n), text, "{n}");
        }
    }

    #[test]
    fn a_change_is_shown_only_when_the_first_two_figures_change() {
        assert_eq!(shown(1_200), shown(1_299), "1.2k either way: nobody is told");
        assert_ne!(shown(1_299), shown(1_300), "1.2k to 1.3k");
        assert_ne!(shown(99), shown(100));
        assert_eq!(shown(100), shown(109), "100 and 109 both show as 100");
        assert_ne!(shown(3), shown(4), "small crowds are counted one by one");
    }

    #[test]
    fn a_crowd_going_back_and_forth_across_a_step_is_told_once() {
        let mut told = None;
        let mut messages = 0;
        for total in [18_010, 17_990, 18_005, 17_995, 18_020, 17_999, 18_100, 18_000] {
            if worth_telling(told, total) {
                told = Some(shown(total));
                messages += 1;
            }
        }
        assert_eq!((messages, told), (2, Some(17_000)), "18k, then 17k, then no more");
        assert!(worth_telling(told, 18_400), "a clear rise (2 % over the step) is told");
        assert!(!worth_telling(Some(17_000), 18_300), "within 2 % of the step: not yet");
        assert!(worth_telling(Some(5), 6), "small crowds are told one by one");
        assert!(worth_telling(Some(5), 4));
    }

    proptest::proptest! {
        /// Whatever the crowd does, followers are never told more than are watching, and never
        /// shown less than 98 % of them rounded down (what the count shows after a rise of 2 %).
        #[test]
        fn what_followers_see_never_claims_more_than_are_watching(
            start in 0u64..2_000_000,
            steps in proptest::collection::vec(-5_000i64..5_000, 1..200),
        ) {
            let mut total = start;
            let mut told = None;
            for step in steps {
                total = total.saturating_add_signed(step);
                if worth_telling(told, total) {
                    told = Some(shown(total));
                }
                let seen = told.unwrap();
                proptest::prop_assert!(seen <= total, "told {seen} of {total}");
                proptest::prop_assert!(seen >= shown(total - total / RISE_MARGIN), "told {seen} of {total}");
            }
        }
    }
}
