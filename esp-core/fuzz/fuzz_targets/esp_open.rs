#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| esp_core_fuzz::esp_open(data));
