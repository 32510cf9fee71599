//! Cisco IOS crypto configuration model, IOS-text parser, policy resolver and the Gateway node.

#![forbid(unsafe_code)]

pub mod show;
