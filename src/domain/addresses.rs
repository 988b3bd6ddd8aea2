//! An app's allowed addresses: IP addresses and CIDR ranges (IPv4 and IPv6) it may ask for tokens from.
//! Stored normalised, one per line; an empty list allows every address.

use std::net::IpAddr;

use ipnet::IpNet;

/// The most entries an app may list: enough for a few data centres, small enough to check per request.
pub const MAX_ALLOWED_ADDRESSES: usize = 50;

/// A checked list of addresses and ranges, each normalised (`10.0.0.0/8`, `2001:db8::/32`; a single
/// address without a prefix length).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedAddresses(Vec<IpNet>);

impl AllowedAddresses {
    /// Parses typed text: one entry per line (commas and blank lines also separate); every bad entry is
    /// named in the message. Duplicates are dropped, order kept.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::parse_entries(text.split(['\n', ',']))
    }

    /// Parses a list of entries (the API's and command line's form).
    pub fn parse_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut nets: Vec<IpNet> = Vec::new();
        let mut bad = Vec::new();
        for entry in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            match parse_entry(entry) {
                Some(net) if !nets.contains(&net) => nets.push(net),
                Some(_) => {}
                None => bad.push(entry),
            }
        }
        if let Some(first) = bad.first() {
            let shown: String = first.chars().take(60).collect();
            let more = match bad.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Err(format!(
                "\u{201c}{shown}\u{201d} is not an IP address or CIDR range (e.g. 203.0.113.7 or 2001:db8::/32){more}"
            ));
        }
        if nets.len() > MAX_ALLOWED_ADDRESSES {
            return Err(format!(
                "List at most {MAX_ALLOWED_ADDRESSES} addresses or ranges"
            ));
        }
        Ok(Self(nets))
    }

    /// Reads the stored text (written by `stored`); entries that do not parse are skipped.
    pub fn from_stored(text: &str) -> Self {
        Self(text.lines().filter_map(|l| parse_entry(l.trim())).collect())
    }

    /// The stored text: the normalised entries, one per line.
    pub fn stored(&self) -> String {
        self.entries().join("\n")
    }

    /// The normalised entries.
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(show).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when the list is empty or `addr` is in one of its entries; an IPv4-mapped IPv6 address
    /// (`::ffff:a.b.c.d`, a dual-stack socket's view of an IPv4 peer) counts as its IPv4 address.
    pub fn allows(&self, addr: Option<IpAddr>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let Some(addr) = addr else { return false };
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }
}

fn parse_entry(entry: &str) -> Option<IpNet> {
    let net = match entry.parse::<IpAddr>() {
        Ok(addr) => IpNet::from(addr.to_canonical()),
        Err(_) => {
            let net = entry.parse::<IpNet>().ok()?;
            // A mapped IPv4 range is written as the IPv4 range it means.
            match (net.addr(), net) {
                (IpAddr::V6(v6), IpNet::V6(n))
                    if v6.to_ipv4_mapped().is_some() && n.prefix_len() >= 96 =>
                {
                    let v4 = v6.to_ipv4_mapped()?;
                    IpNet::new(IpAddr::V4(v4), n.prefix_len() - 96).ok()?
                }
                _ => net,
            }
        }
    };
    // `10.1.2.3/8` means the range `10.0.0.0/8`.
    Some(net.trunc())
}

fn show(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn entries_are_normalised_and_deduplicated() {
        let list = AllowedAddresses::parse(
            " 10.1.2.3/8\n\n203.0.113.7/32, 2001:DB8::1/32\n10.0.0.0/8\n::ffff:192.0.2.1",
        )
        .unwrap();
        assert_eq!(
            list.entries(),
            ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "192.0.2.1"]
        );
        assert_eq!(AllowedAddresses::from_stored(&list.stored()), list);
        assert!(AllowedAddresses::parse(" \n ").unwrap().is_empty());
    }

    #[test]
    fn a_bad_entry_is_named() {
        let e = AllowedAddresses::parse("10.0.0.1\nexample.com\n10.0.0.0/33").unwrap_err();
        assert!(e.contains("example.com"), "{e}");
        assert!(e.contains("1 more"), "{e}");
        let many: Vec<String> = (0..=MAX_ALLOWED_ADDRESSES)
            .map(|i| format!("10.0.0.{i}"))
            .collect();
        assert!(AllowedAddresses::parse(&many.join("\n")).is_err());
    }

    #[test]
    fn ranges_hold_their_first_and_last_address_only() {
        let list = AllowedAddresses::parse("192.0.2.0/24\n2001:db8::/126").unwrap();
        assert!(list.allows(ip("192.0.2.0")));
        assert!(list.allows(ip("192.0.2.255")));
        assert!(!list.allows(ip("192.0.1.255")));
        assert!(!list.allows(ip("192.0.3.0")));
        assert!(list.allows(ip("2001:db8::3")));
        assert!(!list.allows(ip("2001:db8::4")));
        assert!(list.allows(ip("::ffff:192.0.2.9")));
        assert!(!list.allows(None));
        assert!(AllowedAddresses::default().allows(None));
    }
}
