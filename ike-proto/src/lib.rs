//! Sans-IO ISAKMP/IKEv1 wire codec, IKEv1 cryptography and exchange engine.

#![forbid(unsafe_code)]
