//! The doctor's inputs for the test profile, shared by the integration tests and the bench
//! (`benches/doctor.rs` includes this file).

use secrecy::SecretString;
use tandem_doctor::probe::Inputs;

/// Connector configurations as the binary's `connect` module builds them for a Cloud profile.
pub(crate) fn inputs(p: &tandem_config::Profile, jira_token: &str) -> Inputs {
    let jira = tandem_jira::JiraConfig::new(
        p.jira.url.clone(),
        tandem_jira::Flavor::Cloud,
        tandem_jira::JiraAuth::CloudToken {
            email: p.jira.login().to_owned(),
            token: SecretString::from(jira_token.to_owned()),
        },
        "DEMO",
    );
    let mut ado = tandem_ado::AdoConfig::new(
        p.ado.url.clone(),
        p.ado.project.clone(),
        tandem_ado::AdoAuth::Pat(SecretString::from("demo-ado-pat-sync-bot".to_owned())),
    );
    ado.area_path.clone_from(&p.ado.area_path);
    Inputs {
        jira: Ok(jira),
        ado: Ok(ado),
        jira_record: None,
        ado_record: None,
    }
}
