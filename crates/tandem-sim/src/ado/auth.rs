//! Who is calling, and may they: credentials, token state, scopes (ado-api.md §2).
//!
//! | situation | answer |
//! |---|---|
//! | no / unknown credentials, Services | 203 + HTML sign-in page (or 302), 401 with `X-TFS-FedAuthRedirect: Suppress` |
//! | no / unknown credentials, Server | 401 with `WWW-Authenticate: Bearer, Basic, Negotiate, NTLM` |
//! | expired PAT | 401 `AccessCheckException` "…has expired." (+ `X-TFS-ServiceError`) |
//! | revoked PAT | 401 `AccessCheckException` |
//! | expired bearer | like unknown credentials, except PATCH: 401 TF400813 with user `''` |
//! | inactive (removed) identity | 401 TF400813 |
//! | scope missing | 401 TF400813 (not 403) |

use base64::Engine;

use super::error::AdoError;
use super::identity::{IdentityIdx, Scopes, TokenKind};
use super::world::World;

/// An authenticated caller.
#[derive(Debug, Clone, Copy)]
pub struct Principal {
    pub who: IdentityIdx,
    pub scopes: Scopes,
    pub kind: TokenKind,
}

/// What came in the request.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub authorization: Option<&'a str>,
    /// `X-TFS-FedAuthRedirect: Suppress` was sent.
    pub suppress_redirect: bool,
    pub method: &'a str,
}

enum Presented {
    Pat(String),
    Bearer(String),
    None,
}

fn presented(authorization: Option<&str>) -> Presented {
    let Some(h) = authorization.map(str::trim) else {
        return Presented::None;
    };
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(rest.trim()) else {
            return Presented::None;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Presented::None;
        };
        // The user name is ignored ("use any value for the user name").
        match text.split_once(':') {
            Some((_, pat)) if !pat.is_empty() => Presented::Pat(pat.to_owned()),
            _ => Presented::None,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
        Presented::Bearer(rest.trim().to_owned())
    } else {
        Presented::None
    }
}

/// The realm clients see in challenges.
fn realm(world: &World) -> String {
    if world.org.deployment.is_hosted() {
        "https://tfsprodweu5.visualstudio.com/".to_owned()
    } else {
        format!("{}/", world.base_url)
    }
}

fn unknown(world: &World, creds: &Credentials<'_>) -> AdoError {
    if world.org.deployment.is_hosted() {
        AdoError::sign_in_required(
            creds.suppress_redirect,
            world.limits.sign_in_redirect,
            &realm(world),
        )
    } else {
        AdoError::on_prem_unauthorized(&realm(world))
    }
}

/// Authenticate a request.
pub fn authenticate(
    world: &World,
    creds: &Credentials<'_>,
    now: i64,
) -> Result<Principal, AdoError> {
    let (secret, kind) = match presented(creds.authorization) {
        Presented::Pat(s) => (s, TokenKind::Pat),
        Presented::Bearer(s) => (s, TokenKind::Bearer),
        Presented::None => return Err(unknown(world, creds)),
    };
    let Some(idx) = world.tokens.find(&secret) else {
        return Err(unknown(world, creds));
    };
    let token = &world.tokens.tokens[idx];
    if token.kind != kind || (!token.all_orgs && !token.org.eq_ignore_ascii_case(&world.org.name)) {
        return Err(unknown(world, creds));
    }
    let expired = token.valid_to.is_some_and(|t| t <= now);
    match token.kind {
        TokenKind::Pat => {
            if token.revoked {
                return Err(AdoError::pat_revoked());
            }
            if expired {
                return Err(AdoError::pat_expired());
            }
        }
        TokenKind::Bearer => {
            if token.revoked || expired {
                if creds.method.eq_ignore_ascii_case("PATCH") {
                    return Err(AdoError::unauthorized_request(""));
                }
                return Err(unknown(world, creds));
            }
        }
    }
    let identity = world.identity(token.owner);
    if !identity.active {
        return Err(AdoError::unauthorized_request(&identity.id.to_string()));
    }
    Ok(Principal {
        who: token.owner,
        scopes: token.scopes,
        kind: token.kind,
    })
}

/// The scope check: missing scope is TF400813 with HTTP 401.
pub fn require(world: &World, p: &Principal, needed: Scopes) -> Result<(), AdoError> {
    if p.scopes.grants(needed) {
        Ok(())
    } else {
        Err(AdoError::unauthorized_request(
            &world.identity(p.who).id.to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_user_name_is_ignored() {
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("anything:my-pat")
        );
        assert!(matches!(presented(Some(&h)), Presented::Pat(p) if p == "my-pat"));
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(":my-pat")
        );
        assert!(matches!(presented(Some(&h)), Presented::Pat(p) if p == "my-pat"));
        assert!(matches!(presented(Some("Basic !!!")), Presented::None));
        assert!(matches!(presented(Some("Bearer abc")), Presented::Bearer(t) if t == "abc"));
        assert!(matches!(presented(Some("Negotiate xyz")), Presented::None));
        assert!(matches!(presented(None), Presented::None));
    }
}
