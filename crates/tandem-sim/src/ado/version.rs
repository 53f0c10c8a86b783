//! `api-version` parsing and negotiation, as the VSS web API framework does it.
//!
//! Format `{major}.{minor}[-preview[.{resourceVersion}]]`, given in the query string
//! (`?api-version=7.1`) or in the Accept header (`application/json;api-version=7.1-preview.3`,
//! which is what Microsoft's Python client sends). Messages are the framework's own
//! (`WebApiResources`: ApiVersionOutOfRange, PreviewVersionNotSuppliedMessage,
//! VersionNotSuppliedMessage, InvalidApiVersionStringMessage); see research ado-api.md §1.

use std::fmt;

use super::error::AdoError;

/// A `{major}.{minor}` pair; ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(Self {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A requested api-version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub version: Version,
    pub preview: bool,
    /// The `.N` after `-preview`, if given.
    pub resource_version: Option<u16>,
}

impl ApiVersion {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        let (base, rest) = match lower.split_once('-') {
            Some((base, rest)) => (base, Some(rest)),
            None => (lower.as_str(), None),
        };
        let version = Version::parse(base)?;
        let (preview, resource_version) = match rest {
            None => (false, None),
            Some("preview") => (true, None),
            Some(rest) => {
                let n = rest.strip_prefix("preview.")?;
                (true, Some(n.parse().ok()?))
            }
        };
        Some(Self {
            version,
            preview,
            resource_version,
        })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version)?;
        if self.preview {
            f.write_str("-preview")?;
            if let Some(n) = self.resource_version {
                write!(f, ".{n}")?;
            }
        }
        Ok(())
    }
}

/// What a server deployment supports overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVersions {
    /// Highest version the server answers at all (preview or not).
    pub max: Version,
    /// Highest released (GA) version.
    pub released: Version,
}

/// What one REST resource supports (the `OPTIONS /_apis` location entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceVersions {
    pub min: Version,
    /// First version at which the resource left preview; `None` for preview-only resources
    /// (connectionData, comments), which report `releasedVersion: "0.0"`.
    pub released: Option<Version>,
    /// Highest `-preview.N` resource version.
    pub resource_version: u16,
}

/// The version a request is served at after negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub version: Version,
    pub resource_version: u16,
}

/// Where the api-version came from, raw.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestedVersion<'a> {
    pub query: Option<&'a str>,
    pub accept: Option<&'a str>,
}

impl<'a> RequestedVersion<'a> {
    /// The raw version text: the query parameter wins over the Accept header.
    pub fn raw(&self) -> Option<&'a str> {
        if let Some(q) = self.query {
            return Some(q);
        }
        let accept = self.accept?;
        accept.split([';', ',']).find_map(|part| {
            let (k, v) = part.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("api-version")
                .then_some(v.trim().trim_matches('"'))
        })
    }
}

/// Negotiate a request's api-version against the server and the resource.
///
/// A GET without any version is served at the resource's latest version (released if it
/// has one); other methods must name one (`VssVersionNotSpecifiedException`).
pub fn negotiate(
    method: &str,
    requested: RequestedVersion<'_>,
    server: ServerVersions,
    resource: ResourceVersions,
) -> Result<Negotiated, AdoError> {
    let Some(raw) = requested.raw() else {
        if method.eq_ignore_ascii_case("GET") {
            let version = match resource.released {
                Some(_) => server.released,
                None => server.max,
            };
            return Ok(Negotiated {
                version,
                resource_version: resource.resource_version,
            });
        }
        return Err(AdoError::version_not_specified(method));
    };
    let Some(api) = ApiVersion::parse(raw) else {
        return Err(AdoError::invalid_api_version(raw));
    };
    if api.version > server.max {
        return Err(AdoError::version_out_of_range(&api.to_string(), server.max));
    }
    if api.version < resource.min {
        return Err(AdoError::version_out_of_range(&api.to_string(), server.max));
    }
    if !api.preview {
        // A GA request needs the resource released at or before that version, and the
        // version itself released on this server.
        let released_here =
            resource.released.is_some_and(|r| api.version >= r) && api.version <= server.released;
        if !released_here {
            return Err(AdoError::preview_not_supplied(&api.version.to_string()));
        }
    }
    let resource_version = api
        .resource_version
        .map_or(resource.resource_version, |n| {
            n.min(resource.resource_version)
        })
        .max(1);
    Ok(Negotiated {
        version: api.version,
        resource_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICES: ServerVersions = ServerVersions {
        max: Version::new(7, 2),
        released: Version::new(7, 1),
    };
    const WORK_ITEMS: ResourceVersions = ResourceVersions {
        min: Version::new(1, 0),
        released: Some(Version::new(1, 0)),
        resource_version: 3,
    };
    const CONNECTION_DATA: ResourceVersions = ResourceVersions {
        min: Version::new(1, 0),
        released: None,
        resource_version: 1,
    };

    fn q(v: &str) -> RequestedVersion<'_> {
        RequestedVersion {
            query: Some(v),
            accept: None,
        }
    }

    #[test]
    fn parses_all_forms() {
        assert_eq!(ApiVersion::parse("7.1").unwrap().to_string(), "7.1");
        let p = ApiVersion::parse("7.1-preview.4").unwrap();
        assert!(p.preview);
        assert_eq!(p.resource_version, Some(4));
        assert_eq!(
            ApiVersion::parse("7.1-PREVIEW").unwrap().to_string(),
            "7.1-preview"
        );
        assert!(ApiVersion::parse("7").is_none());
        assert!(ApiVersion::parse("7.1-beta").is_none());
        assert!(ApiVersion::parse("seven").is_none());
    }

    #[test]
    fn accept_header_carries_version() {
        let r = RequestedVersion {
            query: None,
            accept: Some("application/json;api-version=7.1-preview.3"),
        };
        assert_eq!(r.raw(), Some("7.1-preview.3"));
        let r = RequestedVersion {
            query: None,
            accept: Some("application/json; api-version=6.0"),
        };
        assert_eq!(r.raw(), Some("6.0"));
    }

    #[test]
    fn ga_request_for_released_resource_passes() {
        let n = negotiate("GET", q("7.1"), SERVICES, WORK_ITEMS).unwrap();
        assert_eq!(n.version, Version::new(7, 1));
        assert_eq!(n.resource_version, 3);
    }

    #[test]
    fn too_new_is_out_of_range() {
        let e = negotiate("GET", q("7.3"), SERVICES, WORK_ITEMS).unwrap_err();
        assert_eq!(e.type_key, "VssVersionOutOfRangeException");
        assert_eq!(
            e.message,
            "The requested REST API version of 7.3 is out of range for this server. The latest REST API version this server supports is 7.2."
        );
    }

    #[test]
    fn preview_only_resource_needs_preview_flag() {
        let e = negotiate("GET", q("7.1"), SERVICES, CONNECTION_DATA).unwrap_err();
        assert_eq!(e.type_key, "VssInvalidPreviewVersionException");
        assert_eq!(
            e.message,
            "The requested version \"7.1\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"7.1-preview\""
        );
        assert!(negotiate("GET", q("7.1-preview"), SERVICES, CONNECTION_DATA).is_ok());
    }

    #[test]
    fn unreleased_server_version_needs_preview_flag() {
        let e = negotiate("GET", q("7.2"), SERVICES, WORK_ITEMS).unwrap_err();
        assert_eq!(e.type_key, "VssInvalidPreviewVersionException");
        assert!(negotiate("GET", q("7.2-preview.3"), SERVICES, WORK_ITEMS).is_ok());
    }

    #[test]
    fn missing_version_only_allowed_on_get() {
        let none = RequestedVersion::default();
        let n = negotiate("GET", none, SERVICES, WORK_ITEMS).unwrap();
        assert_eq!(n.version, Version::new(7, 1));
        let e = negotiate("POST", none, SERVICES, WORK_ITEMS).unwrap_err();
        assert_eq!(e.type_key, "VssVersionNotSpecifiedException");
        assert!(
            e.message
                .starts_with("No api-version was supplied for the \"POST\" request.")
        );
    }

    #[test]
    fn garbage_version_is_rejected() {
        let e = negotiate("GET", q("latest"), SERVICES, WORK_ITEMS).unwrap_err();
        assert_eq!(e.type_key, "VssInvalidApiVersionException");
    }

    #[test]
    fn resource_version_is_clamped() {
        let n = negotiate("GET", q("7.1-preview.9"), SERVICES, WORK_ITEMS).unwrap();
        assert_eq!(n.resource_version, 3);
    }

    #[test]
    fn server_2020_caps_at_6_0() {
        let server = ServerVersions {
            max: Version::new(6, 0),
            released: Version::new(6, 0),
        };
        let e = negotiate("GET", q("7.1"), server, WORK_ITEMS).unwrap_err();
        assert!(
            e.message
                .ends_with("The latest REST API version this server supports is 6.0.")
        );
        assert!(negotiate("GET", q("6.0"), server, WORK_ITEMS).is_ok());
        assert!(negotiate("GET", q("5.1"), server, WORK_ITEMS).is_ok());
    }
}
