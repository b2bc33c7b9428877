//! The gzip path of the protobuf decoder. The first byte picks the mode:
//! * even: the rest is gzip-compressed here and decoded with `Content-Encoding: gzip`, so the
//!   protobuf parser behind the inflater gets mutated payloads (most mutated gzip streams would
//!   only exercise the CRC check);
//! * odd: the rest is decoded as a raw `Content-Encoding: gzip` body (corrupt / truncated /
//!   multi-member streams, bombs).
#![no_main]
use std::io::Write;

use flate2::{write::GzEncoder, Compression};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let limits = common::limits();
    let body = if mode % 2 == 0 {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(rest).unwrap();
        enc.finish().unwrap()
    } else {
        rest.to_vec()
    };
    let enc = if mode & 2 == 0 { Some("gzip") } else { None };
    if let Ok(d) = agenttrace_core::otlp::decode_body(&body, Some("application/x-protobuf"), enc, &limits) {
        common::check_decoded(&d);
    }
});
