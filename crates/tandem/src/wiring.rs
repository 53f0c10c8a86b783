//! The one place the concrete pieces are chosen: a validated profile becomes the Jira and
//! Azure DevOps connectors (tokens resolved from their references), the state store becomes
//! SQLite in the state directory, and the three make an engine.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use tandem_ado::AdoConnector;
use tandem_config::{Config, Env, Keyring, Profile, SecretResolver, Side};
use tandem_engine::{Engine, FaultHook, FaultPoint, Hooks, SyncSettings};
use tandem_jira::{Flavor, JiraConnector};
use tandem_store::SqliteStore;

use crate::connect;

/// The engine the binary runs.
pub(crate) type SyncEngine = Engine<JiraConnector, AdoConnector, SqliteStore>;

/// Opens the state store of a config.
pub(crate) async fn open_store(config: &Config, env: &Env) -> anyhow::Result<SqliteStore> {
    let dir = state_dir(config, env)?;
    SqliteStore::open(&dir)
        .await
        .with_context(|| format!("cannot open the state in {}", dir.display()))
}

/// The state directory of a config.
pub(crate) fn state_dir(config: &Config, env: &Env) -> anyhow::Result<PathBuf> {
    Ok(config.state_dir(env)?.path)
}

fn resolve(
    profile: &Profile,
    side: Side,
    env: &Env,
    keyring: &dyn Keyring,
) -> anyhow::Result<SecretString> {
    SecretResolver::new(env, keyring)
        .resolve(profile.token(side))
        .with_context(|| format!("profile {:?}: the {side} token", profile.name))
}

/// The Jira connector of a profile. `auto` mode asks the server which flavour it is.
pub(crate) async fn jira(
    profile: &Profile,
    env: &Env,
    keyring: &dyn Keyring,
) -> anyhow::Result<JiraConnector> {
    let j = &profile.jira;
    let token = resolve(profile, Side::Jira, env, keyring)?;
    let project = j.projects.first().cloned().with_context(|| {
        format!(
            "profile {:?}: [profile.jira] names no project",
            profile.name
        )
    })?;
    if j.projects.len() > 1 {
        anyhow::bail!(
            "profile {:?} names {} Jira projects; this version syncs one project per profile: \
             make one profile per project",
            profile.name,
            j.projects.len()
        );
    }
    let flavor = match connect::known_flavor(profile) {
        Some(flavor) => flavor,
        None => {
            let probe = JiraConnector::new(connect::jira_config(
                profile,
                &project,
                Flavor::DataCenter,
                token.clone(),
            )?)?;
            probe
                .probe_server_info()
                .await
                .context("cannot tell whether Jira is Cloud or Data Center (mode = \"auto\")")?
                .deployment_type
                .flavor()
                .unwrap_or(Flavor::DataCenter)
        }
    };
    Ok(JiraConnector::new(connect::jira_config(
        profile, &project, flavor, token,
    )?)?)
}

/// The Azure DevOps connector of a profile.
pub(crate) fn ado(
    profile: &Profile,
    env: &Env,
    keyring: &dyn Keyring,
) -> anyhow::Result<AdoConnector> {
    let token = resolve(profile, Side::Ado, env, keyring)?;
    Ok(AdoConnector::new(connect::ado_config(profile, token)?)?)
}

/// Test-only switches read from the environment. They exist so end-to-end tests can drive
/// the real binary through a crash; nothing else should set them.
#[derive(Debug, Default)]
pub(crate) struct TestSwitches {
    /// `TANDEM_TEST_FAULT=point[:nth]`: exit the process (code 75) right after that write
    /// step, as a crash would.
    pub(crate) fault: Option<(FaultPoint, u32)>,
    /// `TANDEM_TEST_INTENT_GRACE_SECS`: the intent grace period.
    pub(crate) intent_grace: Option<Duration>,
    /// `TANDEM_TEST_MEDIA_GUARD=off`: writes drop images as an unguarded sync would, so a
    /// test can show that its media assertions fail without the guard (issue 10).
    pub(crate) media_guard_off: bool,
}

impl TestSwitches {
    pub(crate) fn from_env(env: &Env) -> anyhow::Result<TestSwitches> {
        let mut t = TestSwitches::default();
        if let Some(v) = env
            .get("TANDEM_TEST_FAULT")
            .and_then(|v| v.to_str())
            .map(str::to_owned)
        {
            let (point, nth) = v.split_once(':').unwrap_or((v.as_str(), "1"));
            let point = FaultPoint::parse(point).with_context(|| {
                format!(
                    "TANDEM_TEST_FAULT: unknown step {point:?}; one of {}",
                    FaultPoint::ALL.map(FaultPoint::as_str).join(", ")
                )
            })?;
            let nth = nth
                .parse()
                .with_context(|| format!("TANDEM_TEST_FAULT: {nth:?} is not a count"))?;
            t.fault = Some((point, nth));
        }
        if let Some(v) = env
            .get("TANDEM_TEST_INTENT_GRACE_SECS")
            .and_then(|v| v.to_str())
        {
            t.intent_grace = Some(Duration::from_secs(v.parse().with_context(|| {
                format!("TANDEM_TEST_INTENT_GRACE_SECS: {v:?} is not a number of seconds")
            })?));
        }
        if let Some(v) = env.get("TANDEM_TEST_MEDIA_GUARD").and_then(|v| v.to_str()) {
            t.media_guard_off = match v {
                "off" => true,
                "on" => false,
                other => anyhow::bail!("TANDEM_TEST_MEDIA_GUARD: {other:?} is not on or off"),
            };
        }
        Ok(t)
    }
}

/// Exits the process at the chosen step: the closest thing to pulling the plug.
#[derive(Debug)]
struct CrashAt(tandem_engine::FailAt);

impl FaultHook for CrashAt {
    fn fail_at(&self, point: FaultPoint) -> bool {
        if self.0.fail_at(point) {
            #[allow(clippy::print_stderr, reason = "the process ends here on purpose")]
            {
                eprintln!("tandem: TANDEM_TEST_FAULT: stopping after step `{point}`");
            }
            std::process::exit(75);
        }
        false
    }
}

/// Builds the engine of a profile.
pub(crate) async fn engine(
    config: &Config,
    profile: &Profile,
    env: &Env,
    keyring: &dyn Keyring,
    mut hooks: Hooks,
    concurrency: Option<usize>,
) -> anyhow::Result<SyncEngine> {
    let mut settings: SyncSettings = tandem_engine::from_profile(profile)?;
    if let Some(n) = concurrency {
        settings.options.concurrency = n.clamp(1, 64);
    }
    let switches = TestSwitches::from_env(env)?;
    if let Some(g) = switches.intent_grace {
        settings.options.intent_grace = g;
    }
    if switches.media_guard_off {
        tracing::warn!("TANDEM_TEST_MEDIA_GUARD=off: the media guard is off (tests only)");
        settings.options.media_guard = false;
    }
    if let Some((point, nth)) = switches.fault {
        hooks.faults = Arc::new(CrashAt(tandem_engine::FailAt::new(point, nth)));
    }
    let jira = jira(profile, env, keyring).await?;
    let ado = ado(profile, env, keyring)?;
    let store = open_store(config, env).await?;
    Ok(Engine::new(jira, ado, store, settings).with_hooks(hooks))
}
