//! Responses remembered for `Idempotency-Key` retries.

use time::OffsetDateTime;

use super::{multi_row_insert, unix_millis, EventTx, Store, StoreError, ROWS_PER_INSERT};
use crate::domain::MatchId;

/// A response given earlier to a request with the same key.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// SHA-256 of the canonical request body, hex.
    pub request_hash: String,
    /// The JSON body that was answered with 201.
    pub body: String,
}

impl EventTx {
    pub async fn find_response(
        &mut self,
        id: MatchId,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT request_hash, response FROM idempotency_keys WHERE match_id = $1 AND key = $2",
        )
        .bind(id.get())
        .bind(key)
        .fetch_optional(self.tx.conn())
        .await?;
        Ok(row.map(|(request_hash, body)| StoredResponse { request_hash, body }))
    }

    /// Keeps the answers given to requests with these keys: (match, key, answer).
    pub async fn remember_responses(
        &mut self,
        answers: &[(MatchId, String, StoredResponse)],
    ) -> Result<(), StoreError> {
        let now = unix_millis(OffsetDateTime::now_utc());
        for chunk in answers.chunks(ROWS_PER_INSERT) {
            let sql = multi_row_insert(
                "idempotency_keys (match_id, key, request_hash, response, created_at)",
                5,
                chunk.len(),
            );
            let mut query = sqlx::query(&sql);
            for (id, key, response) in chunk {
                query = query
                    .bind(id.get())
                    .bind(key.as_str())
                    .bind(response.request_hash.as_str())
                    .bind(response.body.as_str())
                    .bind(now);
            }
            query.execute(self.tx.conn()).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Forgets keys stored before `cutoff`; returns how many.
    pub async fn purge_responses(&self, cutoff: OffsetDateTime) -> Result<u64, StoreError> {
        let mut removed = 0;
        for table in ["idempotency_keys", "match_creations"] {
            let sql = format!("DELETE FROM {table} WHERE created_at < $1");
            let done = sqlx::query(&sql).bind(unix_millis(cutoff)).execute(&self.pool).await?;
            removed += done.rows_affected();
        }
        Ok(removed)
    }
}
