//! Hashes of generated admin tokens.

use time::OffsetDateTime;

use super::tx::Tx;
use super::{unix_millis, Store, StoreError};

impl Store {
    /// Hex SHA-256 hashes of the stored admin tokens.
    pub async fn admin_token_hashes(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT hash FROM admin_tokens").fetch_all(&self.pool).await?)
    }

    /// Replaces the stored admin tokens by one.
    pub async fn replace_admin_token(&self, hash: &str) -> Result<(), StoreError> {
        let mut tx = Tx::begin(&self.pool).await?;
        sqlx::query("DELETE FROM admin_tokens").execute(tx.conn()).await?;
        sqlx::query("INSERT INTO admin_tokens (hash, created_at) VALUES ($1, $2)")
            .bind(hash)
            .bind(unix_millis(OffsetDateTime::now_utc()))
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
