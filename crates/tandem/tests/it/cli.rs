use std::process::Command;

fn tandem() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
}

#[test]
fn demo_shows_a_healthy_and_a_broken_profile_and_exits_zero() {
    let out = tandem().arg("demo").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "demo failed:\n{stdout}");
    let (healthy, broken) = stdout
        .split_once("2. The troubleshooting article's case")
        .unwrap_or_else(|| panic!("no second report in:\n{stdout}"));
    assert!(healthy.contains("Exit 0: no problem found."), "{healthy}");
    assert!(
        !healthy.contains("\n  x "),
        "an error in the healthy report:\n{healthy}"
    );
    assert!(broken.contains("[jira.identity-mismatch]"), "{broken}");
    assert!(
        broken.contains("authenticates as Alice Admin <alice@example.com>"),
        "{broken}"
    );
    assert!(broken.contains("Exit 2 (credentials)"), "{broken}");
    let (_, sync) = stdout
        .split_once("3. `tandem sync --once`")
        .unwrap_or_else(|| panic!("no sync step in:\n{stdout}"));
    assert!(sync.contains("jira:DEMO-1 <-> ado:"), "{sync}");
    assert!(sync.contains(" 0 parked, 0 conflicts"), "{sync}");
    assert!(
        sync.contains(
            "second pass: 0 created, 0 updated; 0 write calls to Jira, 0 to Azure DevOps"
        ),
        "{sync}"
    );
    assert!(stdout.contains("tandem --help"), "{stdout}");
}

#[test]
fn unknown_command_is_a_usage_error() {
    let out = tandem().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-command"), "{stderr}");
}
