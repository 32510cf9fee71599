//! Pools and local users.

use super::*;

#[test]
fn ippool_hands_out_the_lowest_free_address() {
    let c = hub();
    let mut pool = AddressPool::new(c.local_pool("ippool").unwrap());
    assert_eq!(pool.name(), "ippool");
    assert_eq!(pool.size(), 254);
    assert_eq!(
        pool.allocate(),
        Some(ip("10.5.5.1")),
        "ISAKMP (0:2): allocating address 10.5.5.1"
    );
    assert_eq!(pool.allocate(), Some(ip("10.5.5.2")));
    assert_eq!(pool.allocate(), Some(ip("10.5.5.3")));
    assert!(pool.release(ip("10.5.5.2")));
    assert!(!pool.release(ip("10.5.5.2")));
    assert_eq!(pool.allocate(), Some(ip("10.5.5.2")));
    assert_eq!(pool.in_use(), 3);
    assert!(pool.allocate_specific(ip("10.5.5.200")));
    assert!(!pool.allocate_specific(ip("10.5.5.200")));
    assert!(!pool.allocate_specific(ip("10.5.6.1")));
    assert!(pool.is_allocated(ip("10.5.5.200")));
    assert!(pool.contains(ip("10.5.5.254")) && !pool.contains(ip("10.5.5.255")));
}

#[test]
fn pools_run_out_and_span_ranges() {
    let c = parse("ip local pool p 10.0.0.1 10.0.0.2\nip local pool p 10.0.1.10\n").unwrap();
    let mut pool = AddressPool::new(c.local_pool("p").unwrap());
    assert_eq!(pool.size(), 3);
    let got: Vec<_> = std::iter::from_fn(|| pool.allocate()).collect();
    assert_eq!(got, vec![ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.1.10")]);
    assert_eq!(pool.allocate(), None);
    pool.release(ip("10.0.0.1"));
    assert_eq!(pool.allocate(), Some(ip("10.0.0.1")));
    let top = parse("ip local pool t 255.255.255.254 255.255.255.255\n").unwrap();
    let mut pool = AddressPool::new(top.local_pool("t").unwrap());
    assert_eq!(pool.allocate(), Some(ip("255.255.255.254")));
    assert_eq!(pool.allocate(), Some(ip("255.255.255.255")));
    assert_eq!(pool.allocate(), None);
}

#[test]
fn xauth_users_against_the_local_database() {
    let c = hub();
    assert!(verify_local_user(&c, "gfullage", b"gfullage"));
    assert!(!verify_local_user(&c, "gfullage", b"wrong"));
    assert!(!verify_local_user(&c, "nobody", b"gfullage"));
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "gfullage", b"gfullage"),
        Some(true)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "GFULLAGE", b"gfullage"),
        Some(true)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "gfullage", b"nope"),
        Some(false)
    );
    assert_eq!(
        authenticate_xauth(&c, "clientauth", "nobody", b"x"),
        Some(false)
    );
    assert_eq!(
        authenticate_xauth(&c, "nolist", "gfullage", b"gfullage"),
        None
    );

    let c = parse(
        "aaa new-model\naaa authentication login lc local-case\naaa authentication login rad group radius\n\
         username Bob password 0 pw\nusername hashed secret 5 $1$x$y\n",
    )
    .unwrap();
    assert_eq!(authenticate_xauth(&c, "lc", "Bob", b"pw"), Some(true));
    assert_eq!(authenticate_xauth(&c, "lc", "bob", b"pw"), Some(false));
    assert_eq!(authenticate_xauth(&c, "rad", "Bob", b"pw"), None);
    assert!(!verify_local_user(&c, "hashed", b"anything"));
}
