//! The inside as a Linux TUN device (`router --tun NAME`, root only): inner
//! packets the kernel routes into the device go to the Gateway, and the
//! Gateway's decrypted packets are written back to the kernel.

use std::io::{self, Read, Write};
use std::net::Ipv4Addr;
use std::sync::mpsc::Sender;
use std::thread;

use crate::io::Input;

/// The writing half of an open TUN device.
pub struct TunDevice {
    name: String,
    writer: tun::Writer,
}

impl std::fmt::Debug for TunDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TunDevice({})", self.name)
    }
}

impl TunDevice {
    /// Creates (or attaches to) the layer-3 device `name`, gives it
    /// `address/mask` if asked, brings it up, and starts a thread that
    /// sends every packet read from it to `tx` as [`Input::Inner`].
    pub fn open(
        name: &str,
        address: Option<(Ipv4Addr, Ipv4Addr)>,
        tx: Sender<Input>,
    ) -> Result<Self, tun::Error> {
        let mut config = tun::Configuration::default();
        config.tun_name(name).layer(tun::Layer::L3).up();
        if let Some((addr, mask)) = address {
            config.address(addr).netmask(mask);
        }
        let dev = tun::create(&config)?;
        let (mut reader, writer) = dev.split();
        thread::Builder::new()
            .name(format!("tun-{name}"))
            .spawn(move || {
                let mut buf = vec![0u8; 65535];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => {
                            if tx.send(Input::Inner(buf[..n].to_vec())).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            log::error!("TUN read: {e}");
                            return;
                        }
                    }
                }
            })?;
        Ok(Self {
            name: name.to_owned(),
            writer,
        })
    }

    /// Writes one inner packet to the kernel.
    pub fn write_packet(&mut self, packet: &[u8]) -> io::Result<()> {
        self.writer.write_all(packet)
    }
}
