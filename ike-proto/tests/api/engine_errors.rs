//! The exchanges' failures are the crate's one `Error`: each maps to the
//! notify a peer should see (the values the exchanges always sent), and a
//! received error notify reads back as the error it stands for.

use ike_proto::engine::notify;
use ike_proto::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};

#[test]
fn exchange_failures_map_to_the_notifies_they_always_sent() {
    let cases: Vec<(Error, Option<u16>)> = vec![
        (
            InvalidMessage::Malformed("x").into(),
            Some(notify::PAYLOAD_MALFORMED),
        ),
        (
            PeerMisbehaved::UnexpectedMessage("x").into(),
            Some(notify::PAYLOAD_MALFORMED),
        ),
        (
            PeerMisbehaved::InvalidHash.into(),
            Some(notify::INVALID_HASH_INFORMATION),
        ),
        (
            PeerMisbehaved::AuthenticationFailed.into(),
            Some(notify::AUTHENTICATION_FAILED),
        ),
        (
            PeerMisbehaved::UndecryptableMessage.into(),
            Some(notify::AUTHENTICATION_FAILED),
        ),
        (
            PeerMisbehaved::InvalidKeyInformation.into(),
            Some(notify::INVALID_KEY_INFORMATION),
        ),
        (
            PeerMisbehaved::InvalidCookie.into(),
            Some(notify::INVALID_COOKIE),
        ),
        (
            PeerMisbehaved::InvalidMessageId(3).into(),
            Some(notify::INVALID_MESSAGE_ID),
        ),
        (
            PeerMisbehaved::InvalidIdInformation("x").into(),
            Some(notify::INVALID_ID_INFORMATION),
        ),
        (
            PeerIncompatible::NoProposalChosen.into(),
            Some(notify::NO_PROPOSAL_CHOSEN),
        ),
        (
            PeerIncompatible::InvalidIdInformation.into(),
            Some(notify::INVALID_ID_INFORMATION),
        ),
        (
            PeerIncompatible::NoPresharedKey.into(),
            Some(notify::AUTHENTICATION_FAILED),
        ),
        (
            PeerIncompatible::Refused("x").into(),
            Some(notify::AUTHENTICATION_FAILED),
        ),
        (
            PeerIncompatible::UnsupportedMajorVersion(2).into(),
            Some(notify::INVALID_MAJOR_VERSION),
        ),
        (Error::Internal("x"), None),
    ];
    for (e, want) in cases {
        assert_eq!(e.notify_number(), want, "{e}");
        assert_eq!(e.notify().map(|n| n.get()), want, "{e}");
    }
}

#[test]
fn a_received_error_notify_reads_back_as_the_error_it_names() {
    for ty in [
        notify::NO_PROPOSAL_CHOSEN,
        notify::INVALID_ID_INFORMATION,
        notify::INVALID_HASH_INFORMATION,
        notify::AUTHENTICATION_FAILED,
        notify::PAYLOAD_MALFORMED,
        notify::INVALID_KEY_INFORMATION,
    ] {
        assert_eq!(Error::from_notify(ty).notify_number(), Some(ty), "{ty}");
    }
    assert_eq!(
        Error::from_notify(notify::NO_PROPOSAL_CHOSEN),
        Error::PeerIncompatible(PeerIncompatible::NoProposalChosen)
    );
    // Anything else is a refusal we cannot name more precisely.
    assert!(matches!(
        Error::from_notify(notify::INVALID_SPI),
        Error::PeerIncompatible(PeerIncompatible::Refused(_))
    ));
}

#[test]
fn messages_say_who_was_at_fault() {
    let e: Error = PeerMisbehaved::UndecryptableMessage.into();
    assert!(e.to_string().starts_with("peer misbehaved: "), "{e}");
    assert!(e.to_string().contains("pre-shared key mismatch"), "{e}");
    let e: Error = PeerIncompatible::Refused("no profile matched").into();
    assert_eq!(
        e.to_string(),
        "peer incompatible: refused by policy: no profile matched"
    );
    assert_eq!(
        Error::Internal("DH group").to_string(),
        "internal error: DH group"
    );
}
