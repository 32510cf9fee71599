//! The loop: the inputs fed to the Gateway, and its outputs (datagrams,
//! inside packets, events, key-log lines) carried out until it is quiet.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};

use ike_policy::gateway::{DropReason, KeyLogLine};
use ike_policy::{GatewayEvent, Transmit};
use ike_proto::engine::Event;
use ike_proto::time::Instant;

use crate::data_plane::WorkerInput;
use crate::io::Input;
use crate::outside::Follower;
use crate::traffic::Pinger;

use super::{ExecReply, Exit, Inside, MAX_WAIT, Router, RunLimits};

impl Router {
    /// The loop: inputs from `rx` (socket, TUN and stdin threads), the
    /// Gateway's timers, the ping generator's pace, until a limit is met.
    pub fn run(&mut self, rx: &Receiver<Input>, limits: &RunLimits) -> Exit {
        let mut next_show = limits
            .show_every_ms
            .map(|ms| self.clock.now().as_millis() + ms);
        loop {
            let now = self.clock.now();
            self.pump_pinger(now);
            if let Some(exit) = self.limit_reached(now, limits) {
                return exit;
            }
            if limits
                .reload
                .as_ref()
                .is_some_and(|r| r.swap(false, Ordering::Relaxed))
            {
                self.reload(now);
            }
            if let (Some(at), Some(every)) = (next_show, limits.show_every_ms) {
                if now.as_millis() >= at {
                    print!("{}", self.show_views());
                    next_show = Some(now.as_millis() + every);
                }
            }
            self.follow_route(now, false);
            let deadline = [
                self.gateway.poll_timeout(),
                self.pinger.as_ref().and_then(Pinger::poll_timeout),
                self.follower.as_ref().map(Follower::poll_timeout),
                limits.until,
                next_show.map(Instant::from_millis),
            ]
            .into_iter()
            .flatten()
            .min();
            let wait = deadline.map_or(MAX_WAIT, |d| self.clock.until(d).min(MAX_WAIT));
            match rx.recv_timeout(wait) {
                Ok(input) => {
                    if self.handle_input(input) {
                        return Exit::Quit;
                    }
                    // Take whatever else is already queued before sleeping.
                    while let Ok(input) = rx.try_recv() {
                        if self.handle_input(input) {
                            return Exit::Quit;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Exit::Disconnected,
            }
            let now = self.clock.now();
            if self.gateway.poll_timeout().is_some_and(|t| t <= now) {
                self.gateway.handle_timeout(now);
                self.drain(now);
            }
        }
    }

    fn limit_reached(&self, now: Instant, limits: &RunLimits) -> Option<Exit> {
        if limits
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Some(Exit::Stopped);
        }
        if limits.until_ping_done
            && self.pinger_from_assigned.is_none()
            && self.pinger.as_ref().is_none_or(|p| p.is_done(now))
        {
            return Some(Exit::PingDone);
        }
        if limits.until.is_some_and(|u| now >= u) {
            return Some(Exit::Deadline);
        }
        None
    }

    fn pump_pinger(&mut self, now: Instant) {
        if let Some(src) = self.gateway.assigned_address() {
            if let Some(mut plan) = self.pinger_from_assigned.take() {
                log::info!("pinging {} from the assigned address {src}", plan.dst);
                plan.src = src;
                self.pinger = Some(Pinger::new(plan));
            }
        }
        while let Some(req) = self.pinger.as_mut().and_then(|p| p.poll_request(now)) {
            self.gateway.handle_inside(now, &req);
            self.drain(now);
        }
    }

    /// Feeds one input; returns whether the operator asked to quit.
    fn handle_input(&mut self, input: Input) -> bool {
        let now = self.clock.now();
        match input {
            Input::Datagram {
                local,
                remote,
                payload,
            } => {
                self.counters.datagrams_in += 1;
                match &self.plane {
                    // ESP in UDP (and the odd IKE) to the SPI's thread.
                    Some(plane) if local.port() == self.sockets.natt_addr().port() => {
                        plane.esp(WorkerInput::Datagram {
                            local,
                            remote,
                            payload,
                        })
                    }
                    _ => self.gateway.handle_datagram(now, local, remote, &payload),
                }
            }
            Input::Esp { remote, payload } => {
                self.counters.raw_esp_in += 1;
                match &self.plane {
                    Some(plane) => plane.esp(WorkerInput::Esp { remote, payload }),
                    None => self.gateway.handle_esp(now, remote, &payload),
                }
            }
            Input::Inner(packet) => match &self.plane {
                Some(plane) => plane.inner(packet),
                None => self.gateway.handle_inside(now, &packet),
            },
            Input::Delivered(packet) => {
                self.counters.inside_delivered += 1;
                self.deliver_inside(now, packet);
            }
            Input::Wake => {
                if self.gateway.poll_timeout().is_some_and(|t| t <= now) {
                    self.gateway.handle_timeout(now);
                }
            }
            Input::Command(line) => return self.command(line, now),
            Input::CommandsClosed => {}
            #[cfg(unix)]
            Input::Exec(request) => {
                let answer = self.exec(&request.line, now);
                let _ = request.reply.send(answer);
            }
            #[cfg(unix)]
            Input::XauthCredentials(c) => {
                let (status, text) = self.xauth_credentials(now, c.ike_sa, c.user, c.password);
                let _ = c.reply.send(ExecReply::Done(status, text));
            }
        }
        self.drain(now);
        false
    }

    /// Carries out everything the Gateway has to say, including the inside
    /// answers it triggers, until it is quiet.
    pub(super) fn drain(&mut self, now: Instant) {
        loop {
            let mut busy = false;
            while let Some(t) = self.gateway.poll_transmit() {
                busy = true;
                self.transmit(t);
            }
            while let Some(packet) = self.gateway.poll_inside() {
                busy = true;
                self.counters.inside_delivered += 1;
                self.deliver_inside(now, packet);
            }
            while let Some(ev) = self.gateway.poll_event() {
                busy = true;
                self.event(ev);
            }
            if !busy {
                if self.gateway.take_worker_wake() {
                    if let Some(plane) = &self.plane {
                        plane.wake();
                    }
                }
                return;
            }
        }
    }

    fn transmit(&mut self, t: Transmit) {
        match t {
            Transmit::Udp {
                local,
                remote,
                payload,
            } => match self.sockets.send(local, remote, &payload) {
                Ok(()) => self.counters.datagrams_out += 1,
                Err(e) => {
                    self.counters.send_errors += 1;
                    log::warn!("send {local} -> {remote}: {e}");
                }
            },
            Transmit::Esp {
                remote, payload, ..
            } => match &self.raw_esp {
                Some(raw) => match raw.send(remote, &payload) {
                    Ok(()) => self.counters.raw_esp_out += 1,
                    Err(e) => {
                        self.counters.send_errors += 1;
                        log::warn!("raw ESP to {remote}: {e}");
                    }
                },
                None => {
                    self.counters.raw_esp_unsent += 1;
                    if self.counters.raw_esp_unsent == 1 {
                        log::warn!(
                            "raw ESP to {remote} but no raw socket is open: \
                             run with --force-encaps (ESP in UDP, RFC 3948)"
                        );
                    }
                }
            },
            Transmit::Clear { .. } => self.counters.clear_unrouted += 1,
        }
    }

    fn deliver_inside(&mut self, now: Instant, packet: Vec<u8>) {
        if self
            .pinger
            .as_mut()
            .is_some_and(|p| p.handle_packet(&packet, now))
        {
            return;
        }
        match &mut self.inside {
            Inside::Echo(echo) => {
                if let Some(reply) = echo.answer(&packet) {
                    self.gateway.handle_inside(now, &reply);
                }
            }
            #[cfg(target_os = "linux")]
            Inside::Tun(dev) => {
                if let Err(e) = dev.write_packet(&packet) {
                    log::warn!("TUN write: {e}");
                }
            }
            Inside::Nothing => {}
        }
    }

    fn event(&mut self, ev: GatewayEvent) {
        match ev {
            // The engine already wrote its log lines through `log`.
            GatewayEvent::Engine(Event::Log(_)) => {}
            GatewayEvent::Engine(Event::IkeSaFailed { remote, error, .. }) => {
                log::warn!("phase 1 with {remote} failed: {error:?}");
            }
            GatewayEvent::Engine(Event::XauthCredentialsRequest { .. }) => {
                // IOS's console lines, word for word.
                log::info!("EZVPN: Pending XAuth Request, Please enter the following command:");
                log::info!("EZVPN: crypto ipsec client ezvpn xauth");
            }
            GatewayEvent::Engine(Event::ChildSaFailed { remote, error, .. }) => {
                log::warn!("quick mode with {remote} failed: {error:?}");
            }
            GatewayEvent::SaInstallFailed { child, reason } => {
                log::warn!("child SA {child:?} not installed: {reason}");
            }
            GatewayEvent::Dropped { reason, packets } if reason != DropReason::Malformed => {
                log::info!("dropped {packets} packet(s): {reason:?}");
            }
            GatewayEvent::KeyLog(line) => self.write_keylog(&line),
            other => log::trace!("{other:?}"),
        }
    }

    fn write_keylog(&mut self, line: &KeyLogLine) {
        let Some(out) = self.keylog.as_mut() else {
            return;
        };
        // Flushed at once: the file is read while the router runs.
        let written = writeln!(out, "{}", line.as_str()).and_then(|()| out.flush());
        if let Err(e) = written {
            log::warn!("key log: {e}; no more keys are written");
            self.keylog = None;
        }
    }
}
