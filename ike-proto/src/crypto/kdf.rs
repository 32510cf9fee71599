//! IKEv1 key derivation (RFC 2409 §5, §5.5, appendix B) and the
//! authentication hashes.

use core::fmt;

use zeroize::ZeroizeOnDrop;

use super::cipher::Phase1Cipher;
use super::prf::HashAlg;
use super::secret::{PrfOutput, SecretBytes};

/// SKEYID for pre-shared-key authentication: `prf(pre-shared-key, Ni_b | Nr_b)`.
///
/// `ni_b` / `nr_b` are the bodies of the initiator's and responder's NONCE
/// payloads (without the generic payload header).
#[must_use]
pub fn skeyid_psk(prf: HashAlg, psk: &[u8], ni_b: &[u8], nr_b: &[u8]) -> SecretBytes {
    prf.prf(psk, &[ni_b, nr_b]).into()
}

/// SKEYID for signature authentication (DSS, RSA, ECDSA):
/// `prf(Ni_b | Nr_b, g^xy)`.
#[must_use]
pub fn skeyid_sig(prf: HashAlg, ni_b: &[u8], nr_b: &[u8], g_xy: &[u8]) -> SecretBytes {
    let mut key = SecretBytes::new(Vec::with_capacity(ni_b.len() + nr_b.len()));
    key.extend_from_slice(ni_b);
    key.extend_from_slice(nr_b);
    prf.prf(key.as_bytes(), &[g_xy]).into()
}

/// `K1 | K2 | ...` truncated to `len`, with `K1 = prf(key, first)` and
/// `Kn = prf(key, K(n-1) | rest...)`.
fn expand(prf: HashAlg, key: &[u8], first: &[&[u8]], rest: &[&[u8]], len: usize) -> SecretBytes {
    let mut out = SecretBytes::new(Vec::with_capacity(len + prf.output_len()));
    let mut k = prf.prf(key, first);
    out.extend_from_slice(k.as_bytes());
    while out.len() < len {
        let next = {
            let mut parts: Vec<&[u8]> = Vec::with_capacity(rest.len() + 1);
            parts.push(k.as_bytes());
            parts.extend_from_slice(rest);
            prf.prf(key, &parts)
        };
        k = next;
        out.extend_from_slice(k.as_bytes());
    }
    // Held for an SA's life (the phase-1 cipher key): exactly `len` bytes,
    // not the PRF blocks' rounding; the longer buffer is wiped as it drops.
    match out.as_bytes().get(..len) {
        Some(exact) if exact.len() < out.len() => SecretBytes::from_slice(exact),
        _ => out,
    }
}

/// The phase-1 cipher key from SKEYID_e (RFC 2409 appendix B).
///
/// If SKEYID_e is at least as long as the key, the key is its first
/// `key_len` bytes. Otherwise `Ka = K1 | K2 | ...` truncated, with
/// `K1 = prf(SKEYID_e, 0)` (one zero octet) and `Kn = prf(SKEYID_e, K(n-1))`.
/// (3DES with SHA-1 or MD5, AES-192/256 with MD5 or SHA-1 take this branch.)
#[must_use]
pub fn expand_encryption_key(prf: HashAlg, skeyid_e: &[u8], key_len: usize) -> SecretBytes {
    if skeyid_e.len() >= key_len {
        return SecretBytes::from_slice(&skeyid_e[..key_len]);
    }
    expand(prf, skeyid_e, &[&[0u8]], &[], key_len)
}

/// The values both sides exchanged in phase 1 that HASH_I and HASH_R cover.
#[derive(Clone, Copy)]
pub struct Phase1Transcript<'a> {
    /// The initiator's public DH value (KE payload body).
    pub g_xi: &'a [u8],
    /// The responder's public DH value (KE payload body).
    pub g_xr: &'a [u8],
    /// The initiator cookie.
    pub cky_i: &'a [u8; 8],
    /// The responder cookie.
    pub cky_r: &'a [u8; 8],
    /// The body of the initiator's SA payload (DOI, situation, proposals;
    /// without the generic payload header), as the initiator sent it.
    pub sai_b: &'a [u8],
}

impl fmt::Debug for Phase1Transcript<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phase1Transcript")
            .field("g_xi_len", &self.g_xi.len())
            .field("g_xr_len", &self.g_xr.len())
            .field("sai_b_len", &self.sai_b.len())
            .finish_non_exhaustive()
    }
}

/// The keys of an ISAKMP SA: SKEYID and SKEYID_d / _a / _e, with the PRF
/// that derived them, and everything computed from them.
///
/// Once phase 1 is done only [`Phase2Keys`] (SKEYID_d and SKEYID_a) are
/// used again: [`Phase1Keys::into_phase2`] keeps those and wipes SKEYID and
/// SKEYID_e (whose cipher key the crypter already holds).
///
/// Every value is wiped on drop and `Debug` shows none of them.
#[derive(Clone)]
pub struct Phase1Keys {
    skeyid: SecretBytes,
    skeyid_e: SecretBytes,
    phase2: Phase2Keys,
}

impl Phase1Keys {
    /// Derives SKEYID_d, SKEYID_a and SKEYID_e (RFC 2409 §5):
    ///
    /// ```text
    /// SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    /// SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    /// SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
    /// ```
    ///
    /// `skeyid` comes from [`skeyid_psk`] or [`skeyid_sig`]; `g_xy` is the DH
    /// shared secret, left-padded to the modulus length.
    #[must_use]
    pub fn derive(
        prf: HashAlg,
        skeyid: SecretBytes,
        g_xy: &[u8],
        cky_i: &[u8; 8],
        cky_r: &[u8; 8],
    ) -> Self {
        let k = skeyid.as_bytes();
        let skeyid_d: SecretBytes = prf.prf(k, &[g_xy, cky_i, cky_r, &[0]]).into();
        let skeyid_a: SecretBytes = prf
            .prf(k, &[skeyid_d.as_bytes(), g_xy, cky_i, cky_r, &[1]])
            .into();
        let skeyid_e: SecretBytes = prf
            .prf(k, &[skeyid_a.as_bytes(), g_xy, cky_i, cky_r, &[2]])
            .into();
        Self {
            skeyid,
            skeyid_e,
            phase2: Phase2Keys {
                prf,
                skeyid_d,
                skeyid_a,
            },
        }
    }

    /// The PRF the keys were derived with.
    #[must_use]
    pub fn prf(&self) -> HashAlg {
        self.phase2.prf
    }

    /// SKEYID.
    #[must_use]
    pub fn skeyid(&self) -> &SecretBytes {
        &self.skeyid
    }

    /// SKEYID_d (keying material for IPsec SAs).
    #[must_use]
    pub fn skeyid_d(&self) -> &SecretBytes {
        &self.phase2.skeyid_d
    }

    /// SKEYID_a (authentication of phase-2 and informational messages).
    #[must_use]
    pub fn skeyid_a(&self) -> &SecretBytes {
        &self.phase2.skeyid_a
    }

    /// SKEYID_e (source of the phase-1 cipher key).
    #[must_use]
    pub fn skeyid_e(&self) -> &SecretBytes {
        &self.skeyid_e
    }

    /// The keys phase 2 and the Informational exchange run on.
    #[must_use]
    pub fn phase2(&self) -> &Phase2Keys {
        &self.phase2
    }

    /// Keeps SKEYID_d and SKEYID_a, wiping SKEYID and SKEYID_e: what an
    /// established ISAKMP SA holds for its life.
    #[must_use]
    pub fn into_phase2(self) -> Phase2Keys {
        self.phase2
    }

    /// The phase-1 cipher key for `cipher` (appendix B expansion when SKEYID_e
    /// is shorter than the key; see [`expand_encryption_key`]).
    #[must_use]
    pub fn encryption_key(&self, cipher: Phase1Cipher) -> SecretBytes {
        expand_encryption_key(self.prf(), self.skeyid_e.as_bytes(), cipher.key_len())
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
    ///
    /// `idii_b` is the initiator's ID payload body (ID type, protocol, port,
    /// identification data; no generic header).
    #[must_use]
    pub fn hash_i(&self, t: &Phase1Transcript<'_>, idii_b: &[u8]) -> PrfOutput {
        self.prf().prf(
            self.skeyid.as_bytes(),
            &[t.g_xi, t.g_xr, t.cky_i, t.cky_r, t.sai_b, idii_b],
        )
    }

    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    #[must_use]
    pub fn hash_r(&self, t: &Phase1Transcript<'_>, idir_b: &[u8]) -> PrfOutput {
        self.prf().prf(
            self.skeyid.as_bytes(),
            &[t.g_xr, t.g_xi, t.cky_r, t.cky_i, t.sai_b, idir_b],
        )
    }

    /// Quick Mode HASH(1); see [`Phase2Keys::quick_hash1`].
    #[must_use]
    pub fn quick_hash1(&self, message_id: u32, rest: &[u8]) -> PrfOutput {
        self.phase2.quick_hash1(message_id, rest)
    }

    /// Quick Mode HASH(2); see [`Phase2Keys::quick_hash2`].
    #[must_use]
    pub fn quick_hash2(&self, message_id: u32, ni_b: &[u8], rest: &[u8]) -> PrfOutput {
        self.phase2.quick_hash2(message_id, ni_b, rest)
    }

    /// Quick Mode HASH(3); see [`Phase2Keys::quick_hash3`].
    #[must_use]
    pub fn quick_hash3(&self, message_id: u32, ni_b: &[u8], nr_b: &[u8]) -> PrfOutput {
        self.phase2.quick_hash3(message_id, ni_b, nr_b)
    }

    /// The Informational and Transaction HASH; see [`Phase2Keys::info_hash`].
    #[must_use]
    pub fn info_hash(&self, message_id: u32, payloads: &[u8]) -> PrfOutput {
        self.phase2.info_hash(message_id, payloads)
    }

    /// KEYMAT for one IPsec SA; see [`Phase2Keys::keymat`].
    #[must_use]
    pub fn keymat(
        &self,
        protocol: u8,
        spi: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_qm_xy: Option<&[u8]>,
        len: usize,
    ) -> SecretBytes {
        self.phase2.keymat(protocol, spi, ni_b, nr_b, g_qm_xy, len)
    }
}

/// The keys of an established ISAKMP SA: SKEYID_d (KEYMAT of the IPsec SAs)
/// and SKEYID_a (the HASH of Quick Mode, Informational and Transaction
/// messages), with the PRF.
///
/// Every value is wiped on drop and `Debug` shows none of them.
#[derive(Clone)]
pub struct Phase2Keys {
    prf: HashAlg,
    skeyid_d: SecretBytes,
    skeyid_a: SecretBytes,
}

impl Phase2Keys {
    /// The PRF the keys were derived with.
    #[must_use]
    pub fn prf(&self) -> HashAlg {
        self.prf
    }

    /// Quick Mode HASH(1) = prf(SKEYID_a, M-ID | rest).
    ///
    /// `rest` is every payload after the HASH payload, generic headers
    /// included (SA, Ni [, KE] [, IDci, IDcr] ...), exactly as sent.
    #[must_use]
    pub fn quick_hash1(&self, message_id: u32, rest: &[u8]) -> PrfOutput {
        self.prf
            .prf(self.skeyid_a.as_bytes(), &[&message_id.to_be_bytes(), rest])
    }

    /// Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest), `rest` being the
    /// payloads after the responder's HASH payload.
    #[must_use]
    pub fn quick_hash2(&self, message_id: u32, ni_b: &[u8], rest: &[u8]) -> PrfOutput {
        self.prf.prf(
            self.skeyid_a.as_bytes(),
            &[&message_id.to_be_bytes(), ni_b, rest],
        )
    }

    /// Quick Mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b), the `0`
    /// being one zero octet.
    #[must_use]
    pub fn quick_hash3(&self, message_id: u32, ni_b: &[u8], nr_b: &[u8]) -> PrfOutput {
        self.prf.prf(
            self.skeyid_a.as_bytes(),
            &[&[0u8], &message_id.to_be_bytes(), ni_b, nr_b],
        )
    }

    /// The HASH of an Informational exchange (RFC 2409 §5.7) and of a
    /// Transaction exchange (Mode Config / Xauth): prf(SKEYID_a, M-ID | payloads),
    /// `payloads` being everything after the HASH payload, headers included.
    #[must_use]
    pub fn info_hash(&self, message_id: u32, payloads: &[u8]) -> PrfOutput {
        self.quick_hash1(message_id, payloads)
    }

    /// KEYMAT for one IPsec SA (RFC 2409 §5.5), `len` bytes:
    ///
    /// ```text
    /// K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
    /// Kn = prf(SKEYID_d, K(n-1) | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
    /// KEYMAT = K1 | K2 | ...   (truncated to len)
    /// ```
    ///
    /// `protocol` is the IPsec protocol ID (2 AH, 3 ESP, 4 IPCOMP), `spi` the
    /// SPI as in the proposal (4 bytes for ESP/AH) of the SA being keyed: the
    /// inbound SA uses the SPI this side chose, the outbound one the peer's.
    /// `g_qm_xy` is the Quick Mode DH shared secret when PFS is used. The
    /// encryption key comes first in KEYMAT, the integrity key after it.
    #[must_use]
    pub fn keymat(
        &self,
        protocol: u8,
        spi: &[u8],
        ni_b: &[u8],
        nr_b: &[u8],
        g_qm_xy: Option<&[u8]>,
        len: usize,
    ) -> SecretBytes {
        let proto = [protocol];
        let seed: Vec<&[u8]> = match g_qm_xy {
            Some(g) => vec![g, &proto, spi, ni_b, nr_b],
            None => vec![&proto, spi, ni_b, nr_b],
        };
        expand(self.prf, self.skeyid_d.as_bytes(), &seed, &seed, len)
    }
}

// Every field is a `SecretBytes`, wiped when it drops.
impl ZeroizeOnDrop for Phase1Keys {}
impl ZeroizeOnDrop for Phase2Keys {}

impl fmt::Debug for Phase1Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phase1Keys")
            .field("prf", &self.prf())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Phase2Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phase2Keys")
            .field("prf", &self.prf)
            .finish_non_exhaustive()
    }
}
