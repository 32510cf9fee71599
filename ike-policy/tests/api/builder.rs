//! The typed configuration built in code says what the seed's IOS text
//! says: the parser and the builder give the same model, line numbers and
//! the lines IOS kept aside apart.

use std::net::Ipv4Addr;

use ike_policy::Config;
use ike_policy::model::{
    AaaMethod, AccessList, AddressWildcard, ClientConfigAddress, ClientConfigGroup, CryptoMapEntry,
    DhGroup, EspEncryption, EspIntegrity, IkeAuthentication, IkeEncryption, Interface,
    IsakmpPolicy, IsakmpProfile, KeyPeer, Keyring, MatchIdentity, PasswordEncoding, TransformSet,
    User,
};

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

fn seed_policy() -> IsakmpPolicy {
    IsakmpPolicy::new(10)
        .encryption(IkeEncryption::TripleDes)
        .authentication(IkeAuthentication::PreShare)
        .group(DhGroup::Group2)
}

fn myset() -> TransformSet {
    TransformSet::new(
        "myset",
        EspEncryption::TripleDes,
        Some(EspIntegrity::ShaHmac),
    )
}

#[test]
fn the_seeds_hub_built_in_code_is_the_parsed_one() {
    let hub = Config::new()
        .with_hostname("Hub")
        .with_service_password_encryption()
        // `password 7 0201024E070A0E2649`
        .with_user(User::with_password(
            "gfullage",
            "gfullage",
            PasswordEncoding::Type7,
        ))
        .with_aaa_authentication_login("clientauth", &[AaaMethod::Local])
        .with_aaa_authorization_network("groupauthor", &[AaaMethod::Local])
        .with_keyring(Keyring::new("spokes").pre_shared_key(KeyPeer::ANY, "cisco123"))
        .with_isakmp_policy(seed_policy())
        .with_client_group(
            ClientConfigGroup::named("testgroup", "cisco321")
                .dns(&[ip(1, 1, 1, 1), ip(2, 2, 2, 2)])
                .wins(&[ip(3, 3, 3, 3), ip(4, 4, 4, 4)])
                .domain("cisco.com")
                .pool("ippool"),
        )
        .with_isakmp_profile(
            IsakmpProfile::named("L2L")
                .description("LAN-to-LAN for spoke router(s) connection")
                .keyring("spokes")
                .match_identity(MatchIdentity::address(Ipv4Addr::UNSPECIFIED)),
        )
        .with_isakmp_profile(
            IsakmpProfile::named("VPNclient")
                .description("VPN clients profile")
                .match_identity(MatchIdentity::Group("testgroup".into()))
                .client_authentication_list("clientauth")
                .isakmp_authorization_list("groupauthor")
                .client_configuration_address(ClientConfigAddress::Respond),
        )
        .with_transform_set(myset())
        .with_dynamic_map_entry(
            "dynmap",
            CryptoMapEntry::seq(5)
                .transform_set("myset")
                .isakmp_profile("VPNclient"),
        )
        .with_dynamic_map_entry(
            "dynmap",
            CryptoMapEntry::seq(10)
                .transform_set("myset")
                .isakmp_profile("L2L"),
        )
        .with_crypto_map_entry("mymap", CryptoMapEntry::dynamic(10, "dynmap"))
        .with_interface(
            Interface::named("FastEthernet0/0")
                .description("Outside interface")
                .address(ip(10, 48, 67, 181), ip(255, 255, 255, 224))
                .crypto_map("mymap"),
        )
        .with_interface(
            Interface::named("FastEthernet0/1")
                .description("Inside interface")
                .address(ip(10, 1, 1, 1), ip(255, 255, 254, 0)),
        )
        .with_local_pool("ippool", ip(10, 5, 5, 1), ip(10, 5, 5, 254))
        .with_ip_route(
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            ip(10, 48, 66, 181),
        );
    assert_eq!(hub, super::hub().without_source());
}

#[test]
fn the_seeds_spoke_built_in_code_is_the_parsed_one() {
    let hub = ip(10, 48, 67, 181);
    let spoke = Config::new()
        .with_hostname("Spoke")
        .with_isakmp_policy(seed_policy())
        .with_isakmp_key("cisco123", KeyPeer::address(hub))
        .with_transform_set(myset())
        .with_crypto_map_entry(
            "mymap",
            CryptoMapEntry::seq(10)
                .peer(hub)
                .transform_set("myset")
                .match_address("100"),
        )
        .with_interface(
            Interface::named("FastEthernet0/0")
                .description("Outside interface")
                .dhcp()
                .crypto_map("mymap"),
        )
        .with_interface(
            Interface::named("FastEthernet0/1")
                .description("Inside interface")
                .address(ip(10, 2, 2, 2), ip(255, 255, 255, 0)),
        )
        .with_interface(Interface {
            shutdown: true,
            ..Interface::named("ATM1/0")
        })
        .with_ip_route(
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            ip(10, 100, 2, 3),
        )
        .with_access_list(AccessList::extended("100").permit_ip(
            AddressWildcard::new(ip(10, 2, 0, 0), ip(0, 0, 255, 255)),
            AddressWildcard::new(ip(10, 1, 0, 0), ip(0, 0, 255, 255)),
        ));
    assert_eq!(spoke, super::spoke().without_source());
}

#[test]
fn without_source_drops_only_line_numbers_and_kept_aside_lines() {
    let parsed = super::hub();
    assert!(!parsed.ignored.is_empty());
    assert!(parsed.keyrings[0].line > 0);
    let bare = parsed.clone().without_source();
    assert!(bare.ignored.is_empty());
    assert_eq!(bare.keyrings[0].line, 0);
    assert_eq!(bare.keyrings[0].keys[0].line, 0);
    // Anything else still counts: one changed key makes them differ.
    let mut other = parsed.clone();
    other.keyrings[0].keys[0].key = "cisco124".into();
    assert_ne!(other.without_source(), bare);
}
