//! Diffie-Hellman over the MODP groups of RFC 2409 and RFC 3526 with a
//! constant-time modular exponentiation (crypto-bigint `BoxedMontyForm`).
//! Our own public value g^x comes from a per-group table of generator
//! powers (`fixed_base`), about 3.6 times fewer instructions than the
//! generic exponentiation at the default exponent sizes; the shared secret
//! (a base only known per exchange) takes the generic path.

use core::cmp::Ordering;
use core::fmt;
use std::sync::OnceLock;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams, FixedMontyParams};
use crypto_bigint::{BoxedUint, Resize};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::CryptoError;
use super::fixed_base::FixedBaseTable;
use super::fixed_width;
use super::modp;
use super::secret::SecretBytes;

/// A MODP Diffie-Hellman group (Oakley attribute class 4, GROUP DESCRIPTION;
/// also the Quick Mode GROUP DESCRIPTION for PFS). The generator is 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DhGroup {
    /// Group 1, 768-bit MODP (RFC 2409 §6.1). Weak; accepted for old peers only.
    Modp768,
    /// Group 2, 1024-bit MODP (RFC 2409 §6.2).
    Modp1024,
    /// Group 5, 1536-bit MODP (RFC 3526 §2).
    Modp1536,
    /// Group 14, 2048-bit MODP (RFC 3526 §3).
    Modp2048,
    /// Group 15, 3072-bit MODP (RFC 3526 §4).
    Modp3072,
    /// Group 16, 4096-bit MODP (RFC 3526 §5).
    Modp4096,
    /// Group 17, 6144-bit MODP (RFC 3526 §6).
    Modp6144,
    /// Group 18, 8192-bit MODP (RFC 3526 §7).
    Modp8192,
}

impl DhGroup {
    /// Every supported group.
    pub const ALL: [DhGroup; 8] = [
        DhGroup::Modp768,
        DhGroup::Modp1024,
        DhGroup::Modp1536,
        DhGroup::Modp2048,
        DhGroup::Modp3072,
        DhGroup::Modp4096,
        DhGroup::Modp6144,
        DhGroup::Modp8192,
    ];

    /// From the GROUP DESCRIPTION value (1, 2, 5, 14-18); `None` otherwise
    /// (EC2N groups 3/4 and ECP groups are not supported).
    #[must_use]
    pub fn from_wire(value: u16) -> Option<Self> {
        match value {
            1 => Some(Self::Modp768),
            2 => Some(Self::Modp1024),
            5 => Some(Self::Modp1536),
            14 => Some(Self::Modp2048),
            15 => Some(Self::Modp3072),
            16 => Some(Self::Modp4096),
            17 => Some(Self::Modp6144),
            18 => Some(Self::Modp8192),
            _ => None,
        }
    }

    /// The GROUP DESCRIPTION value.
    #[must_use]
    pub fn wire_id(self) -> u16 {
        match self {
            Self::Modp768 => 1,
            Self::Modp1024 => 2,
            Self::Modp1536 => 5,
            Self::Modp2048 => 14,
            Self::Modp3072 => 15,
            Self::Modp4096 => 16,
            Self::Modp6144 => 17,
            Self::Modp8192 => 18,
        }
    }

    /// The prime p, big-endian, `modulus_len()` bytes.
    #[must_use]
    pub fn prime(self) -> &'static [u8] {
        match self {
            Self::Modp768 => &modp::MODP_768,
            Self::Modp1024 => &modp::MODP_1024,
            Self::Modp1536 => &modp::MODP_1536,
            Self::Modp2048 => &modp::MODP_2048,
            Self::Modp3072 => &modp::MODP_3072,
            Self::Modp4096 => &modp::MODP_4096,
            Self::Modp6144 => &modp::MODP_6144,
            Self::Modp8192 => &modp::MODP_8192,
        }
    }

    /// The generator (2 for every MODP group).
    #[must_use]
    pub fn generator(self) -> u8 {
        2
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(self) -> u32 {
        match self {
            Self::Modp768 => 768,
            Self::Modp1024 => 1024,
            Self::Modp1536 => 1536,
            Self::Modp2048 => 2048,
            Self::Modp3072 => 3072,
            Self::Modp4096 => 4096,
            Self::Modp6144 => 6144,
            Self::Modp8192 => 8192,
        }
    }

    /// Length in bytes of the modulus, of a public value (KE payload body) and
    /// of the shared secret.
    #[must_use]
    pub fn modulus_len(self) -> usize {
        // bits is a multiple of 8 and at most 8192.
        (self.bits() / 8) as usize
    }

    /// The default private exponent size in bits: at least twice the group's
    /// security strength ("strength estimate 1" of RFC 3526 §8, whose
    /// exponent column is twice it), rounded up to whole 64-bit words:
    /// 256 bits for groups 1, 2, 5 and 14, 320 / 384 / 448 / 512 for groups
    /// 15 / 16 / 17 / 18.
    #[must_use]
    pub fn default_exponent_bits(self) -> u32 {
        match self {
            Self::Modp768 | Self::Modp1024 | Self::Modp1536 | Self::Modp2048 => 256,
            Self::Modp3072 => 320,
            Self::Modp4096 => 384,
            Self::Modp6144 => 448,
            Self::Modp8192 => 512,
        }
    }

    /// Checks a peer's public value: exactly `modulus_len()` bytes and
    /// `1 < y < p - 1` (rejects 0, 1, p-1 and anything not reduced, which
    /// leaves no element of order 1 or 2 in these safe-prime groups).
    ///
    /// # Errors
    /// [`CryptoError::InvalidDhPublicLength`] or [`CryptoError::InvalidDhPublicValue`].
    pub fn validate_public(self, y: &[u8]) -> Result<(), CryptoError> {
        if y.len() != self.modulus_len() {
            return Err(CryptoError::InvalidDhPublicLength {
                expected: self.modulus_len(),
                got: y.len(),
            });
        }
        // The value is public: a plain byte comparison is fine.
        // y > 1: some byte before the last is non-zero, or the last is > 1.
        let (last, head) = match y.split_last() {
            Some(x) => x,
            None => return Err(CryptoError::InvalidDhPublicValue),
        };
        if head.iter().all(|&b| b == 0) && *last <= 1 {
            return Err(CryptoError::InvalidDhPublicValue);
        }
        // y < p - 1: p is odd, so p - 1 is p with the last bit cleared; with
        // equal lengths, big-endian byte order is numeric order.
        let p = self.prime();
        let (p_last, p_head) = match p.split_last() {
            Some(x) => x,
            None => return Err(CryptoError::InvalidDhPublicValue),
        };
        let ordering = head.cmp(p_head).then(last.cmp(&(p_last & 0xfe)));
        if ordering != Ordering::Less {
            return Err(CryptoError::InvalidDhPublicValue);
        }
        Ok(())
    }

    fn index(self) -> usize {
        match self {
            Self::Modp768 => 0,
            Self::Modp1024 => 1,
            Self::Modp1536 => 2,
            Self::Modp2048 => 3,
            Self::Modp3072 => 4,
            Self::Modp4096 => 5,
            Self::Modp6144 => 6,
            Self::Modp8192 => 7,
        }
    }

    /// The Montgomery parameters, computed once per group and process.
    /// Only values derived from the constant primes live here, never
    /// anything an input can influence, so the crate keeps no observable
    /// global state; recomputing them per exchange would cost a modular
    /// inversion and a squaring of R each time.
    pub(super) fn params(self) -> &'static BoxedMontyParams {
        static PARAMS: [OnceLock<BoxedMontyParams>; 8] = [const { OnceLock::new() }; 8];
        PARAMS[self.index()].get_or_init(|| {
            let p = BoxedUint::from_be_slice_vartime(self.prime()).resize(self.bits());
            // A constant: every MODP prime is odd.
            #[allow(clippy::expect_used)]
            let odd = p.into_odd().into_option().expect("MODP primes are odd");
            BoxedMontyParams::new_vartime(odd)
        })
    }

    /// The table of generator powers for our own public values, built once
    /// per group and process on first use, for exponents up to
    /// [`Self::default_exponent_bits`] (larger ones take the variable-base
    /// path). Memory: `bits/4 × 16` residues, 256 KiB for group 14 and
    /// 128 KiB for group 2.
    pub(super) fn fixed_base(self) -> &'static FixedBaseTable {
        static TABLES: [OnceLock<FixedBaseTable>; 8] = [const { OnceLock::new() }; 8];
        TABLES[self.index()].get_or_init(|| {
            let g = BoxedUint::from(self.generator()).resize(self.bits());
            FixedBaseTable::new(
                &BoxedMontyForm::new(g, self.params()),
                self.default_exponent_bits(),
            )
        })
    }

    /// `g^exponent mod p`: from the fixed-base table when the exponent's
    /// bound is within it, else as any other base. Constant-time in the
    /// exponent either way.
    fn pow_generator(self, exponent: &BoxedUint, exponent_bits: u32) -> BoxedUint {
        if exponent_bits <= self.default_exponent_bits() {
            return self.fixed_base().pow(exponent, exponent_bits);
        }
        let g = BoxedUint::from(self.generator());
        self.pow(&g, exponent, exponent_bits)
    }

    /// `base^exponent mod p`, constant-time in the exponent (only its bound
    /// `exponent_bits`, a public size, shapes the running time).
    fn pow(self, base: &BoxedUint, exponent: &BoxedUint, exponent_bits: u32) -> BoxedUint {
        // Groups 1 and 2 on the fixed-width form (fewer instructions there,
        // see `fixed_width`); the rest on the boxed one.
        static P768: OnceLock<Option<FixedMontyParams<12>>> = OnceLock::new();
        static P1024: OnceLock<Option<FixedMontyParams<16>>> = OnceLock::new();
        let fixed = |exponent_bits: u32| {
            exponent.bits_precision() <= self.bits() && exponent_bits <= self.bits()
        };
        match self {
            Self::Modp768 if fixed(exponent_bits) => {
                if let Some(p) = P768.get_or_init(|| fixed_width::params(self.prime())) {
                    return fixed_width::pow(p, base, exponent, exponent_bits);
                }
            }
            Self::Modp1024 if fixed(exponent_bits) => {
                if let Some(p) = P1024.get_or_init(|| fixed_width::params(self.prime())) {
                    return fixed_width::pow(p, base, exponent, exponent_bits);
                }
            }
            _ => {}
        }
        let params = self.params();
        let b = BoxedMontyForm::new(base.clone().resize(self.bits()), params);
        let mut r = b.pow_bounded_exp(exponent, exponent_bits);
        let out = r.retrieve();
        r.zeroize();
        out
    }
}

/// Big-endian bytes of `v`, left-padded (or cut) to `len`.
fn to_fixed_be(v: &BoxedUint, len: usize) -> Zeroizing<Vec<u8>> {
    let bytes = Zeroizing::new(v.to_be_bytes().into_vec());
    let mut out = Zeroizing::new(vec![0u8; len]);
    if bytes.len() >= len {
        out.copy_from_slice(&bytes[bytes.len() - len..]);
    } else {
        out[len - bytes.len()..].copy_from_slice(&bytes);
    }
    out
}

/// How long a private exponent to draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExponentSize {
    /// [`DhGroup::default_exponent_bits`]: twice the security strength.
    #[default]
    Recommended,
    /// One bit less than the modulus: uniform over `[2, 2^(n-1))`, all below p.
    Full,
    /// Exactly this many random bits (at least 128, at most the modulus
    /// length less one; values outside are clamped).
    Bits(u32),
}

/// A Diffie-Hellman key pair: the private exponent x and the public value
/// g^x mod p.
///
/// The exponent is wiped on drop and never shown by `Debug`.
pub struct DhKeyPair {
    group: DhGroup,
    exponent: BoxedUint,
    exponent_bits: u32,
    public: Vec<u8>,
}

impl DhKeyPair {
    /// Draws a private exponent of the recommended size from `rng` and
    /// computes the public value.
    pub fn generate<R: CryptoRng + ?Sized>(group: DhGroup, rng: &mut R) -> Self {
        Self::generate_with_size(group, ExponentSize::Recommended, rng)
    }

    /// Draws a private exponent of the given size from `rng` and computes the
    /// public value. The exponent is redrawn in the (negligible) case it is
    /// below 2.
    pub fn generate_with_size<R: CryptoRng + ?Sized>(
        group: DhGroup,
        size: ExponentSize,
        rng: &mut R,
    ) -> Self {
        let max_bits = group.bits() - 1;
        let bits = match size {
            ExponentSize::Recommended => group.default_exponent_bits(),
            ExponentSize::Full => max_bits,
            ExponentSize::Bits(b) => b.clamp(128, max_bits),
        };
        let nbytes = bits.div_ceil(8) as usize;
        let excess = (nbytes as u32) * 8 - bits;
        let mut buf = Zeroizing::new(vec![0u8; nbytes]);
        loop {
            rng.fill_bytes(&mut buf);
            if let Some(first) = buf.first_mut() {
                *first &= 0xff >> excess;
            }
            let (last, head) = match buf.split_last() {
                Some(x) => x,
                None => continue,
            };
            if head.iter().any(|&b| b != 0) || *last >= 2 {
                break;
            }
        }
        Self::from_exponent(group, &buf, bits)
    }

    /// Builds a key pair from a known private exponent (big-endian), e.g. a
    /// test vector. The exponent bound used for the exponentiation is the
    /// byte length times 8.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateValue`] if the exponent is below 2, longer
    /// than the modulus or not below p - 1.
    pub fn from_private_bytes(group: DhGroup, private: &[u8]) -> Result<Self, CryptoError> {
        if private.is_empty() || private.len() > group.modulus_len() {
            return Err(CryptoError::InvalidPrivateValue);
        }
        let (last, head) = private
            .split_last()
            .ok_or(CryptoError::InvalidPrivateValue)?;
        if head.iter().all(|&b| b == 0) && *last < 2 {
            return Err(CryptoError::InvalidPrivateValue);
        }
        if private.len() == group.modulus_len() {
            let p = group.prime();
            let (p_last, p_head) = p.split_last().ok_or(CryptoError::InvalidPrivateValue)?;
            if head.cmp(p_head).then(last.cmp(&(p_last & 0xfe))) != Ordering::Less {
                return Err(CryptoError::InvalidPrivateValue);
            }
        }
        let bits =
            u32::try_from(private.len() * 8).map_err(|_| CryptoError::InvalidPrivateValue)?;
        Ok(Self::from_exponent(group, private, bits))
    }

    fn from_exponent(group: DhGroup, be: &[u8], bits: u32) -> Self {
        let precision = bits.div_ceil(64) * 64;
        let exponent = BoxedUint::from_be_slice(be, precision)
            .unwrap_or_else(|_| BoxedUint::from_be_slice_truncated(be, precision));
        let mut y = group.pow_generator(&exponent, bits);
        let public = to_fixed_be(&y, group.modulus_len()).to_vec();
        y.zeroize();
        Self {
            group,
            exponent,
            exponent_bits: bits,
            public,
        }
    }

    /// The group.
    #[must_use]
    pub fn group(&self) -> DhGroup {
        self.group
    }

    /// The public value g^x mod p, left-padded to the modulus length (the KE
    /// payload body).
    #[must_use]
    pub fn public_value(&self) -> &[u8] {
        &self.public
    }

    /// The size bound of the private exponent in bits.
    #[must_use]
    pub fn exponent_bits(&self) -> u32 {
        self.exponent_bits
    }

    /// g^xy = peer^x mod p, left-padded to the modulus length, after checking
    /// the peer's value with [`DhGroup::validate_public`].
    ///
    /// # Errors
    /// The peer's public value has the wrong length or is out of range.
    pub fn shared_secret(&self, peer_public: &[u8]) -> Result<SecretBytes, CryptoError> {
        self.group.validate_public(peer_public)?;
        let y = BoxedUint::from_be_slice(peer_public, self.group.bits())
            .map_err(|_| CryptoError::InvalidDhPublicValue)?;
        let mut z = self.group.pow(&y, &self.exponent, self.exponent_bits);
        let mut out = to_fixed_be(&z, self.group.modulus_len());
        z.zeroize();
        Ok(SecretBytes::new(core::mem::take(&mut *out)))
    }
}

impl Drop for DhKeyPair {
    fn drop(&mut self) {
        self.exponent.zeroize();
    }
}

impl ZeroizeOnDrop for DhKeyPair {}

impl fmt::Debug for DhKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhKeyPair")
            .field("group", &self.group)
            .field("exponent_bits", &self.exponent_bits)
            .field("exponent", &"<redacted>")
            .finish_non_exhaustive()
    }
}
