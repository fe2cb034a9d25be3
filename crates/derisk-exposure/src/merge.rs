//! Records of one device seen in several inputs (an inventory, a scan, a
//! NetBox export) made one: a grouping by MAC address, else by IP address,
//! that keeps the first record and fills what it lacks from the others.

use std::collections::HashMap;

use crate::Asset;
use crate::category::categorise;

/// The MAC address as twelve lower-case hex digits, if it is one.
pub fn mac_key(mac: &str) -> Option<String> {
    let hex: String = mac
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 12).then_some(hex)
}

/// An IP address as a merging key: without a prefix length (NetBox
/// exports "10.0.0.1/24") and in its canonical spelling when it parses,
/// else as written.
pub fn ip_key(text: &str) -> Option<String> {
    let t = text.trim();
    let bare = t.split_once('/').map_or(t, |(a, _)| a).trim();
    if bare.is_empty() {
        return None;
    }
    Some(
        bare.parse::<std::net::IpAddr>()
            .map_or_else(|_| bare.to_owned(), |a| a.to_string()),
    )
}

/// Merges records of the same device (the same MAC address, else the same
/// IP address when neither record has a MAC) seen in several inputs: the
/// first record read stays, with the fields it lacks taken from the
/// others, and the maker named with the higher confidence. Returns the
/// devices and how many records were merged.
pub fn merge(assets: Vec<Asset>) -> (Vec<Asset>, usize) {
    let mut out: Vec<Asset> = Vec::with_capacity(assets.len());
    let mut by_mac: HashMap<String, usize> = HashMap::new();
    let mut by_ip: HashMap<String, usize> = HashMap::new();
    let mut merged = 0;
    for a in assets {
        let mac = a.mac.as_deref().and_then(mac_key);
        let ip = a.ip.as_deref().and_then(ip_key);
        let ip = ip.as_deref();
        let same = match (&mac, ip) {
            (Some(m), _) => by_mac.get(m).copied().or_else(|| {
                ip.and_then(|i| by_ip.get(i).copied())
                    .filter(|&j| out[j].mac.as_deref().and_then(mac_key).is_none())
            }),
            (None, Some(i)) => by_ip.get(i).copied(),
            (None, None) => None,
        };
        let Some(j) = same else {
            if let Some(m) = mac {
                by_mac.insert(m, out.len());
            }
            if let Some(i) = ip {
                by_ip.insert(i.to_owned(), out.len());
            }
            out.push(a);
            continue;
        };
        merged += 1;
        // What the merged record brings to the device is a key for the
        // records still to come.
        if let Some(m) = &mac {
            by_mac.entry(m.clone()).or_insert(j);
        }
        if let Some(i) = ip {
            by_ip.entry(i.to_owned()).or_insert(j);
        }
        let first = &mut out[j];
        first.also_seen.push(a.at.clone());
        let better = match (&first.maker, &a.maker) {
            (None, Some(_)) => true,
            (Some(x), Some(y)) => y.confidence > x.confidence,
            _ => false,
        };
        if better {
            first.maker = a.maker;
            first.relabelled = a.relabelled;
        }
        first.mac = first.mac.take().or(a.mac);
        first.ip = first.ip.take().or(a.ip);
        first.site = first.site.take().or(a.site);
        first.role = first.role.take().or(a.role);
        first.model = first.model.take().or(a.model);
        first.declared = first.declared.take().or(a.declared);
        first.value_eur = first.value_eur.or(a.value_eur);
        first.purchase = first.purchase.take().or(a.purchase);
        // The category from the merged role, model and maker.
        (first.category, first.series) = categorise(
            first.role.as_deref(),
            first.model.as_deref(),
            first.maker.as_ref().map(|m| m.family_name.as_str()),
        );
        if first.criticality == crate::Criticality::Unknown {
            first.criticality = a.criticality;
        }
        if let (Some(m), Some(mac)) = (first.maker.as_mut(), mac.as_ref()) {
            let seen = format!("the same device (MAC {mac}) was also seen in {}", a.at);
            if !m.evidence.contains(&seen) {
                m.evidence.push(seen);
            }
        }
    }
    (out, merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Criticality, Location};

    fn asset(file: &str, mac: Option<&str>, ip: Option<&str>, model: Option<&str>) -> Asset {
        Asset {
            id: file.to_owned(),
            at: Location {
                file: file.to_owned(),
                line: Some(2),
                offset: None,
            },
            mac: mac.map(str::to_owned),
            ip: ip.map(str::to_owned),
            also_seen: Vec::new(),
            site: None,
            role: None,
            category: Category::Other,
            series: None,
            criticality: Criticality::Unknown,
            value_eur: None,
            declared: None,
            model: model.map(str::to_owned),
            maker: None,
            relabelled: false,
            purchase: None,
        }
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(
            mac_key("44:19:B6:2A:10:07").as_deref(),
            Some("4419b62a1007")
        );
        assert_eq!(mac_key("4419.b62a.1007").as_deref(), Some("4419b62a1007"));
        assert_eq!(mac_key("44:19:b6"), None);
        assert_eq!(ip_key(" 10.0.0.1/24 ").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip_key("2001:DB8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(ip_key("cam-01.local").as_deref(), Some("cam-01.local"));
        assert_eq!(ip_key(" "), None);
    }

    #[test]
    fn one_device_in_three_inputs_is_one_asset() {
        let (merged, n) = merge(vec![
            asset(
                "inventory.csv",
                Some("44:19:b6:2a:10:07"),
                None,
                Some("DS-2CD2143G2-I"),
            ),
            asset(
                "scan.xml",
                Some("44-19-B6-2A-10-07"),
                Some("10.0.0.5"),
                None,
            ),
            asset("netbox.csv", None, Some("10.0.0.5/24"), None),
            asset("other.csv", None, Some("10.0.0.6"), None),
        ]);
        assert_eq!(n, 2);
        assert_eq!(merged.len(), 2);
        let first = &merged[0];
        assert_eq!(first.at.file, "inventory.csv");
        assert_eq!(first.ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(first.model.as_deref(), Some("DS-2CD2143G2-I"));
        let seen: Vec<&str> = first.also_seen.iter().map(|l| l.file.as_str()).collect();
        assert_eq!(seen, ["scan.xml", "netbox.csv"]);
        assert_eq!(merged[1].at.file, "other.csv");
    }

    #[test]
    fn two_macs_on_one_ip_stay_two_devices() {
        let (merged, n) = merge(vec![
            asset("a.csv", Some("44:19:b6:2a:10:07"), Some("10.0.0.5"), None),
            asset("b.csv", Some("c0:56:e3:00:10:01"), Some("10.0.0.5"), None),
        ]);
        assert_eq!((merged.len(), n), (2, 0));
    }
}
