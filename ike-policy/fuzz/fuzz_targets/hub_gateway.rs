#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike_policy_fuzz::hub_gateway(data));
