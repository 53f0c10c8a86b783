//! Scenario files: the built-ins load, bad ones name file, line and key.

use tandem_sim::ado::AdoSim;
use tandem_sim::{Origin, Scenario};

fn prepare(text: &str) -> Result<AdoSim, tandem_sim::ScenarioError> {
    let s = Scenario::from_text(Origin::File("bad.toml".into()), text).unwrap();
    AdoSim::prepare(&s)
}

#[test]
fn every_builtin_scenario_prepares() {
    for name in Scenario::builtin_names() {
        let s = Scenario::builtin(name).unwrap();
        AdoSim::prepare(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_demo_world_has_about_fifty_items() {
    let sim = AdoSim::prepare(&Scenario::builtin("demo").unwrap()).unwrap();
    let w = sim.world();
    assert_eq!(w.items.len(), 50);
    assert_eq!(w.org.name, "demo");
    assert_eq!(w.projects[0].name, "Demo");
    assert!(w.area_node("Demo\\Web").is_some());
}

#[test]
fn an_unknown_owner_is_reported_at_its_key() {
    let e = prepare(
        "[ado]\nextends = \"demo\"\n\n[ado.tokens.some-new-token]\nowner = \"nobody\"\nscopes = [\"vso.work\"]\n",
    )
    .unwrap_err();
    assert_eq!(e.file, "bad.toml");
    assert_eq!(e.line, Some(5), "{e}");
    assert_eq!(e.key.as_deref(), Some("ado.tokens.some-new-token.owner"));
    assert!(e.problem.contains("no identity `nobody`"), "{e}");
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let e = prepare("[ado]\nextends = \"demo\"\ndeploymnet = \"services\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("ado.deploymnet"), "{e}");
    assert_eq!(e.line, Some(3));
    let e = prepare("[ado]\nextends = \"demo\"\ndeployment = \"tfs2010\"\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("ado.deployment"));
    assert!(e.problem.contains("services, server-2022, server-2020"));
    let e = prepare(
        "[ado]\nextends = \"demo\"\n[ado.tokens.demo-ado-pat-sync-bot]\nscopes = [\"vso.everything\"]\n",
    )
    .unwrap_err();
    assert!(e.problem.contains("unknown scope `vso.everything`"), "{e}");
    let e = prepare(
        "[ado]\nextends = \"demo\"\n[ado.projects.Demo.area_permissions.Nowhere.sync-bot]\ndeny = [\"edit\"]\n",
    )
    .unwrap_err();
    assert!(e.problem.contains("no area `Nowhere`"), "{e}");
}

#[test]
fn a_bulk_world_generates_and_queries() {
    let s = Scenario::from_text(
        Origin::File("bulk.toml".into()),
        "[ado]\nextends = \"demo\"\n[ado.generate]\ncount = 5000\n",
    )
    .unwrap();
    let sim = AdoSim::prepare(&s).unwrap();
    assert_eq!(sim.world().items.len(), 5010);
}

#[test]
fn debug_output_shows_no_token_secret() {
    let s = Scenario::builtin("demo").unwrap();
    let sim = AdoSim::prepare(&s).unwrap();
    let spec: tandem_sim::ado::AdoSpec = s.half("ado").unwrap();
    for text in [
        format!("{sim:?}"),
        format!("{spec:?}"),
        format!("{:?}", sim.world()),
    ] {
        assert!(!text.contains("demo-ado-pat"), "{text}");
        assert!(!text.contains("demo-ado-bearer"), "{text}");
    }
}

#[tokio::test]
async fn tls_settings_apply_to_the_ado_half() {
    let s = Scenario::from_text(
        Origin::File("tls.toml".into()),
        "[ado]\nextends = \"demo\"\n[ado.tls]\nenabled = true\n",
    )
    .unwrap();
    let sim = AdoSim::start(&s).await.unwrap();
    assert!(sim.url().starts_with("https://127.0.0.1:"), "{}", sim.url());
    assert!(sim.url().ends_with("/demo"));
    let pem = std::fs::read_to_string(sim.ca_pem_path().unwrap()).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
}
