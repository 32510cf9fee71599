//! What an exchange says under `debug crypto isakmp` about the payloads it
//! reads and writes, in IOS's words: `processing SA payload`, each vendor
//! ID, the transform under check and its attributes, an ID payload dump,
//! the crypto engine's steps. Each line is said only where the exchange
//! really does what it names, and only built if it is written
//! ([`Trace`](super::trace::Trace)).

use std::net::Ipv4Addr;

use super::Ctx;
use super::chain::{Parsed, Payload};
use crate::crypto::vid::{self, NatTVersion, VendorIdKind};
use crate::wire::{
    AttributeValue, AuthAlgorithm, DataAttribute, EncapsulationMode, EncryptionAlgorithm,
    EspTransformId, HashAlgorithm, IdPayload, IdType, IpsecAttribute, LifeType, OakleyAttribute,
    PayloadType, SaPayload, Transform,
};

/// `processing SA payload. message ID = 0`.
pub(crate) fn processing(ctx: &mut Ctx<'_>, what: &str, message_id: u32) {
    ctx.trace.conn(format_args!(
        "processing {what} payload. message ID = {}",
        message_id as i32
    ));
}

/// `CryptoEngine0: generate alg parameter` and the like.
pub(crate) fn crypto_engine(ctx: &mut Ctx<'_>, what: &str) {
    ctx.trace.verbatim(format_args!("CryptoEngine0: {what}"));
}

/// `CryptoEngine0: generate hmac context for conn id N`: a prf over the
/// SA's keys (a HASH computed or checked).
pub(crate) fn hmac(ctx: &mut Ctx<'_>) {
    let id = ctx.trace.conn_id();
    ctx.trace.verbatim(format_args!(
        "CryptoEngine0: generate hmac context for conn id {id}"
    ));
}

/// Our Diffie-Hellman pair was made.
pub(crate) fn dh_generated(ctx: &mut Ctx<'_>) {
    crypto_engine(ctx, "generate alg parameter");
    ctx.trace.verbatim("CRYPTO_ENGINE: Dh phase 1 status: 0");
}

/// SKEYID was derived.
pub(crate) fn skeyid(ctx: &mut Ctx<'_>) {
    let id = ctx.trace.conn_id();
    ctx.trace.verbatim(format_args!(
        "CryptoEngine0: create ISAKMP SKEYID for conn id {id}"
    ));
    ctx.trace.conn("SKEYID state generated");
}

/// Each vendor ID of a message, as IOS tells them apart: by the real
/// table ([`vid::recognize`]). IOS reads a Unity/DPD major version out of
/// byte 14 of any vendor ID that is neither, and says so.
pub(crate) fn vendor_ids(ctx: &mut Ctx<'_>, payloads: &[Parsed]) {
    if !ctx.trace.isakmp() {
        return;
    }
    for p in payloads {
        let Payload::VendorId(crate::wire::VendorIdPayload { data: v }) = &p.payload else {
            continue;
        };
        ctx.trace.conn("processing vendor id payload");
        let kind = vid::recognize(v).map(|m| m.kind());
        if !matches!(kind, Some(VendorIdKind::CiscoUnity | VendorIdKind::Dpd)) {
            if let Some(major) = v.get(14) {
                ctx.trace.conn(format_args!(
                    "vendor ID seems Unity/DPD but major {major} mismatch"
                ));
            }
        }
        let name = match kind {
            Some(VendorIdKind::CiscoUnity) => Some("Unity".to_owned()),
            Some(VendorIdKind::Dpd) => Some("DPD".to_owned()),
            Some(VendorIdKind::Xauth) => Some("Xauth".to_owned()),
            Some(VendorIdKind::NatT(v)) => natt_name(v).map(|n| format!("NAT-T {n}")),
            _ => None,
        };
        if let Some(name) = name {
            ctx.trace.conn(format_args!("vendor ID is {name}"));
        } else if kind == Some(VendorIdKind::CiscoIos) {
            ctx.trace.conn("speaking to another IOS box!");
        }
    }
}

fn natt_name(v: NatTVersion) -> Option<&'static str> {
    Some(match v {
        NatTVersion::Rfc3947 => "RFC 3947",
        NatTVersion::Draft02 | NatTVersion::Draft02N => "v2",
        NatTVersion::Draft03 => "v3",
        NatTVersion::Draft04 => "v4",
        NatTVersion::Draft05 => "v5",
        NatTVersion::Draft06 => "v6",
        NatTVersion::Draft07 => "v7",
        NatTVersion::Draft08 => "v8",
        _ => return None,
    })
}

/// The check that accepted a phase-1 transform: `Checking ISAKMP
/// transform N against priority P policy`, its attributes, `atts are
/// acceptable. Next payload is ..` (3: another transform follows, 0: it
/// was the last).
pub(crate) fn phase1_accepted(
    ctx: &mut Ctx<'_>,
    sa: &SaPayload,
    transform: &Transform,
    priority: Option<u32>,
) {
    if !ctx.trace.isakmp() {
        return;
    }
    if let Some(p) = priority {
        ctx.trace.conn(format_args!(
            "Checking ISAKMP transform {} against priority {p} policy",
            transform.number
        ));
    }
    for a in &transform.attributes {
        if let Some(text) = phase1_attr(a) {
            ctx.trace.global(format_args!("     {text}"));
        }
    }
    let last = sa
        .proposals
        .iter()
        .flat_map(|p| p.transforms.last())
        .any(|t| t.number == transform.number);
    let next = if last { 0 } else { 3 };
    ctx.trace
        .conn(format_args!("atts are acceptable. Next payload is {next}"));
}

/// `Authentication by xauth preshared`: the accepted transform asks for
/// Xauth after the pre-shared key (XAUTHInitPreShared).
pub(crate) fn xauth_preshared(ctx: &mut Ctx<'_>, transform: &Transform) {
    if is_xauth(transform) {
        let id = ctx.trace.conn_id();
        ctx.trace.verbatim(format_args!(
            "ISAKMP (0:{id}) Authentication by xauth preshared"
        ));
    }
}

/// The value as IOS reads it: a TV value, or a TLV of 1 to 8 bytes.
fn value(a: &DataAttribute) -> Option<u64> {
    match &a.value {
        AttributeValue::Variable(v) if v.is_empty() => None,
        _ => a.as_u64(),
    }
}

/// A life duration as IOS prints it: `(basic) of 3600`, or the bytes of a
/// variable-length value, `(VPI) of  0x0 0x1 0x51 0x80`.
fn duration(a: &DataAttribute) -> String {
    match &a.value {
        AttributeValue::Basic(v) => format!("(basic) of {v}"),
        AttributeValue::Variable(bytes) => {
            let mut s = String::from("(VPI) of ");
            for b in bytes {
                s.push_str(&format!(" 0x{b:X}"));
            }
            s
        }
    }
}

fn phase1_attr(a: &DataAttribute) -> Option<String> {
    let v = value(a);
    let v16 = v.and_then(|v| u16::try_from(v).ok());
    Some(match a.oakley_type() {
        OakleyAttribute::ENCRYPTION_ALGORITHM => match EncryptionAlgorithm(v16?) {
            EncryptionAlgorithm::DES_CBC => "encryption DES-CBC".into(),
            EncryptionAlgorithm::TRIPLE_DES_CBC => "encryption 3DES-CBC".into(),
            EncryptionAlgorithm::AES_CBC => "encryption AES-CBC".into(),
            _ => return None,
        },
        OakleyAttribute::HASH_ALGORITHM => match HashAlgorithm(v16?) {
            HashAlgorithm::MD5 => "hash MD5".into(),
            HashAlgorithm::SHA => "hash SHA".into(),
            HashAlgorithm::SHA2_256 => "hash SHA256".into(),
            HashAlgorithm::SHA2_384 => "hash SHA384".into(),
            HashAlgorithm::SHA2_512 => "hash SHA512".into(),
            _ => return None,
        },
        OakleyAttribute::AUTHENTICATION_METHOD => match crate::wire::AuthMethod(v16?) {
            crate::wire::AuthMethod::PRE_SHARED_KEY => "auth pre-share".into(),
            crate::wire::AuthMethod::RSA_SIGNATURES => "auth RSA sig".into(),
            crate::wire::AuthMethod::XAUTH_INIT_PRE_SHARED => "auth XAUTHInitPreShared".into(),
            _ => return None,
        },
        OakleyAttribute::GROUP_DESCRIPTION => format!("default group {}", v?),
        OakleyAttribute::LIFE_TYPE => match LifeType(v16?) {
            LifeType::SECONDS => "life type in seconds".into(),
            LifeType::KILOBYTES => "life type in kilobytes".into(),
            _ => return None,
        },
        OakleyAttribute::LIFE_DURATION => format!("life duration {}", duration(a)),
        OakleyAttribute::KEY_LENGTH => format!("keylength of {}", v?),
        _ => return None,
    })
}

/// The check that accepted an IPsec proposal: `Checking IPSec proposal
/// N`, each transform with its attributes, `atts are acceptable.`.
pub(crate) fn phase2_accepted(ctx: &mut Ctx<'_>, proposal: u8, transforms: &[&Transform]) {
    if !ctx.trace.isakmp() {
        return;
    }
    ctx.trace
        .conn(format_args!("Checking IPSec proposal {proposal}"));
    for t in transforms {
        let name = match t.esp_transform_id() {
            EspTransformId::DES => "ESP_DES".to_owned(),
            EspTransformId::TRIPLE_DES => "ESP_3DES".to_owned(),
            EspTransformId::NULL => "ESP_NULL".to_owned(),
            EspTransformId::AES_CBC => "ESP_AES".to_owned(),
            n => format!("ESP transform {}", n.get()),
        };
        ctx.trace
            .global(format_args!("transform {}, {name}", t.number));
        ctx.trace.global("  attributes in transform:");
        for a in &t.attributes {
            if let Some(text) = phase2_attr(a) {
                ctx.trace.global(format_args!("     {text}"));
            }
        }
    }
    crypto_engine(ctx, "validate proposal");
    ctx.trace.conn("atts are acceptable.");
}

fn phase2_attr(a: &DataAttribute) -> Option<String> {
    let v = value(a);
    let v16 = v.and_then(|v| u16::try_from(v).ok());
    Some(match a.ipsec_type() {
        IpsecAttribute::SA_LIFE_TYPE => match LifeType(v16?) {
            LifeType::SECONDS => "SA life type in seconds".into(),
            LifeType::KILOBYTES => "SA life type in kilobytes".into(),
            _ => return None,
        },
        IpsecAttribute::SA_LIFE_DURATION => format!("SA life duration {}", duration(a)),
        IpsecAttribute::GROUP_DESCRIPTION => format!("group is {}", v?),
        IpsecAttribute::ENCAPSULATION_MODE => match EncapsulationMode(v16?) {
            EncapsulationMode::TUNNEL => "encaps is 1 (Tunnel)".into(),
            EncapsulationMode::TRANSPORT => "encaps is 2 (Transport)".into(),
            e @ (EncapsulationMode::UDP_TUNNEL | EncapsulationMode::UDP_TUNNEL_DRAFT) => {
                format!("encaps is {} (Tunnel-UDP)", e.get())
            }
            e @ (EncapsulationMode::UDP_TRANSPORT | EncapsulationMode::UDP_TRANSPORT_DRAFT) => {
                format!("encaps is {} (Transport-UDP)", e.get())
            }
            _ => return None,
        },
        IpsecAttribute::AUTH_ALGORITHM => match AuthAlgorithm(v16?) {
            AuthAlgorithm::HMAC_MD5 => "authenticator is HMAC-MD5".into(),
            AuthAlgorithm::HMAC_SHA1 => "authenticator is HMAC-SHA".into(),
            AuthAlgorithm::HMAC_SHA2_256 => "authenticator is HMAC-SHA256".into(),
            _ => return None,
        },
        IpsecAttribute::KEY_LENGTH => format!("key length is {}", v?),
        _ => return None,
    })
}

/// IOS's name of an identity type.
pub(crate) fn id_type_name(ty: IdType) -> &'static str {
    match ty {
        IdType::IPV4_ADDR => "ID_IPV4_ADDR",
        IdType::FQDN => "ID_FQDN",
        IdType::USER_FQDN => "ID_USER_FQDN",
        IdType::IPV4_ADDR_SUBNET => "ID_IPV4_ADDR_SUBNET",
        IdType::KEY_ID => "ID_KEY_ID",
        _ => "ID_UNKNOWN",
    }
}

/// An ID payload dump: `ID payload`, then `next-payload : 8`, `type : 1`,
/// the identity, `protocol`, `port`, `length` (of the whole payload).
pub(crate) fn id_payload(ctx: &mut Ctx<'_>, id: &IdPayload, next_payload: PayloadType) {
    if !ctx.trace.isakmp() {
        return;
    }
    ctx.trace.conn("ID payload ");
    ctx.trace
        .verbatim(format_args!("next-payload : {}", next_payload.get()));
    ctx.trace
        .verbatim(format_args!("type : {} ", id.id_type.get()));
    match (id.id_type, id.data.as_slice()) {
        (IdType::IPV4_ADDR, [a, b, c, d]) => ctx
            .trace
            .verbatim(format_args!("address : {} ", Ipv4Addr::new(*a, *b, *c, *d))),
        (IdType::KEY_ID, name) => ctx.trace.verbatim(format_args!(
            "group id : {} ",
            String::from_utf8_lossy(name).escape_debug()
        )),
        (IdType::FQDN, name) => ctx.trace.verbatim(format_args!(
            "name : {} ",
            String::from_utf8_lossy(name).escape_debug()
        )),
        _ => {}
    }
    ctx.trace
        .verbatim(format_args!("protocol : {} ", id.protocol));
    ctx.trace.verbatim(format_args!("port : {} ", id.port));
    ctx.trace
        .verbatim(format_args!("length : {}", id.data.len() + 8));
}

/// The ID payload we send, and the length IOS totals after it.
pub(crate) fn our_id(ctx: &mut Ctx<'_>, id: &IdPayload, next_payload: PayloadType, xauth: bool) {
    if !ctx.trace.isakmp() {
        return;
    }
    let plus = if xauth { " plus XAUTH" } else { "" };
    ctx.trace.conn(format_args!(
        "SA is doing pre-shared key authentication{plus} using id type {}",
        id_type_name(id.id_type)
    ));
    id_payload(ctx, id, next_payload);
    let conn = ctx.trace.conn_id();
    ctx.trace.verbatim(format_args!(
        "ISAKMP ({conn}): Total payload length: {}",
        id.data.len() + 8
    ));
}

/// The next payload after `p` in a received chain (its generic header's
/// first byte).
pub(crate) fn next_of(p: &Parsed) -> PayloadType {
    p.next_payload()
}

/// The pre-shared key for the peer's address was found: `found peer
/// pre-shared key matching ..` (and, on the first message, `local
/// preshared key found`).
pub(crate) fn psk_found(ctx: &mut Ctx<'_>, first: bool) {
    if !ctx.trace.isakmp() {
        return;
    }
    let peer = *ctx.remote.ip();
    ctx.trace
        .conn(format_args!("found peer pre-shared key matching {peer}"));
    if first {
        let id = ctx.trace.conn_id();
        ctx.trace
            .verbatim(format_args!("ISAKMP (0:{id}) local preshared key found"));
    }
}

/// `peer matches L2L profile`: the authenticated identity matched a named
/// `crypto isakmp profile`.
pub(crate) fn profile_matched(ctx: &mut Ctx<'_>, profile: &crate::policy::Profile) {
    if !profile.name.is_empty() {
        ctx.trace
            .conn(format_args!("peer matches {} profile", profile.name));
    }
}

/// The crypto map's check of the accepted proposal, `debug crypto ipsec`:
/// `IPSEC(validate_proposal_request): proposal part #1,` and the key
/// engine's view of it (no SPI, no lifetime yet).
pub(crate) fn validate_request(
    ctx: &mut Ctx<'_>,
    selectors: &crate::policy::Selectors,
    p: &crate::policy::Phase2Proposal,
) {
    if ctx.trace.ipsec() {
        ctx.trace
            .ipsec_line("IPSEC(validate_proposal_request): proposal part #1,");
        let msg = crate::engine::ios_ipsec::KeyEngineMsg {
            inbound: true,
            local: *ctx.local.ip(),
            remote: *ctx.remote.ip(),
            selectors,
            cipher: p.cipher,
            integrity: p.integrity,
            mode: p.mode,
            lifetime: crate::policy::Lifetime::default(),
            spi: 0,
            conn_id: 0,
        };
        for line in msg.lines() {
            ctx.trace.ipsec_line(line);
        }
    }
    crypto_engine(ctx, "validate proposal request");
}

/// The transform asks for Xauth after the pre-shared key
/// (XAUTHInitPreShared).
pub(crate) fn is_xauth(transform: &Transform) -> bool {
    transform.attributes.iter().any(|a| {
        a.oakley_type() == OakleyAttribute::AUTHENTICATION_METHOD
            && value(a)
                == Some(u64::from(
                    crate::wire::AuthMethod::XAUTH_INIT_PRE_SHARED.get(),
                ))
    })
}

/// Our Diffie-Hellman private value is gone.
pub(crate) fn clear_dh(ctx: &mut Ctx<'_>) {
    let id = ctx.trace.conn_id();
    ctx.trace.verbatim(format_args!(
        "CryptoEngine0: clear dh number for conn id {id}"
    ));
}

/// The NAT-T vendor ID we answer with.
pub(crate) fn constructed_natt(ctx: &mut Ctx<'_>, m: super::NattMethod) {
    let name = match m {
        super::NattMethod::Draft02 => "02",
        super::NattMethod::Draft03 => "03",
        super::NattMethod::Rfc3947 => "rfc",
    };
    ctx.trace
        .conn(format_args!("constructed NAT-T vendor-{name} ID"));
}
