use std::process::Command;

fn tandem() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
}

#[test]
fn demo_exits_zero_and_lists_commands() {
    let out = tandem().arg("demo").output().unwrap();
    assert!(out.status.success(), "demo failed: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Commands:"),
        "no command list in:\n{stdout}"
    );
    assert!(stdout.contains("demo"), "demo missing from:\n{stdout}");
}

#[test]
fn unknown_command_is_a_usage_error() {
    let out = tandem().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-command"), "{stderr}");
}
