//! How many `watching` messages a node may send: `--watching-max-messages-per-sec`, on average.
//! Telling a match's news costs one message per follower on this node, so while an audience
//! grows (a kick-off: a million connecting over minutes moves the shown count every interval)
//! each interval's news would go to every follower connected so far, a second fan-out as large as
//! the match's. The budget refills at the rate, holds at most one interval's worth, and may go
//! into debt: a match is told whenever the budget is above zero, however many follow it, and
//! the debt then delays the next news until it is paid back. So a node's audience messages stay
//! within the rate over any window longer than the largest match's news, and a large audience is
//! told less often (19,600 followers at 1,000 a second: at most once per ~20 s) rather than never.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(super) struct Budget {
    per_sec: f64,
    /// The most the budget holds: one interval's messages.
    cap: f64,
    /// Messages that may be sent now (below zero: owed).
    left: f64,
    refilled: Option<Instant>,
}

impl Budget {
    pub(super) fn new(per_sec: u32, interval: Duration) -> Self {
        let per_sec = f64::from(per_sec);
        let cap = per_sec * interval.as_secs_f64();
        Self { per_sec, cap, left: cap, refilled: None }
    }

    /// Adds what the time since the last refill earned, up to the cap.
    pub(super) fn refill(&mut self, now: Instant) {
        if let Some(then) = self.refilled {
            let earned = now.saturating_duration_since(then).as_secs_f64() * self.per_sec;
            self.left = (self.left + earned).min(self.cap);
        }
        self.refilled = Some(now);
    }

    /// Whether news costing `messages` may be told now; if so, they are spent.
    pub(super) fn spend(&mut self, messages: u32) -> bool {
        if self.left <= 0.0 {
            return false;
        }
        self.left -= f64::from(messages);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[tokio::test(start_paused = true)]
    async fn a_large_audience_is_told_once_its_debt_is_paid_back() {
        let mut budget = Budget::new(1_000, Duration::from_secs(10));
        let start = Instant::now();
        budget.refill(start);
        assert!(budget.spend(19_600), "the first news goes out: 9,600 owed beyond the 10,000 held");
        let at = |s: u64| start + Duration::from_secs(s);
        budget.refill(at(9));
        assert!(!budget.spend(1), "600 still owed after 9 s");
        budget.refill(at(10));
        assert!(budget.spend(19_600), "paid back within 10 s");
        budget.refill(at(29));
        assert!(
            !budget.spend(1),
            "the second news: 400 held, 19,200 owed, 19,000 paid back by 29 s"
        );
        budget.refill(at(30));
        assert!(budget.spend(1), "the third goes out at 30 s");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_node_keeps_no_more_than_one_interval_of_messages() {
        let mut budget = Budget::new(100, Duration::from_secs(10));
        let start = Instant::now();
        budget.refill(start);
        budget.refill(start + Duration::from_secs(3_600));
        assert!(budget.spend(1_000));
        assert!(!budget.spend(1), "an hour idle saved one interval's 1,000, no more");
    }

    proptest! {
        /// Over any run of intervals, what was spent is at most the cap plus the rate times the
        /// time, plus the one news that took the budget into debt.
        #[test]
        fn messages_sent_stay_within_the_rate(
            per_sec in 1u32..5_000,
            news in proptest::collection::vec((0u32..50_000, 1u64..30), 1..60),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true)
                .build().unwrap();
            rt.block_on(async {
                let interval = Duration::from_secs(10);
                let mut budget = Budget::new(per_sec, interval);
                let start = Instant::now();
                let (mut now, mut sent, mut largest) = (start, 0u64, 0u32);
                budget.refill(now);
                for (messages, wait) in news {
                    now += Duration::from_secs(wait);
                    budget.refill(now);
                    if budget.spend(messages) {
                        sent += u64::from(messages);
                        largest = largest.max(messages);
                    }
                }
                let elapsed = (now - start).as_secs_f64();
                let allowed = f64::from(per_sec) * (interval.as_secs_f64() + elapsed)
                    + f64::from(largest);
                prop_assert!(sent as f64 <= allowed, "{sent} sent, {allowed} allowed");
                Ok(())
            })?;
        }
    }
}
