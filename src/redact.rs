//! Secrets kept out of what gilbench writes and says: an engine's address
//! goes into results, reports and messages without its password.

/// An address fit for results and messages: no user password, no query
/// secrets. `ssh://user@host` keeps its user, which is not a secret.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_secrets() {
        assert_eq!(
            without_credentials("tcp://me:secret@10.0.0.2:2376"),
            "tcp://me@10.0.0.2:2376"
        );
        assert_eq!(
            without_credentials("ssh://bench@lab-3:2222"),
            "ssh://bench@lab-3:2222"
        );
        assert_eq!(
            without_credentials("unix:///run/docker.sock"),
            "unix:///run/docker.sock"
        );
    }
}
