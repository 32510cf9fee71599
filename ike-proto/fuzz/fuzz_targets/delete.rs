#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike_proto_fuzz::delete(data));
