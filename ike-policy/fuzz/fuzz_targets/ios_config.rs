#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike_policy_fuzz::ios_config(data));
