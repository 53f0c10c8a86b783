//! Simulators started in-process for end-to-end tests: the `tandem` binary under test talks to
//! them over real HTTP on 127.0.0.1.

use tandem_sim::{AdoSim, AdoSimHandle, JiraSim, JiraSimHandle, Origin, Scenario};

/// A running Jira simulator and the runtime serving it (dropped together).
pub(crate) struct JiraWorld {
    handle: Option<JiraSimHandle>,
    runtime: tokio::runtime::Runtime,
}

impl JiraWorld {
    /// Starts a simulator of the scenario `text` (which may `extends` a built-in one).
    pub(crate) fn start(text: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let scenario = Scenario::from_text(Origin::File("test.toml".into()), text).unwrap();
        let handle = runtime.block_on(JiraSim::start(&scenario)).unwrap();
        Self {
            handle: Some(handle),
            runtime,
        }
    }

    pub(crate) fn url(&self) -> String {
        self.handle
            .as_ref()
            .unwrap()
            .url()
            .trim_end_matches('/')
            .to_owned()
    }
}

impl Drop for JiraWorld {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// A running Azure DevOps simulator and the runtime serving it (dropped together).
pub(crate) struct AdoWorld {
    handle: Option<AdoSimHandle>,
    runtime: tokio::runtime::Runtime,
}

impl AdoWorld {
    /// Starts a simulator of the scenario `text` (which may `extends` a built-in one).
    pub(crate) fn start(text: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let scenario = Scenario::from_text(Origin::File("test.toml".into()), text).unwrap();
        let handle = runtime.block_on(AdoSim::start(&scenario)).unwrap();
        Self {
            handle: Some(handle),
            runtime,
        }
    }

    /// The organisation URL (`http://127.0.0.1:PORT/{org}`).
    pub(crate) fn url(&self) -> String {
        self.handle
            .as_ref()
            .unwrap()
            .url()
            .trim_end_matches('/')
            .to_owned()
    }
}

impl Drop for AdoWorld {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}
