//! `show crypto ipsec sa` and its `peer`, `map` and `interface` filters.

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

/// The SAs of one interface that carries a crypto map: the unit IOS groups
/// `show crypto ipsec sa` by (`interface:` and `Crypto map tag:` lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceSas {
    /// The interface name, e.g. `FastEthernet0/0`.
    pub interface: String,
    /// The crypto map applied to it, e.g. `mymap`.
    pub crypto_map_tag: String,
    /// The interface's address, the local crypto endpoint.
    pub local_addr: Ipv4Addr,
    /// One entry per protected flow (pair of proxy identities), in the order
    /// to print.
    pub flows: Vec<FlowView>,
}

/// One protected flow: the proxy identities, the peer, the counters and the
/// SAs that carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowView {
    /// The inside (protected) VRF; empty for the global table.
    pub protected_vrf: String,
    /// Our side of the flow (`local ident`).
    pub local_ident: ProxyIdent,
    /// The peer's side of the flow (`remote ident`).
    pub remote_ident: ProxyIdent,
    /// The peer's outside address.
    pub peer_addr: Ipv4Addr,
    /// The peer's UDP port: 500, or 4500 (or a NAT's port) after NAT-T.
    pub peer_port: u16,
    /// The flow's flags, printed in order inside `flags={...}`.
    pub flags: Vec<FlowFlag>,
    /// The packet counters of the flow.
    pub counters: FlowCounters,
    /// Local crypto endpoint (outer source address).
    pub local_endpoint: Ipv4Addr,
    /// Remote crypto endpoint (outer destination address).
    pub remote_endpoint: Ipv4Addr,
    /// Path MTU towards the peer.
    pub path_mtu: u16,
    /// MTU of the outside interface.
    pub ip_mtu: u16,
    /// SPI of the outbound SA in use, 0 when there is none.
    pub current_outbound_spi: u32,
    /// Inbound ESP SAs (more than one while a rekey overlaps).
    pub inbound_esp: Vec<EspSaView>,
    /// Outbound ESP SAs.
    pub outbound_esp: Vec<EspSaView>,
}

/// A proxy identity as IOS prints it: `(addr/mask/prot/port)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyIdent {
    /// Network address.
    pub addr: Ipv4Addr,
    /// Network mask (not a wildcard).
    pub mask: Ipv4Addr,
    /// IP protocol number, 0 for any.
    pub protocol: u8,
    /// Port, 0 for any.
    pub port: u16,
}

impl fmt::Display for ProxyIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}/{}/{}/{})",
            self.addr, self.mask, self.protocol, self.port
        )
    }
}

/// A flag of a flow in `flags={...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowFlag {
    /// `origin_is_acl`: the flow comes from a static crypto map's ACL.
    OriginIsAcl,
    /// `ipsec_sa_request_sent`: an acquire went to IKE and is pending.
    IpsecSaRequestSent,
}

impl FlowFlag {
    /// IOS's name for the flag.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowFlag::OriginIsAcl => "origin_is_acl",
            FlowFlag::IpsecSaRequestSent => "ipsec_sa_request_sent",
        }
    }
}

/// The fourteen packet counters IOS prints for a flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowCounters {
    /// `#pkts encaps`: packets put into ESP.
    pub encaps: u64,
    /// `#pkts encrypt`: packets encrypted.
    pub encrypt: u64,
    /// `#pkts digest`: packets given an ICV.
    pub digest: u64,
    /// `#pkts decaps`: ESP packets taken apart.
    pub decaps: u64,
    /// `#pkts decrypt`: packets decrypted.
    pub decrypt: u64,
    /// `#pkts verify`: ICVs verified.
    pub verify: u64,
    /// `#pkts compressed` (IPComp; always 0 here, no PCP support).
    pub compressed: u64,
    /// `#pkts decompressed`.
    pub decompressed: u64,
    /// `#pkts not compressed`.
    pub not_compressed: u64,
    /// `#pkts compr. failed`.
    pub compr_failed: u64,
    /// `#pkts not decompressed`.
    pub not_decompressed: u64,
    /// `#pkts decompress failed`.
    pub decompress_failed: u64,
    /// `#send errors`: outbound packets dropped.
    pub send_errors: u64,
    /// `#recv errors`: inbound packets dropped (ICV, replay, padding).
    pub recv_errors: u64,
}

/// Tunnel or transport mode of an SA, with or without UDP encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncapsulationMode {
    /// `{Tunnel, }`
    Tunnel,
    /// `{Tunnel UDP-Encaps, }`: tunnel mode inside UDP (NAT-T).
    TunnelUdpEncaps,
    /// `{Transport, }`
    Transport,
    /// `{Transport UDP-Encaps, }`: transport mode inside UDP (NAT-T).
    TransportUdpEncaps,
}

impl EncapsulationMode {
    /// The words IOS prints between the braces of `in use settings`.
    pub fn as_str(self) -> &'static str {
        match self {
            EncapsulationMode::Tunnel => "Tunnel",
            EncapsulationMode::TunnelUdpEncaps => "Tunnel UDP-Encaps",
            EncapsulationMode::Transport => "Transport",
            EncapsulationMode::TransportUdpEncaps => "Transport UDP-Encaps",
        }
    }
}

/// One ESP SA (one direction) under `inbound esp sas:` or
/// `outbound esp sas:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspSaView {
    /// The SPI, printed in hex and in decimal.
    pub spi: u32,
    /// The transforms in IOS's words, in order: `["esp-3des", "esp-sha-hmac"]`.
    pub transforms: Vec<String>,
    /// The mode in use.
    pub mode: EncapsulationMode,
    /// Crypto engine slot (0: software).
    pub slot: u32,
    /// The SA's connection id in the crypto engine.
    pub conn_id: u32,
    /// The flow id in the crypto engine.
    pub flow_id: u32,
    /// The crypto map that created the SA.
    pub crypto_map: String,
    /// Kilobytes left before the SA's volume lifetime ends.
    pub remaining_kilobytes: u64,
    /// Seconds left before the SA's time lifetime ends.
    pub remaining_secs: u64,
    /// IV size of the cipher, in bytes.
    pub iv_size: u8,
    /// Whether anti-replay is checked on this SA.
    pub replay_detection: bool,
}

/// Which part of the table `show crypto ipsec sa` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpsecSaFilter {
    /// `show crypto ipsec sa`: everything.
    All,
    /// `show crypto ipsec sa peer A`: the flows whose current peer is `A`.
    Peer(Ipv4Addr),
    /// `show crypto ipsec sa map M`: the interfaces that carry crypto map `M`.
    Map(String),
    /// `show crypto ipsec sa interface I`: the interface named `I`.
    Interface(String),
}

impl IpsecSaFilter {
    fn keeps_interface(&self, group: &InterfaceSas) -> bool {
        match self {
            IpsecSaFilter::Map(map) => group.crypto_map_tag == *map,
            IpsecSaFilter::Interface(name) => group.interface == *name,
            IpsecSaFilter::All | IpsecSaFilter::Peer(_) => true,
        }
    }

    fn keeps_flow(&self, flow: &FlowView) -> bool {
        match self {
            IpsecSaFilter::Peer(peer) => flow.peer_addr == *peer,
            _ => true,
        }
    }
}

/// Renders `show crypto ipsec sa` for the interfaces given, in the order
/// given, keeping what `filter` selects.
///
/// Each interface block starts with an empty line, as IOS's output does.
/// An interface without flows still prints its `interface:` and
/// `Crypto map tag:` lines, except under a `peer` filter, which prints only
/// the interfaces holding a flow to that peer. No interface at all (or a
/// filter that matches none) renders as the empty string.
/// The `ah` and `pcp` sections are printed empty: this suite negotiates
/// neither AH nor IP compression.
pub fn render_ipsec_sa(interfaces: &[InterfaceSas], filter: &IpsecSaFilter) -> String {
    let mut out = String::new();
    for group in interfaces.iter().filter(|g| filter.keeps_interface(g)) {
        let flows: Vec<&FlowView> = group
            .flows
            .iter()
            .filter(|f| filter.keeps_flow(f))
            .collect();
        if flows.is_empty() && matches!(filter, IpsecSaFilter::Peer(_)) {
            continue;
        }
        // Infallible: writing to a String.
        let _ = write_interface(&mut out, group, &flows, None);
    }
    out
}

/// The error counters `show crypto ipsec sa detail` adds to a flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowErrors {
    /// Outbound packets with no SA to seal them.
    pub no_sa_send: u64,
    /// Inbound packets whose SPI is unknown.
    pub invalid_sa_recv: u64,
    /// Sealing failures.
    pub encaps_failed: u64,
    /// Opening failures other than those below (bad padding).
    pub decaps_failed: u64,
    /// Inbound packets with a protocol the SA does not carry.
    pub invalid_prot: u64,
    /// ICV (authentication) failures.
    pub verify_failed: u64,
    /// Decapsulated packets outside the SA's proxy identities.
    pub invalid_identity: u64,
    /// Inbound packets of an impossible length.
    pub invalid_len: u64,
    /// Outbound sequence number exhausted.
    pub replay_rollover_send: u64,
    /// Inbound sequence number exhausted.
    pub replay_rollover_recv: u64,
    /// Replayed or too old inbound packets.
    pub replay_failed: u64,
    /// Internal errors, outbound.
    pub internal_send: u64,
    /// Internal errors, inbound.
    pub internal_recv: u64,
}

/// Renders `show crypto ipsec sa detail`: [`render_ipsec_sa`] plus, for
/// each flow, the error counters `errors` gives for it.
pub fn render_ipsec_sa_detail(
    interfaces: &[InterfaceSas],
    filter: &IpsecSaFilter,
    errors: &dyn Fn(&FlowView) -> FlowErrors,
) -> String {
    let mut out = String::new();
    for group in interfaces.iter().filter(|g| filter.keeps_interface(g)) {
        let flows: Vec<&FlowView> = group
            .flows
            .iter()
            .filter(|f| filter.keeps_flow(f))
            .collect();
        if flows.is_empty() && matches!(filter, IpsecSaFilter::Peer(_)) {
            continue;
        }
        let _ = write_interface(&mut out, group, &flows, Some(errors));
    }
    out
}

fn write_interface(
    out: &mut String,
    group: &InterfaceSas,
    flows: &[&FlowView],
    errors: Option<&dyn Fn(&FlowView) -> FlowErrors>,
) -> fmt::Result {
    writeln!(out)?;
    writeln!(out, "interface: {}", group.interface)?;
    writeln!(
        out,
        "Crypto map tag: {}, local addr. {}",
        group.crypto_map_tag, group.local_addr
    )?;
    for flow in flows {
        writeln!(out)?;
        write_flow(out, flow, errors.map(|e| e(flow)))?;
    }
    Ok(())
}

fn write_errors(out: &mut String, e: &FlowErrors) -> fmt::Result {
    writeln!(
        out,
        "#pkts no sa (send) {}, #pkts invalid sa (rcv) {}",
        e.no_sa_send, e.invalid_sa_recv
    )?;
    writeln!(
        out,
        "#pkts encaps failed (send) {}, #pkts decaps failed (rcv) {}",
        e.encaps_failed, e.decaps_failed
    )?;
    writeln!(
        out,
        "#pkts invalid prot (recv) {}, #pkts verify failed: {}",
        e.invalid_prot, e.verify_failed
    )?;
    writeln!(
        out,
        "#pkts invalid identity (recv) {}, #pkts invalid len (rcv) {}",
        e.invalid_identity, e.invalid_len
    )?;
    writeln!(
        out,
        "#pkts replay rollover (send): {}, #pkts replay rollover (rcv) {}",
        e.replay_rollover_send, e.replay_rollover_recv
    )?;
    writeln!(out, "##pkts replay failed (rcv): {}", e.replay_failed)?;
    writeln!(
        out,
        "#pkts internal err (send): {}, #pkts internal err (recv) {}",
        e.internal_send, e.internal_recv
    )
}

fn write_flow(out: &mut String, flow: &FlowView, errors: Option<FlowErrors>) -> fmt::Result {
    let c = &flow.counters;
    writeln!(out, "protected vrf: {}", flow.protected_vrf)?;
    writeln!(
        out,
        "local ident (addr/mask/prot/port): {}",
        flow.local_ident
    )?;
    writeln!(
        out,
        "remote ident (addr/mask/prot/port): {}",
        flow.remote_ident
    )?;
    writeln!(out, "current_peer: {}:{}", flow.peer_addr, flow.peer_port)?;
    out.push_str("PERMIT, flags={");
    for flag in &flow.flags {
        out.push_str(flag.as_str());
        out.push(',');
    }
    out.push_str("}\n");
    writeln!(
        out,
        "#pkts encaps: {}, #pkts encrypt: {}, #pkts digest {}",
        c.encaps, c.encrypt, c.digest
    )?;
    writeln!(
        out,
        "#pkts decaps: {}, #pkts decrypt: {}, #pkts verify {}",
        c.decaps, c.decrypt, c.verify
    )?;
    writeln!(
        out,
        "#pkts compressed: {}, #pkts decompressed: {}",
        c.compressed, c.decompressed
    )?;
    writeln!(
        out,
        "#pkts not compressed: {}, #pkts compr. failed: {}",
        c.not_compressed, c.compr_failed
    )?;
    writeln!(
        out,
        "#pkts not decompressed: {}, #pkts decompress failed: {}",
        c.not_decompressed, c.decompress_failed
    )?;
    if let Some(e) = &errors {
        write_errors(out, e)?;
    }
    writeln!(
        out,
        "#send errors {}, #recv errors {}",
        c.send_errors, c.recv_errors
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "local crypto endpt.: {}, remote crypto endpt.: {}",
        flow.local_endpoint, flow.remote_endpoint
    )?;
    writeln!(out, "path mtu {}, ip mtu {}", flow.path_mtu, flow.ip_mtu)?;
    writeln!(out, "current outbound spi: {:X}", flow.current_outbound_spi)?;
    for (direction, sas) in [
        ("inbound", &flow.inbound_esp),
        ("outbound", &flow.outbound_esp),
    ] {
        writeln!(out)?;
        writeln!(out, "{direction} esp sas:")?;
        for sa in sas {
            write_esp_sa(out, sa)?;
        }
        writeln!(out)?;
        writeln!(out, "{direction} ah sas:")?;
        writeln!(out)?;
        writeln!(out, "{direction} pcp sas:")?;
    }
    Ok(())
}

fn write_esp_sa(out: &mut String, sa: &EspSaView) -> fmt::Result {
    writeln!(out, "spi: 0x{:X}({})", sa.spi, sa.spi)?;
    out.push_str("transform:");
    for t in &sa.transforms {
        out.push(' ');
        out.push_str(t);
    }
    out.push_str(" ,\n");
    writeln!(out, "in use settings ={{{}, }}", sa.mode.as_str())?;
    writeln!(
        out,
        "slot: {}, conn id: {}, flow_id: {}, crypto map: {}",
        sa.slot, sa.conn_id, sa.flow_id, sa.crypto_map
    )?;
    writeln!(
        out,
        "sa timing: remaining key lifetime (k/sec): ({}/{})",
        sa.remaining_kilobytes, sa.remaining_secs
    )?;
    writeln!(out, "IV size: {} bytes", sa.iv_size)?;
    writeln!(
        out,
        "replay detection support: {}",
        if sa.replay_detection { 'Y' } else { 'N' }
    )
}
