//! Matches: create and change (admin), list and snapshot (public; the snapshot is the polling
//! endpoint and answers from memory).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::{json, match_id, retry_key, RetryKeyHeader};
use crate::auth::Admin;
use crate::catalog::Catalog;
use crate::cluster::Peers;
use crate::domain::unix_millis;
use crate::domain::{lifecycle, EventKind, MatchPatch, NewMatch, Sport, Status, SPORTS};
use crate::extract::JsonBody;
use crate::hub::Hub;
use crate::ingest::Ingest;
use crate::metrics::Metrics;
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::snapshots::{Full, Residence, Snapshot, Snapshots, Summary};
use crate::store::{Creation, ListFilter, PageStart, Store};

/// Matches per page when the client does not say.
const DEFAULT_PAGE: usize = 50;
/// Most matches per page: bounds the work and size of one list answer.
const MAX_PAGE: usize = 500;
/// Largest `offset`: far more matches than one node holds in memory (at 0.3 KB or more each).
const MAX_OFFSET: usize = 10_000_000;

/// Create a match: it starts `scheduled`, with no events.
#[utoipa::path(
    post,
    path = "/api/v1/matches",
    operation_id = "create_match",
    tag = "admin",
    security(("admin_token" = [])),
    params(RetryKeyHeader),
    request_body = NewMatch,
    responses(
        (status = 201, description = "The new match's snapshot", body = Full,
            headers(
                ("ETag" = String, description = "The snapshot's validator"),
                ("Location" = String, description = "`/api/v1/matches/{id}`"),
                ("Idempotency-Replayed" = String,
                    description = "`true` when this answers a retry of an earlier request with \
                        the same Idempotency-Key"),
            )),
        problems::AdminWriteErrors,
    )
)]
pub async fn create(
    _: Admin,
    req: HttpRequest,
    body: JsonBody<NewMatch>,
    store: web::Data<Store>,
    snapshots: web::Data<Snapshots>,
    peers: web::Data<Peers>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let key = retry_key(&req, &body.canonical_hash)?;
    let mut new = body.value;
    if new.home == new.away {
        return Err(ApiError::invalid("away", "home and away must be different teams"));
    }
    new.format = Some(new.sport.parse_format(new.format.take()).map_err(ApiError::from_field)?);
    let (record, replayed) =
        match store.create_match(&new, key.as_ref(), OffsetDateTime::now_utc()).await? {
            Creation::Created(record) => (record, false),
            Creation::Replayed(record) => (record, true),
            Creation::KeyReused => {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    "this Idempotency-Key was already used with a different request body",
                ))
            }
        };
    let snapshot = if replayed {
        snapshots.adopt(record, Default::default(), Residence::Hot, |_| true)
    } else {
        peers.match_changed(&record);
        let snapshot = snapshots.insert(record);
        hub.introduce(None, &snapshot);
        snapshot
    };
    let mut answer = with_etag(StatusCode::CREATED, &snapshot);
    answer.insert_header((header::LOCATION, format!("/api/v1/matches/{}", snapshot.meta.id)));
    if replayed {
        answer.insert_header(("Idempotency-Replayed", "true"));
    }
    Ok(answer.body(snapshot.body().clone()))
}

/// Change a match's teams, competition or kick-off: absent fields keep their value (`null` is
/// refused), at least one must be given. Status, score and clock change only through events.
#[utoipa::path(
    patch,
    path = "/api/v1/matches/{id}",
    operation_id = "patch_match",
    tag = "admin",
    security(("admin_token" = [])),
    params(MatchPath),
    request_body = MatchPatch,
    responses(
        (status = 200, description = "The new snapshot, with a new ETag", body = Full,
            headers(("ETag" = String, description = "The snapshot's validator"))),
        (status = 404, response = problems::NotFound),
        (status = 409, response = problems::Conflict),
        problems::AdminWriteErrors,
    )
)]
pub async fn patch(
    _: Admin,
    id: web::Path<String>,
    body: JsonBody<MatchPatch>,
    catalog: web::Data<Catalog>,
    ingest: web::Data<Ingest>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    // `extract` refused an empty patch and any `null`.
    let mut patch = body.value;
    let current = catalog.find(id).await?.ok_or_else(|| ApiError::no_match(id))?;
    let home = patch.home.as_ref().map_or(current.meta.home.as_str(), |n| n.as_ref());
    let away = patch.away.as_ref().map_or(current.meta.away.as_str(), |n| n.as_ref());
    if home == away {
        return Err(ApiError::invalid("away", "home and away must be different teams"));
    }
    patch.check_format(current.meta.sport).map_err(ApiError::from_field)?;
    // Stored as a sequenced `match` event: subscribers get it, resumes replay it, other nodes
    // apply it, like any event.
    match ingest.submit(id, EventKind::Match(patch), None).await {
        Ok(_) => {}
        Err(err) => return Err(super::refusal(err)),
    }
    let snapshot = catalog.find(id).await?.ok_or_else(|| ApiError::no_match(id))?;
    Ok(with_etag(StatusCode::OK, &snapshot).body(snapshot.body().clone()))
}

/// The match named in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MatchPath {
    /// A match id: a positive integer (anything else names no match: `404`).
    #[param(minimum = 1)]
    pub id: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only matches in this status.
    #[param(value_type = Option<Status>)]
    status: Option<String>,
    /// Only matches of this competition (exact, case-sensitive).
    competition: Option<String>,
    /// Only matches of this sport.
    #[param(value_type = Option<Sport>)]
    sport: Option<String>,
    /// Only matches kicking off at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-07T00:00:00Z")]
    from: Option<String>,
    /// Only matches kicking off before this time (RFC 3339; before `from`: an empty page).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-08T00:00:00Z")]
    to: Option<String>,
    /// Matches per page.
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: Option<usize>,
    /// Matches to skip; past the end gives an empty page. Each skipped match is still read:
    /// to walk a long list, follow `next` with `after` instead.
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: Option<usize>,
    /// The page after this one: a previous page's `next` (`offset` then counts from there).
    #[param(example = "1796587200000_42", pattern = r"^-?[0-9]{1,18}_[1-9][0-9]{0,17}$")]
    after: Option<String>,
}

/// A match in a list: its summary and how many are watching it.
#[derive(Serialize, ToSchema)]
#[schema(as = ListedMatch)]
pub struct Listed<'a> {
    #[serde(flatten)]
    summary: Summary<'a>,
    /// Connections following the match by id or by competition on every node (`*` subscribers
    /// aside), as `GET /api/v1/matches/{id}/watching` answers.
    #[schema(minimum = 0, example = 1234)]
    watching: u64,
}

impl<'a> Listed<'a> {
    pub(super) fn new(summary: Summary<'a>, watching: u64) -> Self {
        Self { summary, watching }
    }
}

/// One page of matches.
#[derive(Serialize, ToSchema)]
pub struct MatchPage<'a> {
    /// Ordered by `kickoff_at`, then `id`.
    matches: Vec<Listed<'a>>,
    /// Matches that pass the filters, before paging.
    total: usize,
    limit: usize,
    offset: usize,
    /// Give as `after` for the page that follows; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "1796587200000_42")]
    next: Option<String>,
}

/// List matches ordered by kick-off time, filtered by status, competition, sport and kick-off
/// range (`from` inclusive, `to` exclusive), one page at a time (`after` a previous page's `next`,
/// or `offset`); answered by indexed database queries.
#[utoipa::path(
    get,
    path = "/api/v1/matches",
    operation_id = "list_matches",
    tag = "read",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of matches, without their events", body = MatchPage),
        (status = 400, response = problems::BadRequest),
        (status = 422, response = problems::UnprocessableEntity),
    )
)]
pub async fn list(
    query: web::Query<ListQuery>,
    store: web::Data<Store>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(raw) => Some(Status::parse(raw).ok_or_else(|| {
            let known: Vec<_> = lifecycle::STATUSES.iter().map(|s| s.as_str()).collect();
            ApiError::BadRequest(format!("unknown status {raw:?}: use one of {}", known.join(", ")))
        })?),
    };
    let sport = match query.sport.as_deref() {
        None => None,
        Some(raw) => Some(Sport::parse(raw).ok_or_else(|| {
            let known: Vec<_> = SPORTS.iter().map(|s| s.as_str()).collect();
            ApiError::BadRequest(format!("unknown sport {raw:?}: use one of {}", known.join(", ")))
        })?),
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_PAGE}")));
    }
    let offset = query.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::BadRequest(format!("offset must be between 0 and {MAX_OFFSET}")));
    }
    let start = match query.after.as_deref() {
        None => PageStart::Offset(offset as i64),
        Some(raw) => cursor(raw, offset as i64)?,
    };
    let filter = ListFilter {
        status,
        sport,
        competition: query.competition.clone(),
        from: instant("from", query.from.as_deref())?,
        // A `to` before `from` is a range of no time: an empty page, as the document allows.
        to: instant("to", query.to.as_deref())?,
    };
    let page = store.list_matches(&filter, start, limit as i64).await?;
    let next = (page.matches.len() == limit)
        .then(|| page.matches.last())
        .flatten()
        .map(|m| format!("{}_{}", unix_millis(m.meta.kickoff_at), m.meta.id));
    let watching = hub.watching();
    let matches = page
        .matches
        .iter()
        .map(|m| Listed {
            summary: Summary { meta: &m.meta, live: &m.live },
            watching: watching.total(m.meta.id),
        })
        .collect();
    let total = usize::try_from(page.total).unwrap_or_default();
    let page = MatchPage { matches, total, limit, offset, next };
    let body = serde_json::to_string(&page).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(json(StatusCode::OK, body))
}

/// A page's `next`, given back as `after`: the kick-off (unix milliseconds) and id of the last
/// match of that page; `422` naming `after` when it is not one.
fn cursor(raw: &str, offset: i64) -> Result<PageStart, ApiError> {
    // Exactly the document's pattern: `-?[0-9]{1,18}_[1-9][0-9]{0,17}` (no `+`, no leading zero
    // in the id), so that what the schema refuses is refused here too.
    let digits = |s: &str| (1..=18).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let parsed = raw.split_once('_').and_then(|(kickoff, id)| {
        let unsigned = kickoff.strip_prefix('-').unwrap_or(kickoff);
        if !digits(unsigned) || !digits(id) || id.starts_with('0') {
            return None;
        }
        Some(PageStart::After { kickoff_ms: kickoff.parse().ok()?, id: id.parse().ok()?, offset })
    });
    parsed.ok_or_else(|| {
        ApiError::invalid("after", format!("{raw:?} is not a page cursor: give a page's `next`"))
    })
}

/// The polling endpoint: a match's whole current state, from memory (it keeps answering while the
/// database is down); `304` when the client's copy is current.
#[utoipa::path(
    get,
    path = "/api/v1/matches/{id}",
    operation_id = "get_match",
    tag = "read",
    params(
        MatchPath,
        ("If-None-Match" = Option<String>, Header,
            description = "ETags the client has (`\"1-9-1\"`, a list, `*` or `W/\"...\"`): `304` \
                when one is current"),
    ),
    responses(
        (status = 200, description = "The snapshot", body = Full,
            headers(
                ("ETag" = String, description = "Strong validator; changes with every event and \
                    every PATCH, stays across restarts"),
                ("Cache-Control" = String, description = "`no-cache`: caches revalidate every time"),
            )),
        (status = 304, description = "The client's copy is current; no body",
            headers(("ETag" = String, description = "The current validator"))),
        (status = 404, response = problems::NotFound),
    )
)]
pub async fn snapshot(
    req: HttpRequest,
    id: web::Path<String>,
    catalog: web::Data<Catalog>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    let snapshot = catalog.find(id).await?.ok_or_else(|| ApiError::no_match(id))?;
    if client_has(&req, &snapshot) {
        metrics.polls.with_label_values(&["304"]).inc();
        return Ok(with_etag(StatusCode::NOT_MODIFIED, &snapshot).finish());
    }
    metrics.polls.with_label_values(&["200"]).inc();
    metrics.poll_bytes.inc_by(snapshot.body().len() as u64);
    Ok(with_etag(StatusCode::OK, &snapshot).body(snapshot.body().clone()))
}

/// A query parameter holding an RFC 3339 time; `422` naming it when it is not one.
fn instant(name: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    // An offset's `+` sent unencoded arrives as a space (form encoding); RFC 3339 has no spaces.
    let raw = &raw.replace(' ', "+");
    OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).map(Some).map_err(
        |e| {
            ApiError::invalid(
                name,
                format!("{raw:?} is not an RFC 3339 time like 2026-12-07T18:45:00Z ({e})"),
            )
        },
    )
}

fn with_etag(status: StatusCode, snapshot: &Snapshot) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("application/json")
        .insert_header((header::ETAG, snapshot.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    response
}

/// Whether the client's copy is current: `If-None-Match` lists this ETag, `*`, or the ETag of a
/// later state of the match. Behind a load balancer the client may have polled a node that is a
/// moment ahead of this one; answering with this older state would take its page backwards.
fn client_has(req: &HttpRequest, snapshot: &Snapshot) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || snapshot.is_not_newer_than(tag.strip_prefix("W/").unwrap_or(tag)))
}
