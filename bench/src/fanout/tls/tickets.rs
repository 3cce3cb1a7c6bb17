//! The storm clients' session store: what one round's connections were given to resume with in
//! the next, one entry per client name.
//!
//! Not rustls's `ClientSessionMemoryCache`: that one (0.23.46) remembers `size / 8` servers, not
//! `size`, and evicts the oldest. The storm's clients connect as `c0`…`cN` in the same order every
//! round, so with fewer entries than names each full handshake of the next round evicts exactly
//! the name that comes next, and not one connection resumes (the 0 of 2,000 in the reports of
//! 2026-12-02T06:16 and 06:19). This store is bounded by names and never evicts: a name past the
//! bound is not remembered at all, which the round then reports as a full handshake.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use rustls::client::{
    ClientSessionStore, Resumption, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::{ClientConfig, NamedGroup};
use rustls_pki_types::ServerName;

use crate::common::tls::client_config;

/// TLS 1.3 tickets kept per name: scorecast sends one per session and rustls servers two by
/// default; a reconnect takes one.
const TICKETS_PER_NAME: usize = 2;

/// A client configuration trusting `ca_pem` that keeps the sessions of up to `names` server
/// names in a `TicketStore`, for every connection made with it.
pub(super) fn resuming_config(ca_pem: &str, names: usize) -> anyhow::Result<Arc<ClientConfig>> {
    let mut config = ClientConfig::clone(&*client_config(ca_pem, 0)?);
    config.resumption = Resumption::store(Arc::new(TicketStore::new(names)));
    Ok(Arc::new(config))
}

#[derive(Default)]
struct Entry {
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: VecDeque<Tls13ClientSessionValue>,
}

/// Sessions of at most `names` server names, each kept until it is used or replaced.
pub(super) struct TicketStore {
    names: usize,
    entries: Mutex<HashMap<ServerName<'static>, Entry>>,
}

impl TicketStore {
    pub(super) fn new(names: usize) -> Self {
        Self { names, entries: Mutex::new(HashMap::with_capacity(names)) }
    }

    /// Changes the entry of `name`, made if there is room for one more name.
    fn edit(&self, name: ServerName<'static>, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() < self.names || entries.contains_key(&name) {
            change(entries.entry(name).or_default());
        }
    }

    fn read<T>(
        &self,
        name: &ServerName<'static>,
        look: impl FnOnce(&mut Entry) -> Option<T>,
    ) -> Option<T> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get_mut(name).and_then(look)
    }
}

impl std::fmt::Debug for TicketStore {
    // The tickets are key material: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketStore").field("names", &self.names).finish_non_exhaustive()
    }
}

impl ClientSessionStore for TicketStore {
    fn set_kx_hint(&self, name: ServerName<'static>, group: NamedGroup) {
        self.edit(name, |e| e.kx_hint = Some(group));
    }

    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.read(&name.to_owned(), |e| e.kx_hint)
    }

    fn set_tls12_session(&self, name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.edit(name, |e| e.tls12 = Some(value));
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.read(&name.to_owned(), |e| e.tls12.clone())
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.read(name, |e| e.tls12.take());
    }

    fn insert_tls13_ticket(&self, name: ServerName<'static>, value: Tls13ClientSessionValue) {
        self.edit(name, |e| {
            if e.tls13.len() == TICKETS_PER_NAME {
                e.tls13.pop_front();
            }
            e.tls13.push_back(value);
        });
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        // The newest: the one least likely to have expired.
        self.read(name, |e| e.tls13.pop_back())
    }
}

#[cfg(test)]
mod tests {
    use rustls::client::ClientSessionMemoryCache;
    use rustls::{
        ClientConnection, ConnectionCommon, HandshakeKind, ServerConfig, ServerConnection,
    };
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    use super::*;

    /// A server that sends one stateless ticket per session, as scorecast's does, and the
    /// authority (its own certificate) a client must trust.
    fn server() -> (Arc<ServerConfig>, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["*.bench.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        config.ticketer = rustls::crypto::ring::Ticketer::new().unwrap();
        config.send_tls13_tickets = 1;
        (Arc::new(config), cert.pem())
    }

    /// A handshake in memory, and the server's flight after it (the ticket) read by the client;
    /// how the handshake went, from the client's side.
    fn connect(
        client: &Arc<ClientConfig>,
        server: &Arc<ServerConfig>,
        name: &str,
    ) -> HandshakeKind {
        let name = ServerName::try_from(name.to_owned()).unwrap();
        let mut client = ClientConnection::new(client.clone(), name).unwrap();
        let mut server = ServerConnection::new(server.clone()).unwrap();
        for _ in 0..4 {
            send(&mut client, &mut server);
            send(&mut server, &mut client);
        }
        assert!(!client.is_handshaking() && !server.is_handshaking());
        assert_eq!(client.tls13_tickets_received(), 1, "the ticket reached the client");
        client.handshake_kind().unwrap()
    }

    /// What `from` has to send, read by `to` (nothing read when there is nothing: an empty read
    /// would tell rustls the peer is gone).
    fn send<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) {
        let mut wire = Vec::new();
        while from.wants_write() {
            from.write_tls(&mut wire).unwrap();
        }
        if !wire.is_empty() {
            to.read_tls(&mut &wire[..]).unwrap();
            to.process_new_packets().unwrap();
        }
    }

    /// Two rounds over `names` names in the same order; how many of the second round resumed.
    fn second_round_resumed(
        client: &Arc<ClientConfig>,
        server: &Arc<ServerConfig>,
        names: usize,
    ) -> usize {
        let round = || {
            (0..names)
                .filter(|i| {
                    connect(client, server, &format!("c{i}.bench.test")) == HandshakeKind::Resumed
                })
                .count()
        };
        assert_eq!(round(), 0, "a first round has nothing to resume");
        round()
    }

    #[test]
    fn every_client_of_a_second_round_resumes_its_session() {
        let (server, ca) = server();
        let client = resuming_config(&ca, 40).unwrap();
        assert_eq!(second_round_resumed(&client, &server, 40), 40);
    }

    #[test]
    fn a_name_past_the_bound_does_a_full_handshake_and_evicts_no_other() {
        let (server, ca) = server();
        let client = resuming_config(&ca, 30).unwrap();
        assert_eq!(second_round_resumed(&client, &server, 40), 30);
    }

    /// Why the storm has a store of its own: rustls's cache, sized as the storm sized it (two
    /// per client), resumes none of the second round.
    #[test]
    fn the_rustls_memory_cache_sized_per_ticket_resumes_nobody_in_a_storm() {
        let (server, ca) = server();
        let mut config = ClientConfig::clone(&client_config(&ca, 0).unwrap());
        config.resumption = Resumption::store(Arc::new(ClientSessionMemoryCache::new(80)));
        assert_eq!(second_round_resumed(&Arc::new(config), &server, 40), 0);
    }
}
