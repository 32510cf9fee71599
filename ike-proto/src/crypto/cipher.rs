//! Phase-1 (ISAKMP SA) encryption: DES, 3DES and AES in CBC mode with the
//! IV rules of RFC 2409 appendix B.

use aes::{Aes128, Aes192, Aes256};
use cipher::array::Array;
use cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use des::{Des, TdesEde3};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::CryptoError;
use super::prf::HashAlg;
use super::secret::SecretBytes;

/// Largest block size of the phase-1 ciphers (AES).
pub(crate) const MAX_BLOCK: usize = 16;

/// How many phase-2 / informational message IDs keep their own IV chain at
/// once (least recently used ones are dropped beyond this).
pub const MAX_TRACKED_EXCHANGES: usize = 16;

/// A phase-1 encryption algorithm (Oakley attribute class 1, ENCRYPTION
/// ALGORITHM, with the KEY LENGTH attribute for AES).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase1Cipher {
    /// DES-CBC (algorithm 1), 8-byte key, 8-byte block.
    Des,
    /// 3DES-EDE-CBC (algorithm 5), 24-byte key, 8-byte block.
    TripleDes,
    /// AES-128-CBC (algorithm 7, key length 128).
    Aes128,
    /// AES-192-CBC (algorithm 7, key length 192).
    Aes192,
    /// AES-256-CBC (algorithm 7, key length 256).
    Aes256,
}

impl Phase1Cipher {
    /// Every supported cipher.
    pub const ALL: [Phase1Cipher; 5] = [
        Phase1Cipher::Des,
        Phase1Cipher::TripleDes,
        Phase1Cipher::Aes128,
        Phase1Cipher::Aes192,
        Phase1Cipher::Aes256,
    ];

    /// From the ENCRYPTION ALGORITHM attribute and the KEY LENGTH attribute
    /// (in bits) if the transform carried one.
    ///
    /// AES (7) needs a key length of 128, 192 or 256 (RFC 3602 §5.3 says it
    /// MUST be sent; a missing one gives `None`). DES (1) and 3DES (5) have a
    /// fixed length: a KEY LENGTH attribute is accepted only if it states that
    /// length (64 / 192). `None` for anything else.
    #[must_use]
    pub fn from_wire(algorithm: u16, key_length_bits: Option<u16>) -> Option<Self> {
        match (algorithm, key_length_bits) {
            (1, None | Some(64)) => Some(Self::Des),
            (5, None | Some(192)) => Some(Self::TripleDes),
            (7, Some(128)) => Some(Self::Aes128),
            (7, Some(192)) => Some(Self::Aes192),
            (7, Some(256)) => Some(Self::Aes256),
            _ => None,
        }
    }

    /// The ENCRYPTION ALGORITHM attribute value (1, 5 or 7).
    #[must_use]
    pub fn wire_id(self) -> u16 {
        match self {
            Self::Des => 1,
            Self::TripleDes => 5,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 7,
        }
    }

    /// The KEY LENGTH attribute to send with this cipher (bits), `None` for
    /// the fixed-length DES and 3DES.
    #[must_use]
    pub fn key_length_attribute(self) -> Option<u16> {
        match self {
            Self::Des | Self::TripleDes => None,
            Self::Aes128 => Some(128),
            Self::Aes192 => Some(192),
            Self::Aes256 => Some(256),
        }
    }

    /// Key length in bytes (DES keys include their parity bits).
    #[must_use]
    pub fn key_len(self) -> usize {
        match self {
            Self::Des => 8,
            Self::TripleDes => 24,
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block length in bytes (8 for DES/3DES, 16 for AES), also the IV length.
    #[must_use]
    pub fn block_len(self) -> usize {
        match self {
            Self::Des | Self::TripleDes => 8,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
        }
    }

    /// A short name for logs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Des => "des-cbc",
            Self::TripleDes => "3des-cbc",
            Self::Aes128 => "aes128-cbc",
            Self::Aes192 => "aes192-cbc",
            Self::Aes256 => "aes256-cbc",
        }
    }

    fn check(self, key: &[u8], iv: &[u8], data_len: usize) -> Result<(), CryptoError> {
        if key.len() != self.key_len() {
            return Err(CryptoError::InvalidKeyLength {
                expected: self.key_len(),
                got: key.len(),
            });
        }
        if iv.len() != self.block_len() {
            return Err(CryptoError::InvalidIvLength {
                expected: self.block_len(),
                got: iv.len(),
            });
        }
        if data_len % self.block_len() != 0 {
            return Err(CryptoError::NotBlockAligned {
                len: data_len,
                block: self.block_len(),
            });
        }
        Ok(())
    }

    /// CBC-encrypts `buf` in place (whole blocks, no padding added).
    ///
    /// # Errors
    /// Wrong key or IV length, or `buf` not a multiple of the block length.
    pub fn encrypt_cbc(self, key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
        self.check(key, iv, buf.len())?;
        match self {
            Self::Des => cbc_encrypt::<Des>(key, iv, buf),
            Self::TripleDes => cbc_encrypt::<TdesEde3>(key, iv, buf),
            Self::Aes128 => cbc_encrypt::<Aes128>(key, iv, buf),
            Self::Aes192 => cbc_encrypt::<Aes192>(key, iv, buf),
            Self::Aes256 => cbc_encrypt::<Aes256>(key, iv, buf),
        }
    }

    /// CBC-decrypts `buf` in place (whole blocks, padding left in place).
    ///
    /// # Errors
    /// Wrong key or IV length, or `buf` not a multiple of the block length.
    pub fn decrypt_cbc(self, key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
        self.check(key, iv, buf.len())?;
        match self {
            Self::Des => cbc_decrypt::<Des>(key, iv, buf),
            Self::TripleDes => cbc_decrypt::<TdesEde3>(key, iv, buf),
            Self::Aes128 => cbc_decrypt::<Aes128>(key, iv, buf),
            Self::Aes192 => cbc_decrypt::<Aes192>(key, iv, buf),
            Self::Aes256 => cbc_decrypt::<Aes256>(key, iv, buf),
        }
    }
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + KeyInit,
{
    let mut mode = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| {
        CryptoError::InvalidKeyLength {
            expected: C::key_size(),
            got: key.len(),
        }
    })?;
    let (blocks, _tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    mode.encrypt_blocks(blocks);
    Ok(())
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>
where
    C: BlockCipherDecrypt + KeyInit,
{
    let mut mode = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| {
        CryptoError::InvalidKeyLength {
            expected: C::key_size(),
            got: key.len(),
        }
    })?;
    let (blocks, _tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    mode.decrypt_blocks(blocks);
    Ok(())
}

/// The padding added before encryption.
///
/// ISAKMP pads the payloads of an encrypted message up to a whole block. Both
/// styles add 1 to `block` bytes (a whole block when the payloads already end
/// on a block boundary), so the pad is never empty:
///
/// * [`LengthByte`](Self::LengthByte) (the default, what this crate emits):
///   zero bytes, the last one replaced by the number of padding bytes
///   excluding itself — the RFC 2409 appendix B wording, and what racoon's
///   `exclusive_tail` reads;
/// * [`Zeros`](Self::Zeros): only zero bytes, as strongSwan sends.
///
/// Receivers in practice (strongSwan, racoon by default, libreswan) ignore the
/// padding and find the end of the payload chain from the payload headers, so
/// either style interoperates; [`IsakmpCrypter::decrypt`] returns the padding
/// with the plaintext for the same reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Padding {
    /// Zeros, last byte = number of padding bytes before it.
    #[default]
    LengthByte,
    /// Zeros only.
    Zeros,
}

impl Padding {
    /// Number of bytes this style appends to `len` bytes for `block`-byte blocks (1..=block).
    #[must_use]
    pub fn pad_len(self, len: usize, block: usize) -> usize {
        if block == 0 {
            return 0;
        }
        block - (len % block)
    }

    /// Appends the padding to `buf` for a cipher with `block`-byte blocks.
    pub fn apply(self, buf: &mut Vec<u8>, block: usize) {
        let n = self.pad_len(buf.len(), block);
        if n == 0 {
            return;
        }
        buf.resize(buf.len() + n, 0);
        if self == Self::LengthByte {
            if let Some(last) = buf.last_mut() {
                // n <= 16, so n - 1 fits a byte.
                *last = u8::try_from(n - 1).unwrap_or(0);
            }
        }
    }
}

/// The first phase-1 IV: `hash(g^xi | g^xr)` truncated to the block length
/// (RFC 2409 appendix B). `hash` is the negotiated phase-1 hash.
#[must_use]
pub fn phase1_iv(hash: HashAlg, cipher: Phase1Cipher, g_xi: &[u8], g_xr: &[u8]) -> Vec<u8> {
    let h = hash.hash(&[g_xi, g_xr]);
    h.as_bytes()[..cipher.block_len().min(h.len())].to_vec()
}

/// The first IV of a phase-2 / informational / transaction exchange:
/// `hash(last phase-1 CBC output block | M-ID)` truncated to the block length
/// (RFC 2409 appendix B), the message ID in network byte order.
#[must_use]
pub fn phase2_iv(
    hash: HashAlg,
    cipher: Phase1Cipher,
    last_phase1_block: &[u8],
    message_id: u32,
) -> Vec<u8> {
    let h = hash.hash(&[last_phase1_block, &message_id.to_be_bytes()]);
    h.as_bytes()[..cipher.block_len().min(h.len())].to_vec()
}

/// Puts `iv` first as the chain of `message_id`, keeping at most
/// [`MAX_TRACKED_EXCHANGES`]. The queue grows one entry at a time: an
/// established IKE SA usually tracks one exchange, and a hub holds one
/// crypter per peer (the default growth would reserve four).
fn track(queue: &mut Vec<(u32, IvBuf)>, message_id: u32, iv: IvBuf) {
    queue.retain(|(m, _)| *m != message_id);
    if queue.len() == queue.capacity() {
        queue.reserve_exact(1);
    }
    // A few entries at most: the shift costs less than a ring's room.
    queue.insert(0, (message_id, iv));
    queue.truncate(MAX_TRACKED_EXCHANGES);
}

/// An IV (one cipher block); the length in a byte, as a hub keeps one
/// per peer.
#[derive(Clone, Copy, PartialEq, Eq)]
struct IvBuf {
    bytes: [u8; MAX_BLOCK],
    len: u8,
}

impl IvBuf {
    fn new(bytes: &[u8]) -> Self {
        let mut b = [0u8; MAX_BLOCK];
        let len = bytes.len().min(MAX_BLOCK);
        b[..len].copy_from_slice(&bytes[..len]);
        Self {
            bytes: b,
            len: u8::try_from(len).unwrap_or(u8::MAX),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The last `block` bytes of a ciphertext (caller checked alignment and
    /// that `ct` is not empty).
    fn last_block(ct: &[u8], block: usize) -> Self {
        let start = ct.len().saturating_sub(block);
        Self::new(&ct[start..])
    }
}

/// The encryption state of one ISAKMP SA: the key, and the CBC IV chains of
/// RFC 2409 appendix B.
///
/// * Message ID 0 is phase 1 (Main Mode messages 5 and 6, Aggressive Mode
///   message 3). Its chain starts at `hash(g^xi | g^xr)` and continues with the
///   last ciphertext block of the previous phase-1 message, whichever side
///   sent it: both directions share one chain.
/// * Every other message ID (Quick Mode, Informational, Transaction) gets its
///   own chain, starting at `hash(last phase-1 CBC output block | M-ID)` and
///   continuing with the last ciphertext block of the previous message with
///   that ID. Up to [`MAX_TRACKED_EXCHANGES`] IDs are remembered (least
///   recently used dropped first); [`forget`](Self::forget) drops one.
///
/// Sending advances the chain at once. Receiving is tentative: [`decrypt`]
/// records the next IV but the chain only moves when the engine calls
/// [`confirm`] after the message authenticated (its HASH verified). A forged or
/// corrupt message therefore cannot desynchronise the chain. The engine should
/// recognise a retransmitted message by its bytes before decrypting it again.
///
/// The phase-2 IVs derive from the phase-1 chain as it stands (confirmed), so
/// finish phase 1 (confirm its last received message) before starting them.
///
/// [`decrypt`]: Self::decrypt
/// [`confirm`]: Self::confirm
pub struct IsakmpCrypter {
    cipher: Phase1Cipher,
    hash: HashAlg,
    key: SecretBytes,
    padding: Padding,
    phase1: IvBuf,
    /// (message ID, next IV), most recently used first.
    phase2: Vec<(u32, IvBuf)>,
    /// IVs recorded by `decrypt` awaiting `confirm`, most recent first.
    pending: Vec<(u32, IvBuf)>,
}

impl IsakmpCrypter {
    /// The cipher key: an established SA keeps it here only, so the
    /// opted-in key log reads it from the crypter.
    pub(crate) fn key(&self) -> &SecretBytes {
        &self.key
    }

    /// Sets up the state after the phase-1 key exchange.
    ///
    /// `key` is the cipher key (see [`Phase1Keys::encryption_key`] for the
    /// appendix B derivation from SKEYID_e), `hash` the negotiated phase-1
    /// hash, `g_xi` / `g_xr` the initiator's and responder's public DH values
    /// as sent in the KE payloads.
    ///
    /// [`Phase1Keys::encryption_key`]: super::Phase1Keys::encryption_key
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyLength`] if `key` does not fit `cipher`.
    pub fn new(
        cipher: Phase1Cipher,
        hash: HashAlg,
        key: SecretBytes,
        g_xi: &[u8],
        g_xr: &[u8],
    ) -> Result<Self, CryptoError> {
        if key.len() != cipher.key_len() {
            return Err(CryptoError::InvalidKeyLength {
                expected: cipher.key_len(),
                got: key.len(),
            });
        }
        let iv = phase1_iv(hash, cipher, g_xi, g_xr);
        Ok(Self {
            cipher,
            hash,
            key,
            padding: Padding::default(),
            phase1: IvBuf::new(&iv),
            phase2: Vec::new(),
            pending: Vec::new(),
        })
    }

    /// Chooses the padding style for outgoing messages (default [`Padding::LengthByte`]).
    #[must_use]
    pub fn with_padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }

    /// The cipher.
    #[must_use]
    pub fn cipher(&self) -> Phase1Cipher {
        self.cipher
    }

    /// The hash used for the IVs.
    #[must_use]
    pub fn hash(&self) -> HashAlg {
        self.hash
    }

    /// The padding style for outgoing messages.
    #[must_use]
    pub fn padding(&self) -> Padding {
        self.padding
    }

    /// The IV the next message with `message_id` will use (sent or received),
    /// without changing any state.
    #[must_use]
    pub fn iv(&self, message_id: u32) -> Vec<u8> {
        self.current_iv(message_id).as_bytes().to_vec()
    }

    fn current_iv(&self, message_id: u32) -> IvBuf {
        if message_id == 0 {
            return self.phase1;
        }
        if let Some((_, iv)) = self.phase2.iter().find(|(m, _)| *m == message_id) {
            return *iv;
        }
        IvBuf::new(&phase2_iv(
            self.hash,
            self.cipher,
            self.phase1.as_bytes(),
            message_id,
        ))
    }

    fn set_iv(&mut self, message_id: u32, iv: IvBuf) {
        if message_id == 0 {
            self.phase1 = iv;
            return;
        }
        track(&mut self.phase2, message_id, iv);
    }

    /// Pads `plaintext` (the payload chain after the ISAKMP header) and
    /// encrypts it with the chain of `message_id`; the chain then continues
    /// from the last ciphertext block. The result is what follows the header
    /// (whose length field must count it).
    #[must_use]
    pub fn encrypt(&mut self, message_id: u32, plaintext: &[u8]) -> Vec<u8> {
        let block = self.cipher.block_len();
        let mut buf = Vec::with_capacity(plaintext.len() + block);
        buf.extend_from_slice(plaintext);
        self.padding.apply(&mut buf, block);
        let iv = self.current_iv(message_id);
        if self
            .cipher
            .encrypt_cbc(self.key.as_bytes(), iv.as_bytes(), &mut buf)
            .is_err()
        {
            // The key length was checked in `new`, the IV comes from the
            // cipher's own block length and the buffer was padded to it.
            buf.zeroize();
            return Vec::new();
        }
        self.set_iv(message_id, IvBuf::last_block(&buf, block));
        self.pending.retain(|(m, _)| *m != message_id);
        buf
    }

    /// Decrypts what follows the header of a received encrypted message with
    /// the chain of `message_id`. The plaintext keeps the sender's padding
    /// (the payload chain ends where its last payload says; see [`Padding`]).
    ///
    /// The chain does not move until [`confirm`](Self::confirm).
    ///
    /// # Errors
    /// [`CryptoError::NotBlockAligned`] if the ciphertext is empty or not a
    /// whole number of blocks (the peer's message is malformed).
    pub fn decrypt(
        &mut self,
        message_id: u32,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let iv = self.current_iv(message_id);
        let buf = self.decrypt_from(iv.as_bytes(), ciphertext)?;
        let block = self.cipher.block_len();
        track(
            &mut self.pending,
            message_id,
            IvBuf::last_block(ciphertext, block),
        );
        Ok(buf)
    }

    /// CBC-decrypts whole blocks from `iv`.
    fn decrypt_from(
        &self,
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let block = self.cipher.block_len();
        if ciphertext.is_empty() || ciphertext.len() % block != 0 {
            return Err(CryptoError::NotBlockAligned {
                len: ciphertext.len(),
                block,
            });
        }
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        self.cipher.decrypt_cbc(self.key.as_bytes(), iv, &mut buf)?;
        Ok(buf)
    }

    /// Decrypts with the IV a new phase-2 exchange under `message_id`
    /// would start from (RFC 2409 appendix B: hash of the last phase-1
    /// block and the message ID), even for message ID 0, and changes no
    /// chain. For vpnc, whose Delete at disconnect draws a one-byte random
    /// message ID, so one in 256 goes out as message ID 0 with a phase-2
    /// IV. The caller authenticates the result before acting on it.
    ///
    /// # Errors
    /// As [`decrypt`](Self::decrypt).
    pub fn decrypt_as_new_exchange(
        &self,
        message_id: u32,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let iv = phase2_iv(self.hash, self.cipher, self.phase1.as_bytes(), message_id);
        self.decrypt_from(&iv, ciphertext)
    }

    /// Moves the chain of `message_id` past the last message decrypted with
    /// it. Returns `false` (and changes nothing) if no decryption is pending.
    pub fn confirm(&mut self, message_id: u32) -> bool {
        let Some(pos) = self.pending.iter().position(|(m, _)| *m == message_id) else {
            return false;
        };
        let (_, iv) = self.pending.remove(pos);
        self.set_iv(message_id, iv);
        true
    }

    /// Drops the chain of a finished phase-2 / informational exchange.
    /// (Message ID 0, the phase-1 chain, is kept.)
    pub fn forget(&mut self, message_id: u32) {
        self.pending.retain(|(m, _)| *m != message_id);
        if message_id != 0 {
            self.phase2.retain(|(m, _)| *m != message_id);
        }
        // An established SA between exchanges tracks nothing: its queues
        // then hold no buffer (a hub keeps one crypter per peer).
        for queue in [&mut self.pending, &mut self.phase2] {
            if queue.is_empty() {
                *queue = Vec::new();
            }
        }
    }
}

// The key is a `SecretBytes`, wiped when it drops (IVs are public).
impl ZeroizeOnDrop for IsakmpCrypter {}

impl core::fmt::Debug for IsakmpCrypter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IsakmpCrypter")
            .field("cipher", &self.cipher)
            .field("hash", &self.hash)
            .field("key", &self.key)
            .field("padding", &self.padding)
            .field("tracked_exchanges", &self.phase2.len())
            .finish_non_exhaustive()
    }
}
