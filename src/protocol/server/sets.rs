//! The compact keys of the sports scored point by point into sets (tennis, volleyball): the side
//! that won a point, the current set's score (`gs`), the game's points (`gp`), the server (`sv`).

use serde::Serialize;

use super::{side, Update};
use crate::domain::{GamePoint, LiveState, PlayKeys, Point, Short, Status};

/// A sport's own state keys as compact messages carry them.
#[derive(Serialize)]
pub(super) struct Keys<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    gs: Option<[u16; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gp: Option<&'a [GamePoint; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sv: Option<Short>,
}

pub(super) fn keys(play: &PlayKeys) -> Keys<'_> {
    Keys { gs: play.gs, gp: play.gp.as_ref(), sv: play.sv }
}

/// A snapshot's keys: the sport's state now.
pub(super) fn keys_now(live: &LiveState) -> Option<PlayKeys> {
    live.play().rules().keys()
}

/// A tennis or volleyball point: the side that won it and the state it left (`gs`, `gp`, `sv`).
pub(super) fn describe_point<'a>(update: &mut Update<'a>, point: &'a Point) {
    update.t = side(point.team);
    update.play = point.after.as_ref().map(keys);
    // The point that decides the match finishes it, as `end` does in other sports.
    if point.after.as_ref().is_some_and(|k| k.over) {
        update.st = Some(Status::Finished.as_str());
    }
}
