//! Admin authentication: bearer tokens, compared by hash in constant time.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::problem::ApiError;
use crate::store::{Store, StoreError};

/// Random bytes in a generated token: 256 bits, beyond any guessing.
const GENERATED_TOKEN_BYTES: usize = 32;

/// The SHA-256 hashes of every token that may use the admin API.
#[derive(Clone)]
pub struct AdminTokens {
    hashes: Vec<[u8; 32]>,
}

/// What `AdminTokens::establish` did.
pub struct Established {
    pub tokens: AdminTokens,
    /// A token generated at this start, to be shown to the operator once.
    pub generated: Option<String>,
}

impl AdminTokens {
    /// Uses the configured tokens; without any, the token stored at an earlier start; without that,
    /// a new random token whose hash is stored so that restarts accept it too.
    pub async fn establish(
        configured: &[String],
        store: &Store,
        rotate: bool,
    ) -> Result<Established, StoreError> {
        let configured: Vec<&String> = configured.iter().filter(|t| !t.trim().is_empty()).collect();
        if !configured.is_empty() {
            let hashes = configured.iter().map(|t| hash(t.trim())).collect();
            return Ok(Established { tokens: Self { hashes }, generated: None });
        }
        let stored: Vec<[u8; 32]> = store
            .admin_token_hashes()
            .await?
            .iter()
            .filter_map(|h| hex::decode(h).ok()?.try_into().ok())
            .collect();
        if !stored.is_empty() && !rotate {
            return Ok(Established { tokens: Self { hashes: stored }, generated: None });
        }
        let token = generate();
        let hashed = hash(&token);
        store.replace_admin_token(&hex::encode(hashed)).await?;
        Ok(Established { tokens: Self { hashes: vec![hashed] }, generated: Some(token) })
    }

    /// Whether `token` is one of ours. Every stored hash is compared, in constant time each, so the
    /// answer's timing does not depend on which token matched or how much of it.
    pub fn accepts(&self, token: &str) -> bool {
        let presented = hash(token);
        self.hashes
            .iter()
            .fold(subtle::Choice::from(0), |found, h| found | h.ct_eq(&presented))
            .into()
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn generate() -> String {
    let bytes: [u8; GENERATED_TOKEN_BYTES] = rand::rng().random();
    format!("sc_{}", hex::encode(bytes))
}

/// Proof that a request carries a valid admin token; take it as a handler argument.
pub struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check(req))
    }
}

fn check(req: &HttpRequest) -> Result<Admin, ApiError> {
    let tokens = req
        .app_data::<web::Data<AdminTokens>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("admin tokens not configured")))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized(
            "this endpoint needs an admin token: send `Authorization: Bearer <token>`".into(),
        )
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    if tokens.accepts(token) {
        Ok(Admin)
    } else {
        Err(ApiError::Unauthorized("the admin token is not valid".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_tokens_are_accepted() {
        let tokens = AdminTokens { hashes: vec![hash("alpha"), hash("beta")] };
        assert!(tokens.accepts("alpha"));
        assert!(tokens.accepts("beta"));
        assert!(!tokens.accepts("alph"));
        assert!(!tokens.accepts(""));
    }

    #[test]
    fn generated_tokens_are_long_and_distinct() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 2 * GENERATED_TOKEN_BYTES);
    }
}
