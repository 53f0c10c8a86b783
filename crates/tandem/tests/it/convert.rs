//! `tandem convert`: the real binary, stdin to stdout, losses on stderr.

use std::io::Write;
use std::process::{Command, Output, Stdio};

#[allow(clippy::unwrap_used)] // a test helper: a panic is a failed test
fn convert(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("convert")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn wiki_to_adf_writes_json_and_no_losses() {
    let out = convert(
        &["--from", "wiki", "--to", "adf"],
        "h1. Title\n\n*bold* [~accountid:abc]",
    );
    assert!(out.status.success(), "{out:?}");
    let adf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(adf["type"], "doc");
    assert_eq!(adf["content"][0]["type"], "heading");
    assert_eq!(adf["content"][1]["content"][2]["attrs"]["id"], "abc");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn losses_go_to_stderr_and_exit_zero() {
    let out = convert(
        &["--from", "wiki", "--to", "markdown"],
        "{panel:title=Note}careful{panel}",
    );
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("> **Note**"), "{stdout}");
    assert!(stderr.contains("lost: panel (approximated)"), "{stderr}");
}

#[test]
fn html_output_is_sanitised() {
    let out = convert(
        &["--from", "html", "--to", "html"],
        r#"<p onclick="x()">hi <script>alert(1)</script><a href="javascript:alert(2)">link</a></p>"#,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim(), "<p>hi link</p>");
}

#[test]
fn model_flag_prints_the_normal_form() {
    let out = convert(&["--from", "markdown", "--model"], "a  *b*");
    assert!(out.status.success(), "{out:?}");
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(model["blocks"][0]["type"], "paragraph");
    assert_eq!(model["blocks"][0]["content"][0]["text"], "a ");
}

#[test]
fn bad_format_is_a_usage_error() {
    let out = convert(&["--from", "rtf", "--to", "adf"], "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("rtf"), "{stderr}");
}

#[test]
fn non_utf8_input_is_an_io_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["convert", "--from", "wiki", "--to", "adf"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0xff, 0xfe, 0x00])
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));
}
