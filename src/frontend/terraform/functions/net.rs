//! IP network functions: cidrsubnet, cidrhost, cidrnetmask, cidrsubnets, with Terraform's
//! semantics (hashicorp/terraform `internal/lang/funcs/cidr.go` over apparentlymart/go-cidr and
//! Terraform's `ipaddr` fork of Go's `net`, which reads `010.0.0.0` as decimal). Addresses are
//! 128-bit integers of width 32 (IPv4) or 128 (IPv6); results are written as Go writes them.

use super::{list_doc, number, str_doc, string, whole, Bad, R};
use crate::base::source::Loc;
use crate::ir::Doc;
use std::net::Ipv6Addr;

pub(super) fn apply(name: &str, a: &[Doc], loc: Loc) -> R {
    match (name, a) {
        ("cidrsubnet", [p, bits, num]) => {
            let net = Net::parse(&string(p)?)?;
            let bits = newbits(bits)?;
            let num = int(num)?;
            net.subnet(bits, num).map(|n| str_doc(n.to_string(), loc))
        }
        ("cidrhost", [p, num]) => {
            let net = Net::parse(&string(p)?)?;
            net.host(int(num)?).map(|ip| str_doc(net.ip_text(ip), loc))
        }
        ("cidrnetmask", [p]) => {
            let text = string(p)?;
            let net = Net::parse(&text)?;
            if net.width != 32 {
                return Err(Bad::Fault(format!(
                    "IPv6 addresses cannot have a netmask: {text}"
                )));
            }
            Ok(str_doc(net.ip_text(mask(net.len, 32)), loc))
        }
        ("cidrsubnets", [p, rest @ ..]) => {
            let net = Net::parse(&string(p)?)?;
            let mut lens = Vec::new();
            for d in rest {
                lens.push(newbits(d)?);
            }
            net.subnets(&lens).map(|ns| {
                list_doc(
                    ns.iter().map(|n| str_doc(n.to_string(), loc)).collect(),
                    loc,
                )
            })
        }
        _ => Err(Bad::NoSuch),
    }
}

/// A whole-number argument (go-cty converts it to a Go int or big.Int: a fraction is an error).
fn int(d: &Doc) -> Result<i128, Bad> {
    let s = string(d)?;
    if let Ok(i) = s.trim().parse::<i128>() {
        return Ok(i);
    }
    let f = whole(number(d)?, &s)?;
    if f.abs() > 1e30 {
        return Err(Bad::Fault(format!("{s} is out of range")));
    }
    Ok(f as i128)
}

/// A newbits argument: Terraform converts it to a Go `int` (64 bits), an error beyond that.
fn newbits(d: &Doc) -> Result<i128, Bad> {
    let n = int(d)?;
    if i64::try_from(n).is_err() {
        return Err(Bad::Fault(format!("{n} does not fit a 64-bit integer")));
    }
    Ok(n)
}

fn full(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// The host bits of a prefix of `len` bits.
fn hostmask(len: u32, width: u32) -> u128 {
    full(width.saturating_sub(len))
}

fn mask(len: u32, width: u32) -> u128 {
    full(width) & !hostmask(len, width)
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    ip: u128,
    len: u32,
    width: u32,
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.ip_text(self.ip), self.len)
    }
}

impl Net {
    /// `ipaddr.ParseCIDR`: the address masked to its prefix.
    fn parse(s: &str) -> Result<Net, Bad> {
        let bad = || {
            Bad::Fault(format!(
                "invalid CIDR expression: invalid CIDR address: {s}"
            ))
        };
        let (addr, len) = s.split_once('/').ok_or_else(bad)?;
        let (ip, width) = match parse_v4(addr) {
            Some(ip) => (ip, 32),
            None => (
                u128::from(addr.parse::<Ipv6Addr>().map_err(|_| bad())?),
                128,
            ),
        };
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let len: u32 = len.parse().map_err(|_| bad())?;
        if len > width {
            return Err(bad());
        }
        Ok(Net {
            ip: ip & mask(len, width),
            len,
            width,
        })
    }

    /// Go's `net.IP.String`: dotted IPv4; IPv6 as RFC 5952, an IPv4-mapped one dotted.
    fn ip_text(&self, ip: u128) -> String {
        if self.width == 32 {
            let b = (ip as u32).to_be_bytes();
            return format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
        }
        let v6 = Ipv6Addr::from(ip);
        match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        }
    }

    /// go-cidr `SubnetBig`.
    fn subnet(&self, bits: i128, num: i128) -> Result<Net, Bad> {
        if bits < 0 || num < 0 {
            return Err(Bad::Fault("a negative newbits or netnum".into()));
        }
        let new_len = i128::from(self.len).saturating_add(bits);
        if new_len > i128::from(self.width) {
            return Err(Bad::Fault(format!(
                "insufficient address space to extend prefix of {} by {bits}",
                self.len
            )));
        }
        let new_len = new_len as u32;
        // Go: uint64(1<<uint64(newBits)) - 1, which wraps to the largest uint64 from 64 bits.
        let max = if bits >= 64 {
            u128::from(u64::MAX)
        } else {
            (1u128 << bits) - 1
        };
        if num as u128 > max {
            return Err(Bad::Fault(format!(
                "prefix extension of {bits} does not accommodate a subnet numbered {num}"
            )));
        }
        let shift = self.width - new_len;
        let part = if shift >= 128 {
            0
        } else {
            (num as u128) << shift
        };
        Ok(Net {
            ip: (self.ip | part) & full(self.width),
            len: new_len,
            width: self.width,
        })
    }

    /// go-cidr `HostBig`: a negative number counts back from the last address (-1 is it).
    fn host(&self, num: i128) -> Result<u128, Bad> {
        let max = hostmask(self.len, self.width);
        let too_big = || {
            Bad::Fault(format!(
                "prefix of {} does not accommodate a host numbered {num}",
                self.len
            ))
        };
        let n = if num < 0 {
            let back = num.unsigned_abs() - 1;
            if back > max {
                return Err(too_big());
            }
            max - back
        } else {
            let n = num as u128;
            if n > max {
                return Err(too_big());
            }
            n
        };
        Ok(self.ip | n)
    }

    /// The last address of the network.
    fn last(&self) -> u128 {
        self.ip | hostmask(self.len, self.width)
    }

    /// `cidrsubnets`: consecutive subnets of the given extra prefix lengths, each aligned after
    /// the one before (go-cidr `PreviousSubnet`, then `NextSubnet`).
    fn subnets(&self, lens: &[i128]) -> Result<Vec<Net>, Bad> {
        let Some(first) = lens.first() else {
            return Ok(Vec::new());
        };
        let w = self.width;
        let first_len = i128::from(self.len)
            .saturating_add(*first)
            .clamp(0, i128::from(w)) as u32;
        let prev_ip = self.ip.wrapping_sub(1) & full(w);
        let mut current = Net {
            ip: prev_ip & mask(first_len, w),
            len: first_len,
            width: w,
        };
        let mut out = Vec::new();
        for &l in lens {
            if l < 1 {
                return Err(Bad::Fault("must extend prefix by at least one bit".into()));
            }
            if l > 32 {
                return Err(Bad::Fault(
                    "may not extend prefix by more than 32 bits".into(),
                ));
            }
            let len = i128::from(self.len).saturating_add(l);
            if len > i128::from(w) {
                let proto = if w == 32 { "IPv4" } else { "IPv6" };
                return Err(Bad::Fault(format!(
                    "would extend prefix to {len} bits, which is too long for an {proto} address"
                )));
            }
            let len = len as u32;
            let m = mask(len, w);
            let base = Net {
                ip: current.last() & m,
                len,
                width: w,
            };
            let after = base.last().wrapping_add(1) & full(w);
            let next = Net {
                ip: after & m,
                len,
                width: w,
            };
            let rollover = after == 0;
            if rollover || next.ip & mask(self.len, w) != self.ip {
                return Err(Bad::Fault(format!(
                    "not enough remaining address space for a subnet with a prefix of {len} \
                     bits after {current}"
                )));
            }
            current = next;
            out.push(next);
        }
        Ok(out)
    }
}

/// Terraform's `ipaddr` IPv4 syntax: four decimal fields of at most 255, leading zeros allowed.
fn parse_v4(s: &str) -> Option<u128> {
    let mut out: u32 = 0;
    let mut n = 0;
    for field in s.split('.') {
        if field.is_empty() || field.len() > 3 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = field.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        n += 1;
    }
    (n == 4).then_some(u128::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_cidr_cases() {
        let n = |s: &str| Net::parse(s).ok();
        let sub = |s: &str, b, x| {
            n(s).and_then(|n| n.subnet(b, x).ok())
                .map(|n| n.to_string())
        };
        // Terraform docs: cidrsubnet("172.16.0.0/12", 4, 2) = 172.18.0.0/16.
        assert_eq!(sub("172.16.0.0/12", 4, 2).as_deref(), Some("172.18.0.0/16"));
        assert_eq!(sub("10.1.2.0/24", 4, 15).as_deref(), Some("10.1.2.240/28"));
        assert_eq!(
            sub("fd00:fd12:3456:7890::/56", 16, 162).as_deref(),
            Some("fd00:fd12:3456:7800:a200::/72")
        );
        assert_eq!(sub("10.0.0.0/30", 4, 1), None);
        let subs = n("10.1.0.0/16")
            .and_then(|n| n.subnets(&[4, 4, 8, 4]).ok())
            .map(|v| v.iter().map(|n| n.to_string()).collect::<Vec<_>>());
        // Terraform docs example.
        assert_eq!(
            subs,
            Some(vec![
                "10.1.0.0/20".to_string(),
                "10.1.16.0/20".to_string(),
                "10.1.32.0/24".to_string(),
                "10.1.48.0/20".to_string(),
            ])
        );
    }
}
