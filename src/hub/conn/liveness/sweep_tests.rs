//! Property tests of what the sweep relies on: `next_due` is the first instant `due` finds
//! anything, and the timing wheel armed with it brings, at every tick, exactly the connections
//! a look at every connection (the sweep before the wheel) finds due.

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use tokio::time::Instant;

use super::*;
use crate::hub::worker::wheel::Wheel;

/// Something that happens to a connection between two sweeps (as `Conn` drives its liveness).
#[derive(Debug, Clone, Copy)]
enum Op {
    /// An update or snapshot written, with the receipt riding along when it is wanted.
    Data,
    /// A pong or other protocol bytes written.
    Protocol,
    /// Any frame from the client.
    Heard,
    /// Its socket took nothing: written data waits (the outbox's slow-consumer clock starts).
    Block,
    /// The socket took everything that waited.
    Unblock,
    /// An answer waits unread in its socket (the sweep excuses a missing one then).
    Unread(bool),
    Close,
    End,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Wait(u64),
    Do(usize, Op),
    Sweep,
}

/// A connection as the sweep sees it: its liveness, the outbox's clock, its transport.
struct Model {
    live: Liveness,
    blocked: Option<Instant>,
    answers: bool,
    unread: bool,
}

impl Model {
    fn interval(&self, l: &Limits) -> Duration {
        if self.answers {
            l.heartbeat_interval
        } else {
            l.sse_heartbeat
        }
    }

    /// `Conn::due`: the liveness verdict, excused while an answer waits unread.
    fn due(&self, now: Instant, l: &Limits) -> Option<Due> {
        match self.live.due(now, l, self.blocked, self.interval(l), self.answers) {
            Some(Due::HeartbeatTimeout | Due::TooSlow) if self.blocked.is_none() && self.unread => {
                None
            }
            due => due,
        }
    }

    fn next_due(&self, l: &Limits) -> Option<Instant> {
        self.live.next_due(l, self.blocked, self.interval(l), self.answers)
    }

    /// Applies `op` at `now`; true when it may bring the next verdict closer (the code then
    /// arms the wheel again; after the others it does not need to).
    fn apply(&mut self, op: Op, now: Instant, l: &Limits) -> bool {
        match op {
            Op::Data => {
                if self.answers && self.live.wants_receipt(now, l) {
                    self.live.pinged(now, true);
                }
                self.live.sent(now, true);
                true
            }
            Op::Protocol => {
                self.live.sent(now, false);
                false
            }
            // An answer ends the wait for it, whose deadline may have been later than the next
            // silence ping (a heartbeat interval shorter than the slow-consumer deadline).
            Op::Heard => {
                self.live.heard(now);
                true
            }
            Op::Block => {
                self.blocked.get_or_insert(now);
                true
            }
            Op::Unblock => {
                self.blocked = None;
                false
            }
            Op::Unread(unread) => {
                self.unread = unread;
                false
            }
            Op::Close => self.live.begin_close(),
            Op::End => {
                self.live.end();
                false
            }
        }
    }

    /// What the sweep does with a due connection.
    fn act(&mut self, due: Due, now: Instant) {
        match due {
            Due::Ping => self.live.pinged(now, self.answers),
            Due::HeartbeatTimeout | Due::TooSlow => {
                self.live.begin_close();
            }
            Due::Drop => self.live.end(),
        }
    }
}

/// Heartbeats up to 200 s: past the wheel's 64 one-second slots, so a connection waits laps in
/// its last slot (`--ws-heartbeat-secs` goes up to 3600).
fn limits() -> impl Strategy<Value = Limits> {
    (1..200u64, 1..15u64, 1..40u64, 0..40u64, 0..3u64, 1..30u64, any::<bool>()).prop_map(
        |(every, answer, slow, receipt, grace, sse, silence)| Limits {
            heartbeat_interval: Duration::from_secs(every),
            heartbeat_timeout: Duration::from_secs(answer),
            slow_consumer_timeout: Duration::from_secs(slow),
            receipt_after: Duration::from_secs(receipt),
            close_grace: Duration::from_secs(grace),
            sse_heartbeat: Duration::from_secs(sse),
            heartbeat_policy: if silence {
                HeartbeatPolicy::ClientSilence
            } else {
                HeartbeatPolicy::Idle
            },
            ..Limits::for_tests()
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Data),
        2 => Just(Op::Protocol),
        5 => Just(Op::Heard),
        1 => Just(Op::Block),
        1 => Just(Op::Unblock),
        1 => any::<bool>().prop_map(Op::Unread),
        1 => Just(Op::Close),
        1 => Just(Op::End),
    ]
}

const CONNS: usize = 8;

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        // Milliseconds: often less than a sweep apart, sometimes many seconds.
        4 => (0..3_000u64).prop_map(Step::Wait),
        1 => (0..60_000u64).prop_map(Step::Wait),
        6 => (0..CONNS, op()).prop_map(|(c, op)| Step::Do(c, op)),
        3 => Just(Step::Sweep),
    ];
    prop::collection::vec(step, 1..300)
}

/// Runs `f` on a current-thread runtime whose clock stands still unless advanced.
fn paused<T>(f: impl std::future::Future<Output = T>) -> T {
    let mut runtime = tokio::runtime::Builder::new_current_thread();
    runtime.enable_time().start_paused(true).build().expect("a runtime").block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_wheel_brings_at_every_tick_exactly_the_connections_a_full_walk_finds_due(
        l in limits(),
        answers in prop::collection::vec(any::<bool>(), CONNS),
        steps in steps(),
    ) {
        paused(async {
            let mut wheel = Wheel::new(Instant::now());
            let mut conns: Vec<Model> = (0..CONNS)
                .map(|key| Model {
                    live: Liveness::for_connection(key as u64 + 1),
                    blocked: None,
                    answers: answers[key],
                    unread: false,
                })
                .collect();
            for (key, conn) in conns.iter().enumerate() {
                wheel.arm(key, conn.next_due(&l));
            }
            let mut taken = Vec::new();
            for step in steps {
                match step {
                    Step::Wait(ms) => tokio::time::advance(Duration::from_millis(ms)).await,
                    Step::Do(key, op) => {
                        let now = Instant::now();
                        if conns[key].apply(op, now, &l) {
                            wheel.arm(key, conns[key].next_due(&l));
                        }
                    }
                    Step::Sweep => {
                        let now = Instant::now();
                        let walk: BTreeSet<usize> =
                            (0..CONNS).filter(|&k| conns[k].due(now, &l).is_some()).collect();
                        wheel.take_due(now, &mut taken);
                        let found: BTreeSet<usize> =
                            taken.iter().copied().filter(|&k| conns[k].due(now, &l).is_some()).collect();
                        prop_assert_eq!(&found, &walk, "at {:?}", now);
                        for key in taken.drain(..) {
                            if let Some(due) = conns[key].due(now, &l) {
                                conns[key].act(due, now);
                            }
                            wheel.arm(key, conns[key].next_due(&l));
                        }
                        for (key, conn) in conns.iter().enumerate() {
                            prop_assert!(wheel.holds(key, conn.next_due(&l)));
                        }
                    }
                }
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    #[test]
    fn next_due_is_the_first_instant_anything_is_due(
        l in limits(),
        answers in any::<bool>(),
        ops in prop::collection::vec(((0..20_000u64), op()), 0..20),
    ) {
        paused(async {
            let mut conn =
                Model { live: Liveness::for_connection(1), blocked: None, answers, unread: false };
            for (ms, op) in ops {
                tokio::time::advance(Duration::from_millis(ms)).await;
                conn.apply(op, Instant::now(), &l);
            }
            let now = Instant::now();
            let next = conn.next_due(&l);
            // Every 100 ms over the next two minutes: nothing before `next`, something from it.
            for tenth in 0..1200 {
                let at = now + Duration::from_millis(tenth * 100);
                let due = conn.live.due(at, &l, conn.blocked, conn.interval(&l), conn.answers);
                prop_assert_eq!(due.is_some(), next.is_some_and(|next| at >= next), "at +{}00 ms", tenth);
            }
            if let Some(next) = next.filter(|next| *next >= now) {
                let due = conn.live.due(next, &l, conn.blocked, conn.interval(&l), conn.answers);
                prop_assert!(due.is_some(), "nothing due at {:?} itself", next);
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}
