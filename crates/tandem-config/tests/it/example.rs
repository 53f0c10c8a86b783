//! The example config at the repository root is valid and documents every key the parser knows.

use std::path::Path;

use tandem_config::{ConflictPolicy, Direction, JiraAuth, ParseOptions, Side, parse};
use tandem_core::{Converter, UserMatch};

#[test]
fn the_example_config_is_valid_without_warnings() {
    let validated = parse(
        tandem_config::EXAMPLE_CONFIG,
        Path::new("tandem.example.toml"),
        ParseOptions::default(),
    )
    .unwrap_or_else(|errors| panic!("{errors}"));
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
    let config = validated.config;
    assert_eq!(config.token_warning_days, 14);
    let profile = config.profile("web-team").unwrap();
    assert_eq!(profile.direction, Direction::Both);
    assert_eq!(profile.conflict, ConflictPolicy::NewestWins);
    assert_eq!(profile.jira.auth, JiraAuth::CloudApiToken);
    assert_eq!(profile.jira.projects, vec!["WEB".to_owned()]);
    assert_eq!(profile.ado.organization, "example");
    assert_eq!(profile.ado.area_path.as_deref(), Some("Web\\Frontend"));
    assert_eq!(profile.token(Side::Ado).to_string(), "env:TANDEM_ADO_TOKEN");
    let mapping = &profile.mapping;
    assert_eq!(
        mapping.counterpart_type(Side::Jira, "Story"),
        Some("User Story")
    );
    let field = |name: &str| mapping.fields.iter().find(|f| f.name() == name).unwrap();
    assert_eq!(field("summary").convert, Converter::Text);
    assert_eq!(field("summary").conflict, Some(ConflictPolicy::JiraWins));
    assert_eq!(field("description").conflict, None);
    assert_eq!(field("description").convert, Converter::RichText);
    assert_eq!(field("story-points").direction, Direction::JiraToAdo);
    assert_eq!(
        field("story-points").convert,
        Converter::Number { jira_per_ado: None }
    );
    assert_eq!(
        field("timeoriginalestimate").convert,
        Converter::Number {
            jira_per_ado: Some(3600.0)
        }
    );
    let Converter::State(states) = &field("status").convert else {
        panic!("status is not a state field")
    };
    assert_eq!(states.pairs.len(), 6);
    assert_eq!(states.pairs[1].jira_type.as_deref(), Some("Bug"));
    assert_eq!(states.pairs[4].ado_type.as_deref(), Some("Bug"));
    let Converter::Priority(priorities) = &field("priority").convert else {
        panic!()
    };
    assert_eq!(priorities.pairs.len(), 4);
    assert_eq!(mapping.users.pairs[0].ado, "alice@example.com");
    assert_eq!(
        mapping.users.match_by,
        [UserMatch::Email, UserMatch::DisplayName]
    );
    mapping.validate().unwrap();
}

/// Every key the parser accepts appears in the example (set or commented out), so the
/// example stays the complete reference.
#[test]
fn the_example_mentions_every_key() {
    let keys = [
        "state_dir",
        "warn_days",
        "name",
        "direction",
        "conflict",
        "user_match",
        "url",
        "mode",
        "auth",
        "user",
        "token",
        "project",
        "projects",
        "jql",
        "gateway_url",
        "api_gateway",
        "login",
        "ca_bundle",
        "proxy",
        "area_path",
        "wiql",
        "jira",
        "ado",
        "convert",
        "jira_per_ado",
        "jira_type",
        "ado_type",
        "[[profile.priority]]",
        "[tokens]",
        "[[profile]]",
        "[profile.jira]",
        "[profile.ado]",
        "[[profile.field]]",
        "[[profile.type]]",
        "[[profile.state]]",
        "[[profile.user]]",
    ];
    for key in keys {
        let needle = if key.starts_with('[') {
            key.to_owned()
        } else {
            format!("{key} =")
        };
        assert!(
            tandem_config::EXAMPLE_CONFIG.contains(&needle),
            "tandem.example.toml does not mention `{needle}`"
        );
    }
}

#[test]
fn a_simulator_on_loopback_needs_no_tls_and_draws_no_warning() {
    let text = tandem_config::EXAMPLE_CONFIG
        .replace("https://example.atlassian.net", "http://127.0.0.1:4010")
        .replace(
            "https://dev.azure.com/example",
            "http://localhost:4011/example",
        );
    let validated = parse(&text, Path::new("tandem.toml"), ParseOptions::default())
        .unwrap_or_else(|errors| panic!("{errors}"));
    assert!(validated.warnings.is_empty(), "{:#?}", validated.warnings);
    let profile = &validated.config.profiles[0];
    assert_eq!(profile.ado.deployment, tandem_config::AdoDeployment::Server);
    assert_eq!(profile.ado.organization, "example");
}

#[test]
fn the_cloud_id_comes_from_the_gateway_url() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples/valid/scoped-token-and-two-profiles.toml");
    let validated = tandem_config::load(&path, ParseOptions::default()).unwrap();
    let jira = &validated.config.profiles[0].jira;
    assert_eq!(
        jira.cloud_id(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(jira.api_base().host_str(), Some("api.atlassian.com"));
    assert_eq!(validated.config.profiles[1].jira.cloud_id(), None);
}

#[test]
fn a_login_other_than_the_sync_user_is_kept_and_warned_about() {
    let text = tandem_config::EXAMPLE_CONFIG
        .replace("https://example.atlassian.net", "http://127.0.0.1:4010")
        .replace("# login = ", "login = ")
        .replace(
            "# api_gateway = \"https://api.atlassian.com\"",
            "api_gateway = \"http://127.0.0.1:4010\"",
        );
    let validated = parse(&text, Path::new("tandem.toml"), ParseOptions::default())
        .unwrap_or_else(|errors| panic!("{errors}"));
    let jira = &validated.config.profiles[0].jira;
    assert_eq!(jira.user, "sync-bot@example.com");
    assert_eq!(jira.login(), "alice@example.com");
    assert_eq!(
        jira.api_gateway.as_ref().map(url::Url::as_str),
        Some("http://127.0.0.1:4010/")
    );
    let warnings: Vec<String> = validated.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("the credentials are alice@example.com's")),
        "{warnings:#?}"
    );
}

#[test]
fn a_login_must_be_an_email_on_cloud_and_the_gateway_has_no_path() {
    let cloud = tandem_config::EXAMPLE_CONFIG
        .replace("# login = \"alice@example.com\"", "login = \"alice\"");
    let errors = parse(&cloud, Path::new("tandem.toml"), ParseOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(errors.contains("jira.login"), "{errors}");
    let path = tandem_config::EXAMPLE_CONFIG.replace(
        "# api_gateway = \"https://api.atlassian.com\"",
        "api_gateway = \"https://api.atlassian.com/ex/jira/x\"",
    );
    let errors = parse(&path, Path::new("tandem.toml"), ParseOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(errors.contains("without a path"), "{errors}");
}
