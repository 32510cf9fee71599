//! The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
//! complement sum, used by the IPv4 header, ICMP and UDP.

use std::net::Ipv4Addr;

/// Adds `data` as big-endian 16-bit words to `sum` (an odd last byte is
/// padded with zero). The result is unfolded; pass it to [`finish`].
pub fn add(mut sum: u32, data: &[u8]) -> u32 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([w[0], w[1]])));
        // Fold early so the u32 never overflows whatever the length.
        sum = (sum & 0xffff) + (sum >> 16);
    }
    if let [last] = words.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum
}

/// Folds the carries into 16 bits and complements: the value that goes in
/// a checksum field.
pub fn finish(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // Truncation is exact: the loop above left at most 16 bits.
    !(sum as u16)
}

/// The checksum of `data` alone.
pub fn internet(data: &[u8]) -> u16 {
    finish(add(0, data))
}

/// The sum of the IPv4 pseudo-header that UDP and TCP checksums cover.
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u32 {
    let mut sum = add(0, &src.octets());
    sum = add(sum, &dst.octets());
    sum = add(sum, &[0, protocol]);
    add(sum, &length.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_numeric_example() {
        // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2
        // (with the carry folded), so the checksum is its complement 220d.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet(&data), 0x220d);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(
            internet(&[0x12, 0x34, 0x56]),
            internet(&[0x12, 0x34, 0x56, 0x00])
        );
    }

    #[test]
    fn verifying_a_checksummed_block_gives_zero() {
        // The IPv4 header of Wikipedia's "IPv4 header checksum" example,
        // whose checksum field is b861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet(&hdr), 0);
        let mut zeroed = hdr;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(internet(&zeroed), 0xb861);
    }

    #[test]
    fn long_input_does_not_overflow() {
        let data = vec![0xff; 1 << 20];
        assert_eq!(internet(&data), 0);
    }
}
