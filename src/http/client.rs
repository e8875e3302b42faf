//! The client's address, also behind a reverse proxy: every limiter (chat rate, notice lookups, agent
//! logins) counts per client with it. A forwarding header is believed only when the TCP peer is a trusted
//! proxy, and then read from the right: each proxy appends the address it received the request from, so
//! the rightmost entry that is not a trusted proxy is the client. The leftmost entries are whatever the
//! client wrote and are never taken.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;
use super::error::ApiError;

/// How client addresses are found.
#[derive(Debug, Clone, Default)]
pub struct ClientAddresses {
    /// The forwarding header (lower case), if the server runs behind a proxy.
    header: Option<String>,
    /// The proxies whose header is believed.
    trusted: Vec<IpNet>,
}

impl ClientAddresses {
    /// Reads `header` (e.g. `x-forwarded-for`) from the `trusted` proxies (addresses or CIDR ranges);
    /// an empty list trusts the loopback addresses (a proxy on the same machine).
    pub fn new(header: Option<&str>, trusted: &[String]) -> Result<ClientAddresses, String> {
        let mut nets = Vec::with_capacity(trusted.len());
        for entry in trusted {
            let net = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("'{entry}' is neither an IP address nor a CIDR range (10.0.0.0/8)")
                })?;
            nets.push(net);
        }
        if nets.is_empty() {
            nets = vec![
                "127.0.0.0/8".parse().expect("a CIDR range"),
                "::1/128".parse().expect("a CIDR range"),
            ];
        }
        Ok(ClientAddresses {
            header: header
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            trusted: nets,
        })
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.trusted.iter().any(|net| net.contains(&address))
    }

    /// The client behind the request: the peer itself, or, when the peer is a trusted proxy, the
    /// rightmost untrusted address of the forwarding header.
    pub fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let peer = peer.map(|p| canonical(p.ip()));
        let Some(name) = &self.header else {
            return peer;
        };
        if !peer.is_some_and(|p| self.is_trusted(p)) {
            return peer;
        }
        let entries: Vec<&str> = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in entries.into_iter().rev() {
            let Some(address) = parse_entry(entry) else {
                // A garbled entry: nothing left of it can be believed.
                return peer;
            };
            if !self.is_trusted(address) {
                return Some(address);
            }
        }
        peer
    }
}

/// An address as a forwarding header writes it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    entry.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// IPv4 addresses mapped into IPv6 count as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address as an extractor (`unknown` where there is none, as in tests without a socket).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr(
            state
                .client_addresses
                .client(&parts.headers, peer)
                .map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    fn peer(address: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(address.parse().unwrap(), 40000))
    }

    #[test]
    fn without_a_header_setting_the_peer_is_the_client() {
        let resolver = ClientAddresses::new(None, &[]).unwrap();
        assert_eq!(
            resolver.client(&headers("9.9.9.9"), peer("127.0.0.1")),
            Some("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn the_proxy_appended_entry_counts_not_what_the_client_wrote() {
        let resolver = ClientAddresses::new(Some("X-Forwarded-For"), &[]).unwrap();
        // The client wrote "1.1.1.1" itself; the proxy on loopback appended the real address.
        assert_eq!(
            resolver.client(&headers("1.1.1.1, 203.0.113.7"), peer("127.0.0.1")),
            Some("203.0.113.7".parse().unwrap())
        );
        // Trusted hops are skipped from the right.
        let chain = ClientAddresses::new(
            Some("x-forwarded-for"),
            &["10.0.0.0/8".to_string(), "127.0.0.1".to_string()],
        )
        .unwrap();
        assert_eq!(
            chain.client(
                &headers("1.1.1.1, 198.51.100.2, 10.1.2.3"),
                peer("127.0.0.1")
            ),
            Some("198.51.100.2".parse().unwrap())
        );
    }

    #[test]
    fn a_peer_that_is_no_trusted_proxy_cannot_speak_for_others() {
        let resolver = ClientAddresses::new(Some("x-forwarded-for"), &[]).unwrap();
        assert_eq!(
            resolver.client(&headers("203.0.113.7"), peer("198.51.100.9")),
            Some("198.51.100.9".parse().unwrap())
        );
    }

    #[test]
    fn garbled_or_missing_entries_fall_back_to_the_peer() {
        let resolver = ClientAddresses::new(Some("x-forwarded-for"), &[]).unwrap();
        assert_eq!(
            resolver.client(&headers("unknown"), peer("127.0.0.1")),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            resolver.client(&HeaderMap::new(), peer("127.0.0.1")),
            Some("127.0.0.1".parse().unwrap())
        );
        assert!(ClientAddresses::new(Some("x-forwarded-for"), &["nonsense".into()]).is_err());
    }
}
