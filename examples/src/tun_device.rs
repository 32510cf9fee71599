//! The inside as a Linux TUN device (`router --tun NAME`, root only): inner
//! packets the kernel routes into the device go to the Gateway, and the
//! Gateway's decrypted packets are written back to the kernel. The device
//! comes from `tun-rs` (Apache-2.0), which keeps the ioctl and its unsafe
//! code out of ours.

use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread;

use tun_rs::{DeviceBuilder, SyncDevice};

use crate::io::Input;

/// An open TUN device, shared with the thread that reads it.
pub struct TunDevice {
    name: String,
    device: Arc<SyncDevice>,
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
    ) -> io::Result<Self> {
        let mut builder = DeviceBuilder::new().name(name).enable(true);
        if let Some((addr, mask)) = address {
            builder = builder.ipv4(addr, mask, None);
        }
        let device = Arc::new(builder.build_sync()?);
        let reader = Arc::clone(&device);
        thread::Builder::new()
            .name(format!("tun-{name}"))
            .spawn(move || {
                let mut buf = vec![0u8; 65535];
                loop {
                    match reader.recv(&mut buf) {
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
            device,
        })
    }

    /// Writes one inner packet to the kernel.
    pub fn write_packet(&mut self, packet: &[u8]) -> io::Result<()> {
        let n = self.device.send(packet)?;
        if n == packet.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("TUN wrote {n} of {} bytes", packet.len()),
            ))
        }
    }
}
