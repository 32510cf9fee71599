//! Type 7 passwords against the shared vectors.

use ike_policy::model::Credential;
use ike_policy::type7;

const VECTORS: &str = include_str!("../vectors/cisco_type7.json");

#[test]
fn every_vector_pair_decodes_and_reencodes() {
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 4);
    for p in pairs {
        let encoded = p["encoded"].as_str().unwrap();
        let decoded = p["decoded"].as_str().unwrap();
        let salt = p["salt"].as_u64().unwrap() as u8;
        assert_eq!(
            type7::decode(encoded).unwrap().expose(),
            decoded.as_bytes(),
            "{encoded}"
        );
        if p["reencoded_matches"].as_bool() == Some(true) {
            assert_eq!(type7::encode(decoded.as_bytes(), salt).unwrap(), encoded);
        }
        // Hex is case-insensitive on input.
        assert_eq!(
            type7::decode(&encoded.to_lowercase()).unwrap().expose(),
            decoded.as_bytes()
        );
    }
}

#[test]
fn the_vector_notes_encodings_of_cisco() {
    // The notes of the vector file list "cisco" under nine salts.
    for (enc, salt) in [
        ("121A0C041104", 12),
        ("0822455D0A16", 8),
        ("02050D480809", 2),
        ("094F471A1A0A", 9),
        ("070C285F4D06", 7),
        ("045802150C2E", 4),
        ("104D000A0618", 10),
        ("1511021F0725", 15),
        ("13061E010803", 13),
    ] {
        assert_eq!(type7::decode(enc).unwrap().expose(), b"cisco", "{enc}");
        assert_eq!(type7::encode(b"cisco", salt).unwrap(), enc);
    }
}

#[test]
fn the_seeds_two_type7_strings() {
    // `username gfullage password 7 0201024E070A0E2649` in the hub.
    let hub = crate::hub();
    match &hub.user("gfullage").unwrap().credential {
        Credential::Password { plain, .. } => assert_eq!(plain.expose(), b"gfullage"),
        other => panic!("{other:?}"),
    }
    // ` password 7 121A0C041104` under `line vty 0 4`, kept aside.
    let line = hub
        .ignored
        .iter()
        .find(|l| l.text.contains("password 7"))
        .unwrap();
    let enc = line.text.split_whitespace().last().unwrap();
    assert_eq!(type7::decode(enc).unwrap().expose(), b"cisco");
}
