//! The record protection a session goes on with: the crypto provider's encrypter and decrypter,
//! built from the traffic keys rustls negotiated.

use std::io;

use rustls::crypto::cipher::{AeadKey, Iv, MessageDecrypter, MessageEncrypter};
use rustls::{ConnectionTrafficSecrets, SupportedCipherSuite};

use super::invalid;

/// What seals, what opens, and how many records one key may seal.
pub(super) type Protection = (Box<dyn MessageEncrypter>, Box<dyn MessageDecrypter>, u64);

/// The record protection of both directions, from the keys rustls negotiated.
pub(super) fn protection(
    suite: SupportedCipherSuite,
    tx: ConnectionTrafficSecrets,
    rx: ConnectionTrafficSecrets,
) -> io::Result<Protection> {
    match suite {
        SupportedCipherSuite::Tls13(suite) => {
            let (tx_key, tx_iv) = key_and_iv(tx)?;
            let (rx_key, rx_iv) = key_and_iv(rx)?;
            Ok((
                suite.aead_alg.encrypter(tx_key, tx_iv),
                suite.aead_alg.decrypter(rx_key, rx_iv),
                suite.common.confidentiality_limit,
            ))
        }
        SupportedCipherSuite::Tls12(suite) => {
            // TLS 1.2 AES-GCM: a 4-byte salt, then the explicit nonce's start; ChaCha20: one IV.
            let chacha = matches!(tx, ConnectionTrafficSecrets::Chacha20Poly1305 { .. });
            let salt = if chacha { 12 } else { 4 };
            let (tx_key, tx_iv) = key_and_iv(tx)?;
            let (rx_key, rx_iv) = key_and_iv(rx)?;
            let (tx_salt, explicit) = tx_iv.as_ref().split_at(salt);
            Ok((
                suite.aead_alg.encrypter(tx_key, tx_salt, explicit),
                suite.aead_alg.decrypter(rx_key, &rx_iv.as_ref()[..salt]),
                suite.common.confidentiality_limit,
            ))
        }
    }
}

fn key_and_iv(secrets: ConnectionTrafficSecrets) -> io::Result<(AeadKey, Iv)> {
    match secrets {
        ConnectionTrafficSecrets::Aes128Gcm { key, iv }
        | ConnectionTrafficSecrets::Aes256Gcm { key, iv }
        | ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => Ok((key, iv)),
        _ => Err(invalid("a cipher suite this session cannot carry on")),
    }
}
