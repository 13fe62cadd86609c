//! Where a request comes from (its source address), for the throttles that count per source
//! (failed sign-ins, the public progress query) and for the audit log.
//!
//! The source is the TCP peer, unless the peer is a trusted reverse proxy
//! ([`crate::WebConfig::trusted_proxies`], empty by default): then `X-Forwarded-For` is read
//! from right to left, skipping trusted addresses, and the first address that is not trusted is
//! the client. A caller can put anything in that header, but only the entries a trusted proxy
//! appended are believed; with no trusted proxy the header is ignored.
//!
//! [`layer`] resolves the source once per request and stores it as a [`Source`] extension,
//! which the extractors read ([`source_of`]).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The header a reverse proxy appends the address of its own peer to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// A block of addresses: one address, or a CIDR block (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a trusted proxy entry was refused (bilingual, for the configuration error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadNet {
    pub zh: String,
    pub en: String,
}

impl fmt::Display for BadNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl std::error::Error for BadNet {}

impl IpNet {
    /// The block of `addr` with `prefix` leading bits (at most 32 for IPv4, 128 for IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Option<IpNet> {
        let addr = addr.to_canonical();
        (prefix <= max_prefix(addr)).then_some(IpNet { addr, prefix })
    }

    /// Whether `ip` lies in the block (an IPv4 address written as IPv6, `::ffff:a.b.c.d`, is
    /// the IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(
                u128::from(n.to_bits()),
                u128::from(a.to_bits()),
                self.prefix,
                32,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                same_prefix(n.to_bits(), a.to_bits(), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Whether the first `prefix` of `width` bits of `a` and `b` agree.
fn same_prefix(a: u128, b: u128, prefix: u8, width: u32) -> bool {
    let host_bits = width - u32::from(prefix);
    host_bits >= width || (a ^ b) >> host_bits == 0
}

impl FromStr for IpNet {
    type Err = BadNet;

    /// `192.0.2.7`, `10.0.0.0/8`, `2001:db8::1`, `fd00::/8`. Bits after the prefix must be
    /// zero (`10.0.0.1/8` is refused: it usually means a typing mistake).
    fn from_str(s: &str) -> Result<IpNet, BadNet> {
        let s = s.trim();
        let bad = || BadNet {
            zh: format!("“{s}”不是IP地址或CIDR网段（如 10.0.0.1、10.0.0.0/8、fd00::/8）"),
            en: format!(
                "\"{s}\" is not an IP address or CIDR block (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)"
            ),
        };
        let (addr, prefix) = match s.split_once('/') {
            None => {
                let addr: IpAddr = s.parse().map_err(|_| bad())?;
                (addr, max_prefix(addr))
            }
            Some((a, p)) => {
                let addr: IpAddr = a.parse().map_err(|_| bad())?;
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let prefix: u8 = p.parse().map_err(|_| bad())?;
                (addr, prefix)
            }
        };
        let net = IpNet::new(addr, prefix).ok_or_else(bad)?;
        if net.network() != net.addr {
            return Err(BadNet {
                zh: format!(
                    "“{s}”的网段前缀之后还有非零位，应写作 {}",
                    IpNet {
                        addr: net.network(),
                        prefix
                    }
                ),
                en: format!(
                    "\"{s}\" has bits set after its prefix; write {}",
                    IpNet {
                        addr: net.network(),
                        prefix
                    }
                ),
            });
        }
        Ok(net)
    }
}

impl IpNet {
    /// The block's first address (the address with the bits after the prefix cleared).
    fn network(&self) -> IpAddr {
        let mask = |width: u32| -> u128 {
            let host_bits = width - u32::from(self.prefix);
            if host_bits >= 128 {
                0
            } else {
                (u128::MAX >> host_bits << host_bits) & (u128::MAX >> (128 - width))
            }
        };
        match self.addr {
            IpAddr::V4(a) => {
                let bits = u128::from(a.to_bits()) & mask(32);
                IpAddr::V4(std::net::Ipv4Addr::from_bits(bits as u32))
            }
            IpAddr::V6(a) => IpAddr::V6(std::net::Ipv6Addr::from_bits(a.to_bits() & mask(128))),
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(self.addr) {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// Whether `ip` is in one of `trusted`.
fn is_trusted(trusted: &[IpNet], ip: IpAddr) -> bool {
    trusted.iter().any(|n| n.contains(ip))
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) or in brackets.
fn forwarded_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            s.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
        .map(|ip: IpAddr| ip.to_canonical())
}

/// The client's address: `peer` itself unless it is trusted; then the `X-Forwarded-For`
/// entries (all the header's lines, in order) right to left, the first untrusted one. When
/// every entry is trusted, the leftmost; when an entry cannot be read, the last trusted
/// address before it (what the proxies vouch for ends there).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let mut client = peer.to_canonical();
    if !is_trusted(trusted, client) {
        return client;
    }
    let entries: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.iter().rev() {
        let Some(ip) = forwarded_entry(entry) else {
            break;
        };
        client = ip;
        if !is_trusted(trusted, ip) {
            break;
        }
    }
    client
}

/// The resolved source address of a request (empty when unknown, e.g. a request that did not
/// come over a socket).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source(pub String);

/// Resolves the request's [`Source`] once (see the module documentation).
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let source = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| client_address(c.0.ip(), req.headers(), &state.config.trusted_proxies))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    req.extensions_mut().insert(Source(source));
    next.run(req).await
}

/// The source address [`layer`] resolved (empty when unknown).
pub fn source_of(extensions: &Extensions) -> String {
    extensions
        .get::<Source>()
        .map(|s| s.0.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_are_parsed_and_matched() {
        let n = net("10.0.0.0/8");
        assert!(n.contains(ip("10.255.0.1")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "IPv4 written as IPv6");
        assert!(!n.contains(ip("fd00::1")));
        let one = net("192.0.2.7");
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        assert_eq!(one.to_string(), "192.0.2.7");
        let all = net("0.0.0.0/0");
        assert!(all.contains(ip("203.0.113.9")));
        assert!(!all.contains(ip("2001:db8::1")));
        let v6 = net("fd00::/8");
        assert!(v6.contains(ip("fdab::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert_eq!(v6.to_string(), "fd00::/8");
        assert!(net("::/0").contains(ip("2001:db8::1")));
        assert!(net("2001:db8::1/128").contains(ip("2001:db8::1")));
        assert!(!net("2001:db8::1/128").contains(ip("2001:db8::2")));
        assert!(net("172.16.0.0/12").contains(ip("172.31.255.255")));
        assert!(!net("172.16.0.0/12").contains(ip("172.32.0.0")));
        assert!(net("  127.0.0.1 ").contains(ip("127.0.0.1")));
    }

    #[test]
    fn bad_blocks_are_refused_with_a_reason() {
        for bad in [
            "",
            "10.0.0",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/0008",
            "/8",
            "proxy.example",
            "10.0.0.0/8/8",
        ] {
            let e = bad.parse::<IpNet>().unwrap_err();
            assert!(e.en.contains("not an IP address"), "{bad}: {e}");
            assert!(e.zh.contains("不是IP地址"), "{bad}: {e}");
        }
        let e = "10.0.0.1/8".parse::<IpNet>().unwrap_err();
        assert!(e.en.contains("write 10.0.0.0/8"), "{e}");
        let e = "fd00::1/8".parse::<IpNet>().unwrap_err();
        assert!(e.en.contains("write fd00::/8"), "{e}");
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        let proxies = [net("10.0.0.0/8")];
        let forged = xff(&["1.2.3.4"]);
        // No trusted proxy, or a peer that is not one: the header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &[]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), &forged, &proxies),
            ip("203.0.113.9")
        );
        // Behind the proxy: its appended entry is the client.
        assert_eq!(
            client_address(ip("10.0.0.2"), &forged, &proxies),
            ip("1.2.3.4")
        );
        // What the client put in front is not believed: right to left, the first untrusted.
        let chain = xff(&["6.6.6.6, 1.2.3.4", "10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &chain, &proxies),
            ip("1.2.3.4")
        );
        // A client claiming to be a trusted address cannot hide behind it either: it is
        // skipped, and the entry left of it is believed only because a proxy appended it.
        let all_trusted = xff(&["10.9.9.9, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &all_trusted, &proxies),
            ip("10.9.9.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &proxies),
            ip("10.0.0.2")
        );
        // An unreadable entry ends what the proxies vouch for.
        let garbage = xff(&["1.2.3.4, unknown, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &garbage, &proxies),
            ip("10.0.0.5")
        );
        // Ports and brackets, and IPv4 peers written as IPv6.
        let ported = xff(&["[2001:db8::7]:4711"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &ported, &proxies),
            ip("2001:db8::7")
        );
        let ported = xff(&["198.51.100.4:80"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &ported, &proxies),
            ip("198.51.100.4")
        );
        assert_eq!(
            client_address(ip("::ffff:203.0.113.9"), &HeaderMap::new(), &[]),
            ip("203.0.113.9")
        );
    }
}
