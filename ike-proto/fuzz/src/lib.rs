//! Round-trip checks shared by the fuzz targets: whatever a decoder accepts
//! must re-emit to exactly the bytes it came from.

use ike_proto::error::Error;
use ike_proto::wire::{
    self, AttributePayload, Datagram, DeletePayload, EncryptedMessage, IdPayload, IsakmpPacket,
    Message, NotifyPayload, Payload, PayloadType, Proposal, SaPayload, Transform,
};

/// Panics unless `emit` reproduces `data`.
fn same(what: &str, data: &[u8], emit: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>) {
    let mut out = Vec::new();
    if let Err(e) = emit(&mut out) {
        panic!("{what}: parsed but does not emit: {e}");
    }
    assert_eq!(out, data, "{what}: re-emitted bytes differ");
}

/// Whole datagrams: the header view, `Datagram`, `Message` and
/// `EncryptedMessage`, and the body parsed again as decrypted plaintext.
pub fn message(data: &[u8]) {
    if let Ok(p) = IsakmpPacket::new_checked(data) {
        let _ = (p.header(), p.next_payload(), p.length(), p.body());
    }
    if let Ok(d) = Datagram::parse(data) {
        same("Datagram", data, |o| d.emit(o));
    }
    if let Ok(m) = Message::parse(data) {
        assert_eq!(m.buffer_len(), data.len());
        same("Message", data, |o| m.emit(o));
    }
    if let Ok(e) = EncryptedMessage::parse(data) {
        same("EncryptedMessage", data, |o| e.emit(o));
        plaintext(e.next_payload, e.ciphertext);
    }
}

/// A decrypted body: chain plus padding re-emits to the input.
pub fn plaintext(first: PayloadType, data: &[u8]) {
    if let Ok(p) = wire::parse_payloads_padded(first, data) {
        same("padded chain", data, |o| {
            wire::emit_payloads(&p.payloads, o)?;
            o.extend_from_slice(p.padding);
            Ok(())
        });
    }
    for raw in wire::RawPayloads::new(first, data) {
        let Ok(raw) = raw else { break };
        assert_eq!(raw.bytes.len(), raw.body.len() + 4);
    }
}

/// A payload chain; the first byte names the first payload's type.
pub fn payload_chain(data: &[u8]) {
    let Some((&first, chain)) = data.split_first() else {
        return;
    };
    let first = PayloadType(first);
    if let Ok(p) = wire::parse_payloads(first, chain) {
        assert_eq!(
            wire::first_payload_type(&p),
            if p.is_empty() {
                PayloadType::NONE
            } else {
                first
            }
        );
        assert_eq!(wire::payloads_len(&p), chain.len());
        same("chain", chain, |o| wire::emit_payloads(&p, o));
    }
    plaintext(first, chain);
}

/// One payload body; the first byte names its type.
pub fn payload(data: &[u8]) {
    let Some((&t, body)) = data.split_first() else {
        return;
    };
    if let Ok(p) = Payload::parse(PayloadType(t), body) {
        assert_eq!(p.body_len(), body.len());
        same("payload body", body, |o| p.emit_body(o));
    }
}

/// An SA payload body.
pub fn sa(data: &[u8]) {
    if let Ok(p) = SaPayload::parse(data) {
        assert_eq!(p.buffer_len(), data.len());
        same("SA", data, |o| p.emit(o));
    }
}

/// A proposal body.
pub fn proposal(data: &[u8]) {
    if let Ok(p) = Proposal::parse(data) {
        assert_eq!(p.buffer_len(), data.len());
        same("proposal", data, |o| p.emit(o));
    }
}

/// A transform body.
pub fn transform(data: &[u8]) {
    if let Ok(p) = Transform::parse(data) {
        assert_eq!(p.buffer_len(), data.len());
        same("transform", data, |o| p.emit(o));
    }
}

/// A list of data attributes, and the same bytes as an ATTRIBUTE payload.
pub fn attributes(data: &[u8]) {
    if let Ok(a) = wire::parse_attributes(data) {
        assert_eq!(wire::attributes_len(&a), data.len());
        for x in &a {
            let _ = (x.as_u64(), x.as_bytes(), x.oakley_type(), x.config_type());
        }
        same("attributes", data, |o| wire::emit_attributes(&a, o));
    }
    if let Ok(p) = AttributePayload::parse(data) {
        same("ATTRIBUTE", data, |o| p.emit(o));
    }
    // The lenient parse takes zero padding after the list, says how much,
    // and emits exactly what came before it.
    if let Ok((p, padding)) = AttributePayload::parse_padded(data) {
        let (list, pad) = data.split_at(data.len() - padding);
        assert!(pad.iter().all(|b| *b == 0), "padding that is not zero");
        same("ATTRIBUTE (padded)", list, |o| p.emit(o));
    }
}

/// An ID payload body, with every typed accessor.
pub fn id(data: &[u8]) {
    if let Ok(p) = IdPayload::parse(data) {
        let _ = (
            p.value(),
            p.ipv4_addr(),
            p.ipv4_subnet_value(),
            p.ipv4_range_value(),
            p.fqdn_value(),
            p.user_fqdn_value(),
            p.key_id_value(),
        );
        same("ID", data, |o| p.emit(o));
    }
}

/// A NOTIFY payload body, with its accessors.
pub fn notify(data: &[u8]) {
    if let Ok(p) = NotifyPayload::parse(data) {
        let _ = (p.dpd_sequence(), p.cookies(), p.data_attributes());
        same("NOTIFY", data, |o| p.emit(o));
    }
}

/// A DELETE payload body.
pub fn delete(data: &[u8]) {
    if let Ok(p) = DeletePayload::parse(data) {
        same("DELETE", data, |o| p.emit(o));
    }
}
