//! NAT discovery hashes (RFC 3947 §3.2).

use std::net::IpAddr;

use super::prf::HashAlg;
use super::secret::PrfOutput;

/// The NAT-D payload body: `HASH(CKY-I | CKY-R | IP | Port)` with the
/// negotiated phase-1 hash (not the PRF), IP as 4 or 16 network-order bytes,
/// port as 2 network-order bytes.
///
/// A sender puts first the hash of the peer's address and port as it sends
/// to them (destination), then one for each of its own addresses (source).
/// A receiver recomputes both from the packet's addresses: a mismatch on the
/// destination hash means this side is behind a NAT, on the source hash that
/// the peer is. The draft versions of NAT-T (02, 03) use the same hash.
#[must_use]
pub fn nat_d_hash(
    hash: HashAlg,
    cky_i: &[u8; 8],
    cky_r: &[u8; 8],
    ip: IpAddr,
    port: u16,
) -> PrfOutput {
    let port = port.to_be_bytes();
    match ip {
        IpAddr::V4(v4) => hash.hash(&[cky_i, cky_r, &v4.octets(), &port]),
        IpAddr::V6(v6) => hash.hash(&[cky_i, cky_r, &v6.octets(), &port]),
    }
}
