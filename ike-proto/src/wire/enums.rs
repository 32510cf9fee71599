//! Every numbered field of ISAKMP, IKEv1, the IPsec DOI, Mode Config, Xauth
//! and Cisco Unity, as open wire enums (unknown values round-trip).
//!
//! Numbers from RFC 2407, 2408, 2409, 3706, 3947, draft-ietf-ipsec-isakmp-
//! xauth-06, draft-dukes-ike-mode-cfg-02 and the Cisco Unity extensions as
//! implemented by strongSwan, libreswan, racoon and vpnc.

wire_enum! {
    /// ISAKMP exchange type (RFC 2408 section 3.1, RFC 2409).
    pub struct ExchangeType(u8) {
        /// None.
        NONE = 0,
        /// Base exchange.
        BASE = 1,
        /// Identity Protection: IKEv1 Main Mode.
        IDENTITY_PROTECTION = 2,
        /// Authentication Only.
        AUTH_ONLY = 3,
        /// Aggressive Mode.
        AGGRESSIVE = 4,
        /// Informational.
        INFORMATIONAL = 5,
        /// Transaction (Mode Config / Xauth, draft-dukes-ike-mode-cfg).
        TRANSACTION = 6,
        /// Quick Mode (RFC 2409).
        QUICK = 32,
        /// New Group Mode (RFC 2409).
        NEW_GROUP = 33,
    }
}

impl ExchangeType {
    /// Main Mode, IKEv1's name for Identity Protection.
    pub const MAIN_MODE: Self = Self::IDENTITY_PROTECTION;
    /// Aggressive Mode.
    pub const AGGRESSIVE_MODE: Self = Self::AGGRESSIVE;
    /// Quick Mode.
    pub const QUICK_MODE: Self = Self::QUICK;
}

wire_enum! {
    /// ISAKMP next-payload / payload type (RFC 2408 section 3.1 and
    /// extensions).
    pub struct PayloadType(u8) {
        /// End of the payload chain.
        NONE = 0,
        /// Security Association.
        SA = 1,
        /// Proposal (only inside an SA).
        PROPOSAL = 2,
        /// Transform (only inside a proposal).
        TRANSFORM = 3,
        /// Key Exchange.
        KEY_EXCHANGE = 4,
        /// Identification.
        IDENTIFICATION = 5,
        /// Certificate.
        CERTIFICATE = 6,
        /// Certificate Request.
        CERTIFICATE_REQUEST = 7,
        /// Hash.
        HASH = 8,
        /// Signature.
        SIGNATURE = 9,
        /// Nonce.
        NONCE = 10,
        /// Notification.
        NOTIFICATION = 11,
        /// Delete.
        DELETE = 12,
        /// Vendor ID.
        VENDOR_ID = 13,
        /// Attribute (Mode Config / Xauth).
        ATTRIBUTE = 14,
        /// SA KEK (GDOI, RFC 3547; not IKEv1).
        SAK = 15,
        /// SA TEK (GDOI).
        SAT = 16,
        /// Key Download (GDOI).
        KD = 17,
        /// Sequence Number (GDOI).
        SEQ = 18,
        /// Proof of Possession (GDOI).
        POP = 19,
        /// NAT Discovery (RFC 3947).
        NAT_D = 20,
        /// NAT Original Address (RFC 3947).
        NAT_OA = 21,
        /// Group Associated Policy (GDOI).
        GAP = 22,
        /// NAT Discovery, draft-ietf-ipsec-nat-t-ike-02/03 number.
        NAT_D_DRAFT = 130,
        /// NAT Original Address, draft number.
        NAT_OA_DRAFT = 131,
        /// IKE fragment (Cisco / racoon IKE fragmentation).
        FRAGMENTATION = 132,
    }
}

wire_enum! {
    /// Notify message type (RFC 2408 section 3.14.1, RFC 2407 section 4.6.3,
    /// RFC 3706 and Cisco).
    pub struct NotifyType(u16) {
        /// INVALID-PAYLOAD-TYPE.
        INVALID_PAYLOAD_TYPE = 1,
        /// DOI-NOT-SUPPORTED.
        DOI_NOT_SUPPORTED = 2,
        /// SITUATION-NOT-SUPPORTED.
        SITUATION_NOT_SUPPORTED = 3,
        /// INVALID-COOKIE.
        INVALID_COOKIE = 4,
        /// INVALID-MAJOR-VERSION.
        INVALID_MAJOR_VERSION = 5,
        /// INVALID-MINOR-VERSION.
        INVALID_MINOR_VERSION = 6,
        /// INVALID-EXCHANGE-TYPE.
        INVALID_EXCHANGE_TYPE = 7,
        /// INVALID-FLAGS.
        INVALID_FLAGS = 8,
        /// INVALID-MESSAGE-ID.
        INVALID_MESSAGE_ID = 9,
        /// INVALID-PROTOCOL-ID.
        INVALID_PROTOCOL_ID = 10,
        /// INVALID-SPI.
        INVALID_SPI = 11,
        /// INVALID-TRANSFORM-ID.
        INVALID_TRANSFORM_ID = 12,
        /// ATTRIBUTES-NOT-SUPPORTED.
        ATTRIBUTES_NOT_SUPPORTED = 13,
        /// NO-PROPOSAL-CHOSEN.
        NO_PROPOSAL_CHOSEN = 14,
        /// BAD-PROPOSAL-SYNTAX.
        BAD_PROPOSAL_SYNTAX = 15,
        /// PAYLOAD-MALFORMED.
        PAYLOAD_MALFORMED = 16,
        /// INVALID-KEY-INFORMATION.
        INVALID_KEY_INFORMATION = 17,
        /// INVALID-ID-INFORMATION.
        INVALID_ID_INFORMATION = 18,
        /// INVALID-CERT-ENCODING.
        INVALID_CERT_ENCODING = 19,
        /// INVALID-CERTIFICATE.
        INVALID_CERTIFICATE = 20,
        /// CERT-TYPE-UNSUPPORTED.
        CERT_TYPE_UNSUPPORTED = 21,
        /// INVALID-CERT-AUTHORITY.
        INVALID_CERT_AUTHORITY = 22,
        /// INVALID-HASH-INFORMATION.
        INVALID_HASH_INFORMATION = 23,
        /// AUTHENTICATION-FAILED.
        AUTHENTICATION_FAILED = 24,
        /// INVALID-SIGNATURE.
        INVALID_SIGNATURE = 25,
        /// ADDRESS-NOTIFICATION.
        ADDRESS_NOTIFICATION = 26,
        /// NOTIFY-SA-LIFETIME.
        NOTIFY_SA_LIFETIME = 27,
        /// CERTIFICATE-UNAVAILABLE.
        CERTIFICATE_UNAVAILABLE = 28,
        /// UNSUPPORTED-EXCHANGE-TYPE.
        UNSUPPORTED_EXCHANGE_TYPE = 29,
        /// UNEQUAL-PAYLOAD-LENGTHS.
        UNEQUAL_PAYLOAD_LENGTHS = 30,
        /// CONNECTED (status).
        CONNECTED = 16384,
        /// IPsec DOI RESPONDER-LIFETIME (RFC 2407).
        RESPONDER_LIFETIME = 24576,
        /// IPsec DOI REPLAY-STATUS.
        REPLAY_STATUS = 24577,
        /// IPsec DOI INITIAL-CONTACT.
        INITIAL_CONTACT = 24578,
        /// Cisco hello.
        CISCO_HELLO = 30000,
        /// Cisco WWTEBR.
        CISCO_WWTEBR = 30001,
        /// Cisco shut up.
        CISCO_SHUT_UP = 30002,
        /// Cisco IOS keepalive request.
        IOS_KEEP_ALIVE_REQ = 32768,
        /// Cisco IOS keepalive acknowledgement.
        IOS_KEEP_ALIVE_ACK = 32769,
        /// DPD R-U-THERE (RFC 3706).
        R_U_THERE = 36136,
        /// DPD R-U-THERE-ACK (RFC 3706).
        R_U_THERE_ACK = 36137,
        /// Cisco Unity heartbeat.
        UNITY_HEARTBEAT = 40500,
        /// Cisco load balance (strongSwan: UNITY_LOAD_BALANCE).
        CISCO_LOAD_BALANCE = 40501,
        /// Cisco pre-shared key hash.
        CISCO_PRESHARED_KEY_HASH = 40503,
    }
}

wire_enum! {
    /// Protocol identifier (RFC 2407 section 4.4.1).
    pub struct ProtocolId(u8) {
        /// ISAKMP (phase 1).
        ISAKMP = 1,
        /// IPsec AH.
        IPSEC_AH = 2,
        /// IPsec ESP.
        IPSEC_ESP = 3,
        /// IP compression.
        IPCOMP = 4,
    }
}

wire_enum! {
    /// Identification type (RFC 2407 section 4.6.2.1).
    pub struct IdType(u8) {
        /// A single IPv4 address.
        IPV4_ADDR = 1,
        /// A fully qualified domain name.
        FQDN = 2,
        /// user@FQDN.
        USER_FQDN = 3,
        /// IPv4 address and mask.
        IPV4_ADDR_SUBNET = 4,
        /// A single IPv6 address.
        IPV6_ADDR = 5,
        /// IPv6 address and mask.
        IPV6_ADDR_SUBNET = 6,
        /// IPv4 start and end address.
        IPV4_ADDR_RANGE = 7,
        /// IPv6 start and end address.
        IPV6_ADDR_RANGE = 8,
        /// A DER ASN.1 Distinguished Name.
        DER_ASN1_DN = 9,
        /// A DER ASN.1 General Name.
        DER_ASN1_GN = 10,
        /// An opaque key identifier (Cisco: the VPN client group name).
        KEY_ID = 11,
    }
}

wire_enum! {
    /// Domain of Interpretation (RFC 2408 section 3.4, RFC 2407).
    pub struct Doi(u32) {
        /// The generic ISAKMP DOI.
        ISAKMP = 0,
        /// The IPsec DOI.
        IPSEC = 1,
    }
}

wire_enum! {
    /// Phase 1 (Oakley) data attribute classes (RFC 2409 appendix A).
    pub struct OakleyAttribute(u16) {
        /// Encryption algorithm ([`EncryptionAlgorithm`]).
        ENCRYPTION_ALGORITHM = 1,
        /// Hash algorithm ([`HashAlgorithm`]).
        HASH_ALGORITHM = 2,
        /// Authentication method ([`AuthMethod`]).
        AUTHENTICATION_METHOD = 3,
        /// Group description ([`GroupDescription`]).
        GROUP_DESCRIPTION = 4,
        /// Group type.
        GROUP_TYPE = 5,
        /// Group prime/irreducible polynomial.
        GROUP_PRIME = 6,
        /// Group generator one.
        GROUP_GENERATOR_ONE = 7,
        /// Group generator two.
        GROUP_GENERATOR_TWO = 8,
        /// Group curve A.
        GROUP_CURVE_A = 9,
        /// Group curve B.
        GROUP_CURVE_B = 10,
        /// Life type ([`LifeType`]).
        LIFE_TYPE = 11,
        /// Life duration (TV or a variable-length integer).
        LIFE_DURATION = 12,
        /// PRF.
        PRF = 13,
        /// Key length (bits).
        KEY_LENGTH = 14,
        /// Field size.
        FIELD_SIZE = 15,
        /// Group order.
        GROUP_ORDER = 16,
    }
}

wire_enum! {
    /// IPsec DOI SA attribute classes (RFC 2407 section 4.5).
    pub struct IpsecAttribute(u16) {
        /// SA life type ([`LifeType`]).
        SA_LIFE_TYPE = 1,
        /// SA life duration.
        SA_LIFE_DURATION = 2,
        /// Group description (PFS).
        GROUP_DESCRIPTION = 3,
        /// Encapsulation mode ([`EncapsulationMode`]).
        ENCAPSULATION_MODE = 4,
        /// Authentication algorithm ([`AuthAlgorithm`]).
        AUTH_ALGORITHM = 5,
        /// Key length (bits).
        KEY_LENGTH = 6,
        /// Key rounds.
        KEY_ROUNDS = 7,
        /// Compression dictionary size.
        COMP_DICT_SIZE = 8,
        /// Compression private algorithm.
        COMP_PRIVATE_ALG = 9,
        /// ECN tunnel (RFC 3168).
        ECN_TUNNEL = 10,
    }
}

wire_enum! {
    /// Phase 1 encryption algorithm (RFC 2409 appendix A, RFC 3602).
    pub struct EncryptionAlgorithm(u16) {
        /// DES-CBC.
        DES_CBC = 1,
        /// IDEA-CBC.
        IDEA_CBC = 2,
        /// Blowfish-CBC.
        BLOWFISH_CBC = 3,
        /// RC5-R16-B64-CBC.
        RC5_R16_B64_CBC = 4,
        /// 3DES-CBC.
        TRIPLE_DES_CBC = 5,
        /// CAST-CBC.
        CAST_CBC = 6,
        /// AES-CBC (key length attribute required).
        AES_CBC = 7,
        /// Camellia-CBC.
        CAMELLIA_CBC = 8,
        /// Serpent-CBC (strongSwan private).
        SERPENT_CBC = 65004,
        /// Twofish-CBC (strongSwan private).
        TWOFISH_CBC = 65005,
    }
}

wire_enum! {
    /// Phase 1 hash algorithm (RFC 2409 appendix A, RFC 4868).
    pub struct HashAlgorithm(u16) {
        /// MD5.
        MD5 = 1,
        /// SHA-1.
        SHA = 2,
        /// Tiger.
        TIGER = 3,
        /// SHA2-256.
        SHA2_256 = 4,
        /// SHA2-384.
        SHA2_384 = 5,
        /// SHA2-512.
        SHA2_512 = 6,
    }
}

wire_enum! {
    /// Phase 1 authentication method (RFC 2409, Xauth and hybrid drafts).
    pub struct AuthMethod(u16) {
        /// Pre-shared key.
        PRE_SHARED_KEY = 1,
        /// DSS signatures.
        DSS_SIGNATURES = 2,
        /// RSA signatures.
        RSA_SIGNATURES = 3,
        /// Encryption with RSA.
        RSA_ENCRYPTION = 4,
        /// Revised encryption with RSA.
        RSA_REVISED_ENCRYPTION = 5,
        /// ECDSA with SHA-256 on P-256 (RFC 4754).
        ECDSA_SHA256_P256 = 9,
        /// ECDSA with SHA-384 on P-384.
        ECDSA_SHA384_P384 = 10,
        /// ECDSA with SHA-512 on P-521.
        ECDSA_SHA512_P521 = 11,
        /// Hybrid, initiator RSA.
        HYBRID_INIT_RSA = 64221,
        /// Hybrid, responder RSA.
        HYBRID_RESP_RSA = 64222,
        /// Hybrid, initiator DSS.
        HYBRID_INIT_DSS = 64223,
        /// Hybrid, responder DSS.
        HYBRID_RESP_DSS = 64224,
        /// Xauth, initiator pre-shared key (Cisco VPN client).
        XAUTH_INIT_PRE_SHARED = 65001,
        /// Xauth, responder pre-shared key.
        XAUTH_RESP_PRE_SHARED = 65002,
        /// Xauth, initiator DSS.
        XAUTH_INIT_DSS = 65003,
        /// Xauth, responder DSS.
        XAUTH_RESP_DSS = 65004,
        /// Xauth, initiator RSA.
        XAUTH_INIT_RSA = 65005,
        /// Xauth, responder RSA.
        XAUTH_RESP_RSA = 65006,
        /// Xauth, initiator RSA encryption.
        XAUTH_INIT_RSA_ENCRYPTION = 65007,
        /// Xauth, responder RSA encryption.
        XAUTH_RESP_RSA_ENCRYPTION = 65008,
        /// Xauth, initiator revised RSA encryption.
        XAUTH_INIT_RSA_REVISED_ENCRYPTION = 65009,
        /// Xauth, responder revised RSA encryption.
        XAUTH_RESP_RSA_REVISED_ENCRYPTION = 65010,
    }
}

wire_enum! {
    /// Diffie-Hellman group description (RFC 2409, RFC 3526, RFC 5903).
    pub struct GroupDescription(u16) {
        /// 768-bit MODP (group 1).
        MODP_768 = 1,
        /// 1024-bit MODP (group 2).
        MODP_1024 = 2,
        /// EC2N over GF(2^155) (group 3).
        EC2N_155 = 3,
        /// EC2N over GF(2^185) (group 4).
        EC2N_185 = 4,
        /// 1536-bit MODP (group 5).
        MODP_1536 = 5,
        /// 2048-bit MODP (group 14).
        MODP_2048 = 14,
        /// 3072-bit MODP (group 15).
        MODP_3072 = 15,
        /// 4096-bit MODP (group 16).
        MODP_4096 = 16,
        /// 6144-bit MODP (group 17).
        MODP_6144 = 17,
        /// 8192-bit MODP (group 18).
        MODP_8192 = 18,
        /// 256-bit random ECP (group 19).
        ECP_256 = 19,
        /// 384-bit random ECP (group 20).
        ECP_384 = 20,
        /// 521-bit random ECP (group 21).
        ECP_521 = 21,
    }
}

wire_enum! {
    /// Life type for phase 1 and IPsec SAs.
    pub struct LifeType(u16) {
        /// Seconds.
        SECONDS = 1,
        /// Kilobytes.
        KILOBYTES = 2,
    }
}

wire_enum! {
    /// ISAKMP transform identifier in a phase 1 proposal (RFC 2407 4.4.2).
    pub struct IsakmpTransformId(u8) {
        /// KEY_IKE: the only phase 1 transform.
        KEY_IKE = 1,
    }
}

wire_enum! {
    /// ESP transform identifier (RFC 2407 section 4.4.4 and IANA).
    pub struct EspTransformId(u8) {
        /// DES with 64-bit IV.
        DES_IV64 = 1,
        /// DES.
        DES = 2,
        /// 3DES.
        TRIPLE_DES = 3,
        /// RC5.
        RC5 = 4,
        /// IDEA.
        IDEA = 5,
        /// CAST.
        CAST = 6,
        /// Blowfish.
        BLOWFISH = 7,
        /// 3IDEA.
        TRIPLE_IDEA = 8,
        /// DES with 32-bit IV.
        DES_IV32 = 9,
        /// RC4.
        RC4 = 10,
        /// NULL encryption.
        NULL = 11,
        /// AES-CBC.
        AES_CBC = 12,
        /// AES-CTR.
        AES_CTR = 13,
        /// AES-CCM with 8-byte ICV.
        AES_CCM_8 = 14,
        /// AES-CCM with 12-byte ICV.
        AES_CCM_12 = 15,
        /// AES-CCM with 16-byte ICV.
        AES_CCM_16 = 16,
        /// AES-GCM with 8-byte ICV.
        AES_GCM_8 = 18,
        /// AES-GCM with 12-byte ICV.
        AES_GCM_12 = 19,
        /// AES-GCM with 16-byte ICV.
        AES_GCM_16 = 20,
        /// SEED-CBC.
        SEED_CBC = 21,
    }
}

wire_enum! {
    /// IPsec authentication algorithm attribute (RFC 2407 4.5 and IANA).
    pub struct AuthAlgorithm(u16) {
        /// HMAC-MD5.
        HMAC_MD5 = 1,
        /// HMAC-SHA1.
        HMAC_SHA1 = 2,
        /// DES-MAC.
        DES_MAC = 3,
        /// KPDK.
        KPDK = 4,
        /// HMAC-SHA2-256.
        HMAC_SHA2_256 = 5,
        /// HMAC-SHA2-384.
        HMAC_SHA2_384 = 6,
        /// HMAC-SHA2-512.
        HMAC_SHA2_512 = 7,
        /// HMAC-RIPEMD.
        HMAC_RIPEMD = 8,
        /// AES-XCBC-MAC.
        AES_XCBC_MAC = 9,
        /// SIG-RSA.
        SIG_RSA = 10,
        /// AES-128-GMAC.
        AES_128_GMAC = 11,
        /// AES-192-GMAC.
        AES_192_GMAC = 12,
        /// AES-256-GMAC.
        AES_256_GMAC = 13,
    }
}

wire_enum! {
    /// IPsec encapsulation mode (RFC 2407, RFC 3947, NAT-T drafts).
    pub struct EncapsulationMode(u16) {
        /// Tunnel.
        TUNNEL = 1,
        /// Transport.
        TRANSPORT = 2,
        /// UDP-encapsulated tunnel (RFC 3947).
        UDP_TUNNEL = 3,
        /// UDP-encapsulated transport (RFC 3947).
        UDP_TRANSPORT = 4,
        /// UDP-encapsulated tunnel (NAT-T drafts).
        UDP_TUNNEL_DRAFT = 61443,
        /// UDP-encapsulated transport (NAT-T drafts).
        UDP_TRANSPORT_DRAFT = 61444,
    }
}

wire_enum! {
    /// Certificate encoding in CERT and CR payloads (RFC 2408 3.9).
    pub struct CertEncoding(u8) {
        /// None.
        NONE = 0,
        /// PKCS #7 wrapped X.509 certificate.
        PKCS7_X509 = 1,
        /// PGP certificate.
        PGP = 2,
        /// DNS signed key.
        DNS_SIGNED_KEY = 3,
        /// X.509 certificate, signature.
        X509_SIGNATURE = 4,
        /// X.509 certificate, key exchange.
        X509_KEY_EXCHANGE = 5,
        /// Kerberos tokens.
        KERBEROS = 6,
        /// Certificate revocation list.
        CRL = 7,
        /// Authority revocation list.
        ARL = 8,
        /// SPKI certificate.
        SPKI = 9,
        /// X.509 certificate, attribute.
        X509_ATTRIBUTE = 10,
    }
}

wire_enum! {
    /// Attribute payload message type (draft-dukes-ike-mode-cfg).
    pub struct ConfigMessageType(u8) {
        /// ISAKMP_CFG_REQUEST.
        REQUEST = 1,
        /// ISAKMP_CFG_REPLY.
        REPLY = 2,
        /// ISAKMP_CFG_SET.
        SET = 3,
        /// ISAKMP_CFG_ACK.
        ACK = 4,
    }
}

wire_enum! {
    /// Attribute payload attribute type: Mode Config, Xauth
    /// (draft-ietf-ipsec-isakmp-xauth-06) and Cisco Unity.
    ///
    /// The legacy Xauth numbering of draft -02 (13 to 20) collides with Mode
    /// Config numbers and is not named here; such values round-trip as
    /// numbers.
    pub struct ConfigAttributeType(u16) {
        /// INTERNAL_IP4_ADDRESS.
        INTERNAL_IP4_ADDRESS = 1,
        /// INTERNAL_IP4_NETMASK.
        INTERNAL_IP4_NETMASK = 2,
        /// INTERNAL_IP4_DNS.
        INTERNAL_IP4_DNS = 3,
        /// INTERNAL_IP4_NBNS (WINS).
        INTERNAL_IP4_NBNS = 4,
        /// INTERNAL_ADDRESS_EXPIRY.
        INTERNAL_ADDRESS_EXPIRY = 5,
        /// INTERNAL_IP4_DHCP.
        INTERNAL_IP4_DHCP = 6,
        /// APPLICATION_VERSION.
        APPLICATION_VERSION = 7,
        /// INTERNAL_IP6_ADDRESS.
        INTERNAL_IP6_ADDRESS = 8,
        /// INTERNAL_IP6_NETMASK.
        INTERNAL_IP6_NETMASK = 9,
        /// INTERNAL_IP6_DNS.
        INTERNAL_IP6_DNS = 10,
        /// INTERNAL_IP6_NBNS.
        INTERNAL_IP6_NBNS = 11,
        /// INTERNAL_IP6_DHCP.
        INTERNAL_IP6_DHCP = 12,
        /// INTERNAL_IP4_SUBNET.
        INTERNAL_IP4_SUBNET = 13,
        /// SUPPORTED_ATTRIBUTES.
        SUPPORTED_ATTRIBUTES = 14,
        /// INTERNAL_IP6_SUBNET.
        INTERNAL_IP6_SUBNET = 15,
        /// XAUTH_TYPE ([`XauthType`]).
        XAUTH_TYPE = 16520,
        /// XAUTH_USER_NAME.
        XAUTH_USER_NAME = 16521,
        /// XAUTH_USER_PASSWORD.
        XAUTH_USER_PASSWORD = 16522,
        /// XAUTH_PASSCODE.
        XAUTH_PASSCODE = 16523,
        /// XAUTH_MESSAGE.
        XAUTH_MESSAGE = 16524,
        /// XAUTH_CHALLENGE.
        XAUTH_CHALLENGE = 16525,
        /// XAUTH_DOMAIN.
        XAUTH_DOMAIN = 16526,
        /// XAUTH_STATUS ([`XauthStatus`]).
        XAUTH_STATUS = 16527,
        /// XAUTH_NEXT_PIN.
        XAUTH_NEXT_PIN = 16528,
        /// XAUTH_ANSWER.
        XAUTH_ANSWER = 16529,
        /// INTERNAL_IP4_SERVER (strongSwan private).
        INTERNAL_IP4_SERVER = 23456,
        /// INTERNAL_IP6_SERVER (strongSwan private).
        INTERNAL_IP6_SERVER = 23457,
        /// UNITY_BANNER.
        UNITY_BANNER = 28672,
        /// UNITY_SAVE_PASSWD.
        UNITY_SAVE_PASSWD = 28673,
        /// UNITY_DEF_DOMAIN.
        UNITY_DEF_DOMAIN = 28674,
        /// UNITY_SPLITDNS_NAME.
        UNITY_SPLITDNS_NAME = 28675,
        /// UNITY_SPLIT_INCLUDE.
        UNITY_SPLIT_INCLUDE = 28676,
        /// UNITY_NATT_PORT (Cisco UDP encapsulation port).
        UNITY_NATT_PORT = 28677,
        /// UNITY_LOCAL_LAN (split exclude).
        UNITY_LOCAL_LAN = 28678,
        /// UNITY_PFS.
        UNITY_PFS = 28679,
        /// UNITY_FW_TYPE.
        UNITY_FW_TYPE = 28680,
        /// UNITY_BACKUP_SERVERS.
        UNITY_BACKUP_SERVERS = 28681,
        /// UNITY_DDNS_HOSTNAME.
        UNITY_DDNS_HOSTNAME = 28682,
    }
}

wire_enum! {
    /// Value of the XAUTH_TYPE attribute.
    pub struct XauthType(u16) {
        /// Generic (user name and password).
        GENERIC = 0,
        /// RADIUS-CHAP.
        CHAP = 1,
        /// One-time password.
        OTP = 2,
        /// S/KEY.
        SKEY = 3,
    }
}

wire_enum! {
    /// Value of the XAUTH_STATUS attribute.
    pub struct XauthStatus(u16) {
        /// Authentication failed.
        FAIL = 0,
        /// Authentication succeeded.
        OK = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_name_or_the_number() {
        assert_eq!(format!("{:?}", NotifyType::R_U_THERE), "R_U_THERE");
        assert_eq!(format!("{:?}", NotifyType(40502)), "NotifyType(40502)");
        assert_eq!(format!("{}", PayloadType::NAT_D_DRAFT), "NAT_D_DRAFT");
        assert_eq!(ExchangeType::MAIN_MODE.name(), Some("IDENTITY_PROTECTION"));
        assert_eq!(u8::from(PayloadType::FRAGMENTATION), 132);
        assert_eq!(
            ConfigAttributeType::from(0x7000),
            ConfigAttributeType::UNITY_BANNER
        );
        assert_eq!(ConfigAttributeType::XAUTH_TYPE.get(), 0x4088);
        assert_eq!(ConfigAttributeType::XAUTH_ANSWER.get(), 0x4091);
    }

    #[test]
    fn known_values_are_distinct() {
        fn distinct<T: PartialEq + core::fmt::Debug>(all: &[T]) {
            for (i, a) in all.iter().enumerate() {
                for b in all.iter().skip(i + 1) {
                    assert_ne!(a, b);
                }
            }
        }
        distinct(NotifyType::KNOWN);
        distinct(PayloadType::KNOWN);
        distinct(ConfigAttributeType::KNOWN);
        distinct(AuthMethod::KNOWN);
    }

    #[test]
    fn consts_work_as_patterns() {
        let t = ExchangeType(2);
        let is_main = matches!(t, ExchangeType::IDENTITY_PROTECTION);
        assert!(is_main);
    }
}
