//! The programs' only I/O: the outside UDP sockets (IKE port and NAT-T
//! port), the inside TUN device and the operator's stdin, each read by its
//! own blocking thread that hands what it reads to the router's loop over
//! one channel. No async runtime: the loop waits on the channel with the
//! Gateway's next timeout. Ports are the ones the Gateway was configured
//! with (`GatewayOptions::ike_port` / `natt_port`, 500 and 4500 by
//! default), on both sides.

use std::io::{self, BufRead};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

/// Largest datagram or inner packet read.
const MAX_PACKET: usize = 65535;
/// How often a socket thread looks at the stop flag.
const POLL_STOP: Duration = Duration::from_millis(200);

/// Something for the router's loop.
#[derive(Debug)]
pub enum Input {
    /// A datagram received on one of the outside sockets.
    Datagram {
        /// Our address and port.
        local: SocketAddrV4,
        /// The sender's address and port.
        remote: SocketAddrV4,
        /// The UDP payload.
        payload: Vec<u8>,
    },
    /// A raw ESP packet (IP protocol 50) for our outside address
    /// ([`crate::raw_esp`]).
    Esp {
        /// The outer source address.
        remote: std::net::Ipv4Addr,
        /// From the SPI to the ICV.
        payload: Vec<u8>,
    },
    /// An inner IPv4 packet from the inside (TUN).
    Inner(Vec<u8>),
    /// An inner packet a data-plane thread opened, for the inside
    /// (`--threads`, [`crate::data_plane`]).
    Delivered(Vec<u8>),
    /// A data-plane thread sent the Gateway something (a lifetime event,
    /// an acquire, IKE): let it run.
    Wake,
    /// A line typed by the operator (`show crypto ipsec sa`, `quit`).
    Command(String),
    /// The operator's input ended.
    CommandsClosed,
    /// An exec line from the control socket ([`crate::control`]).
    #[cfg(unix)]
    Exec(crate::control::ExecRequest),
    /// The operator's answers to `crypto ipsec client ezvpn xauth`, asked
    /// on the control socket.
    #[cfg(unix)]
    XauthCredentials(crate::control::CredentialsAnswer),
}

/// The two outside sockets of a router. Their reading threads stop when
/// they drop (the outside address moved: [`OutsideSockets::rebind`]).
#[derive(Debug)]
pub struct OutsideSockets {
    ike: UdpSocket,
    natt: UdpSocket,
    ike_addr: SocketAddrV4,
    natt_addr: SocketAddrV4,
    closed: Arc<AtomicBool>,
}

impl Drop for OutsideSockets {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

impl OutsideSockets {
    /// Binds the IKE and the NAT-T endpoints (the Gateway's
    /// `ike_endpoint()` and `natt_endpoint()`).
    pub fn bind(ike_addr: SocketAddrV4, natt_addr: SocketAddrV4) -> io::Result<Self> {
        let ike = UdpSocket::bind(ike_addr)?;
        let natt = UdpSocket::bind(natt_addr)?;
        Ok(Self {
            ike,
            natt,
            ike_addr,
            natt_addr,
            closed: Arc::default(),
        })
    }

    /// The same ports bound on another address, for an outside address
    /// that moved (`ip address dhcp`, a `configure replace` with a new
    /// `ip address`). Fails, changing nothing, when the host does not have
    /// `address`.
    pub fn rebind(&self, address: Ipv4Addr) -> io::Result<Self> {
        Self::bind(
            SocketAddrV4::new(address, self.ike_addr.port()),
            SocketAddrV4::new(address, self.natt_addr.port()),
        )
    }

    /// The IKE endpoint.
    pub fn ike_addr(&self) -> SocketAddrV4 {
        self.ike_addr
    }

    /// The NAT-T endpoint.
    pub fn natt_addr(&self) -> SocketAddrV4 {
        self.natt_addr
    }

    /// Sends `payload` to `remote` from the socket bound to `local` (the
    /// NAT-T one if `local` is the NAT-T endpoint, else the IKE one).
    pub fn send(
        &self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        payload: &[u8],
    ) -> io::Result<()> {
        let sock = if local.port() == self.natt_addr.port() {
            &self.natt
        } else {
            &self.ike
        };
        sock.send_to(payload, remote).map(|_| ())
    }

    /// Starts one reading thread per socket; they stop soon after `stop`
    /// is set or these sockets drop.
    pub fn spawn_readers(&self, tx: &Sender<Input>, stop: &Arc<AtomicBool>) -> io::Result<()> {
        for (sock, local) in [(&self.ike, self.ike_addr), (&self.natt, self.natt_addr)] {
            let sock = sock.try_clone()?;
            sock.set_read_timeout(Some(POLL_STOP))?;
            let tx = tx.clone();
            let stop = [Arc::clone(stop), Arc::clone(&self.closed)];
            thread::Builder::new()
                .name(format!("udp-{}", local.port()))
                .spawn(move || read_socket(&sock, local, &tx, &stop))?;
        }
        Ok(())
    }
}

/// Whether any of the flags is set.
pub(crate) fn stopped(flags: &[Arc<AtomicBool>]) -> bool {
    flags.iter().any(|f| f.load(Ordering::Relaxed))
}

fn read_socket(
    sock: &UdpSocket,
    local: SocketAddrV4,
    tx: &Sender<Input>,
    stop: &[Arc<AtomicBool>],
) {
    let mut buf = vec![0u8; MAX_PACKET];
    while !stopped(stop) {
        match sock.recv_from(&mut buf) {
            Ok((n, SocketAddr::V4(remote))) => {
                let input = Input::Datagram {
                    local,
                    remote,
                    payload: buf[..n].to_vec(),
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
            Ok((_, SocketAddr::V6(_))) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            // An ICMP error from an earlier send (port unreachable) comes
            // back on the next receive on Linux: not fatal.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
            Err(e) => {
                log::warn!("receive on {local}: {e}");
                thread::sleep(POLL_STOP);
            }
        }
    }
}

/// What the terminal console asks next, sent by the router once it has
/// answered the previous line (so its output comes before the prompt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A line with editing and history, after this prompt (`Hub#`,
    /// `Username: `).
    Line(String),
    /// A line read with the echo off and kept out of the history
    /// (`Password: `).
    Secret(String),
}

/// Starts the console of a router whose stdin is a terminal: a `Name#`
/// prompt with line editing and history (rustyline), each line an
/// [`Input::Command`]. It asks only when told to through the returned
/// sender. Ctrl-C at the prompt is `quit` (the router stops as on SIGINT,
/// which the terminal no longer sends while the line editor owns it);
/// Ctrl-D ends the input.
pub fn spawn_terminal_reader(tx: Sender<Input>) -> io::Result<Sender<Ask>> {
    let (ask_tx, ask_rx) = std::sync::mpsc::channel::<Ask>();
    let mut editor = rustyline::DefaultEditor::new().map_err(io::Error::other)?;
    thread::Builder::new()
        .name("console".into())
        .spawn(move || {
            while let Ok(ask) = ask_rx.recv() {
                let input = match ask {
                    Ask::Line(prompt) => match editor.readline(&prompt) {
                        Ok(line) => {
                            if !line.trim().is_empty() {
                                let _ = editor.add_history_entry(line.as_str());
                            }
                            Input::Command(line)
                        }
                        Err(rustyline::error::ReadlineError::Interrupted) => {
                            Input::Command("quit".into())
                        }
                        Err(_) => Input::CommandsClosed,
                    },
                    Ask::Secret(prompt) => match crate::control::ask_stdin(&prompt, true) {
                        Ok(line) => Input::Command(line),
                        Err(_) => Input::CommandsClosed,
                    },
                };
                let closed = matches!(input, Input::CommandsClosed);
                if tx.send(input).is_err() || closed {
                    return;
                }
            }
        })?;
    Ok(ask_tx)
}

/// Starts a thread that turns each stdin line into [`Input::Command`].
pub fn spawn_stdin_reader(tx: Sender<Input>) -> io::Result<()> {
    thread::Builder::new().name("stdin".into()).spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(Input::Command(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Input::CommandsClosed);
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn two_routers_exchange_datagrams_on_loopback() {
        // Port 0 is not usable for a pair that must agree on ports, so pick
        // free ones from the OS first.
        let free = |a: Ipv4Addr| {
            UdpSocket::bind((a, 0))
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let a_ip = Ipv4Addr::new(127, 0, 0, 1);
        let b_ip = Ipv4Addr::new(127, 0, 0, 2);
        let (ike, natt) = (free(a_ip), free(a_ip));
        let a = OutsideSockets::bind(SocketAddrV4::new(a_ip, ike), SocketAddrV4::new(a_ip, natt))
            .unwrap();
        let b = OutsideSockets::bind(SocketAddrV4::new(b_ip, ike), SocketAddrV4::new(b_ip, natt))
            .unwrap();
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        b.spawn_readers(&tx, &stop).unwrap();

        a.send(a.natt_addr(), b.natt_addr(), b"\0\0\0\0ike")
            .unwrap();
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Input::Datagram {
                local,
                remote,
                payload,
            } => {
                assert_eq!(local, b.natt_addr());
                assert_eq!(remote, a.natt_addr());
                assert_eq!(payload, b"\0\0\0\0ike");
            }
            other => panic!("unexpected {other:?}"),
        }
        a.send(a.ike_addr(), b.ike_addr(), b"mm1").unwrap();
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            Input::Datagram { local, remote, .. } => {
                assert_eq!(local, b.ike_addr());
                assert_eq!(remote, a.ike_addr());
            }
            other => panic!("unexpected {other:?}"),
        }
        stop.store(true, Ordering::Relaxed);
    }
}
