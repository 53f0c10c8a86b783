//! The OS keyring behind `keyring:SERVICE/ACCOUNT` token references. With the `keyring` cargo
//! feature it is the platform store (keyring v4: macOS Keychain, Windows Credential Manager,
//! Secret Service over D-Bus on Linux); without it every use says how to do without.

use tandem_config::Keyring;

/// The keyring this build of tandem talks to.
pub(crate) fn system_keyring() -> Box<dyn Keyring> {
    #[cfg(feature = "keyring")]
    {
        Box::new(os::OsKeyring)
    }
    #[cfg(not(feature = "keyring"))]
    {
        Box::new(tandem_config::NoKeyring::new(
            "this tandem was built without OS keyring support (cargo feature `keyring`)",
        ))
    }
}

#[cfg(feature = "keyring")]
mod os {
    use secrecy::{ExposeSecret, SecretString};
    use tandem_config::{Keyring, KeyringError};

    #[derive(Debug)]
    pub(super) struct OsKeyring;

    // The store's own messages for these variants can carry the stored bytes, so each is
    // described here instead of being formatted.
    fn describe(error: keyring::Error) -> KeyringError {
        use keyring::Error as E;
        match error {
            E::NoEntry => KeyringError::NotFound,
            E::NoDefaultStore => KeyringError::Unavailable {
                reason: "no keychain or Secret Service could be reached (headless Linux hosts and containers usually have none)".to_owned(),
            },
            E::NoStorageAccess(platform) => KeyringError::Unavailable {
                reason: format!("the keyring is locked or refused access ({platform})"),
            },
            E::PlatformFailure(platform) => KeyringError::Failed(platform.to_string()),
            E::BadEncoding(_) | E::BadDataFormat(..) => {
                KeyringError::Failed("the stored entry is not a UTF-8 token".to_owned())
            }
            E::Ambiguous(_) => KeyringError::Failed(
                "several keyring entries match; remove the extra ones".to_owned(),
            ),
            E::TooLong(attribute, limit) => {
                KeyringError::Failed(format!("{attribute} is longer than the keyring's limit of {limit}"))
            }
            E::Invalid(what, why) => KeyringError::Failed(format!("{what}: {why}")),
            E::BadStoreFormat(why) | E::NotSupportedByStore(why) => KeyringError::Failed(why),
            _ => KeyringError::Failed("unexpected keyring error".to_owned()),
        }
    }

    impl Keyring for OsKeyring {
        fn get(&self, service: &str, account: &str) -> Result<SecretString, KeyringError> {
            let entry = keyring::Entry::new(service, account).map_err(describe)?;
            entry
                .get_password()
                .map(SecretString::from)
                .map_err(describe)
        }

        fn set(
            &self,
            service: &str,
            account: &str,
            secret: &SecretString,
        ) -> Result<(), KeyringError> {
            let entry = keyring::Entry::new(service, account).map_err(describe)?;
            entry.set_password(secret.expose_secret()).map_err(describe)
        }
    }
}
