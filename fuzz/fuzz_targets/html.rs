//! Fuzz the html reader: any input parses without panicking into a normalised document, which
//! every writer can render and every reader can read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_richtext::{Format, parse, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = parse(Format::Html, text);
    assert!(doc.is_normalized(), "parse did not return the normal form");
    for format in Format::ALL {
        let out = render(&doc, format);
        let _ = parse(format, &out.text);
    }
});
