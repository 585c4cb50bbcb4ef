//! Image references, normalised the way Kubernetes, docker and containerd do it
//! (distribution/reference's `ParseNormalizedNamed` + `TagNameOnly`): `busybox` is
//! `docker.io/library/busybox:latest`, `quay.io/a/b:c` stays itself, `name@sha256:...` pins a
//! digest and gets no default tag.

use std::fmt;

use super::digest::sha256_hex;
use super::error::{ImageError, Result};

/// The registry an unqualified name lives in.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The tag a reference without tag or digest gets.
pub const DEFAULT_TAG: &str = "latest";
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
const OFFICIAL_REPOSITORY_PREFIX: &str = "library/";
const NAME_TOTAL_LENGTH_MAX: usize = 255;
const TAG_LENGTH_MAX: usize = 128;

/// A normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `docker.io`, `quay.io`, `localhost:5000`, ...
    pub registry: String,
    /// The path in the registry, `library/busybox` for official docker.io images.
    pub repository: String,
    /// `latest` when neither a tag nor a digest was given.
    pub tag: Option<String>,
    /// `sha256:<hex>`; only sha256 is supported.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses and normalises a reference. Upper-case repository names, bad tags and
    /// digests other than `sha256:<64 lowercase hex>` are rejected.
    pub fn parse(s: &str) -> Result<Reference> {
        let invalid = |reason: &str| ImageError::InvalidReference {
            reference: s.to_string(),
            reason: reason.to_string(),
        };
        if s.is_empty() {
            return Err(invalid("empty reference"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((rest, digest)) => {
                if sha256_hex(digest).is_none() {
                    return Err(invalid(
                        "digest must be sha256:<64 lowercase hex characters>",
                    ));
                }
                (rest, Some(digest.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(tag) = tag {
            if !valid_tag(tag) {
                return Err(invalid("tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"));
            }
        }
        if name.is_empty() {
            return Err(invalid("empty repository name"));
        }
        if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "a 64-character hexadecimal string is an image ID, not a repository name",
            ));
        }

        let (registry, remainder) = split_registry(name);
        if !valid_registry(registry) {
            return Err(invalid("invalid registry host"));
        }
        if remainder.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(invalid("repository name must be lowercase"));
        }
        if !valid_path(remainder) {
            return Err(invalid(
                "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'",
            ));
        }
        let registry = if registry == LEGACY_DEFAULT_REGISTRY {
            DEFAULT_REGISTRY
        } else {
            registry
        };
        let repository = if registry == DEFAULT_REGISTRY && !remainder.contains('/') {
            format!("{OFFICIAL_REPOSITORY_PREFIX}{remainder}")
        } else {
            remainder.to_string()
        };
        if registry.len() + 1 + repository.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(invalid("repository name is longer than 255 characters"));
        }
        let tag = match (tag, &digest) {
            (Some(tag), _) => Some(tag.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference {
            registry: registry.to_string(),
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = ImageError;

    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
    }
}

/// docker's `splitDockerDomain`: the first component is a registry if it has a `.` or `:`,
/// is `localhost`, or has upper-case letters (repository paths cannot).
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DEFAULT_REGISTRY, name),
    }
}

fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= TAG_LENGTH_MAX
        && word(bytes[0])
        && bytes[1..]
            .iter()
            .all(|&b| word(b) || b == b'.' || b == b'-')
}

/// `host[:port]` where host is dot-separated DNS labels or a bracketed IPv6 address.
fn valid_registry(registry: &str) -> bool {
    let (host, port) = if let Some(v6) = registry.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("v6", Some(port)),
                None => return false,
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
    };
    host.split('.').all(label_ok)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Path components: `[a-z0-9]+` joined by `.`, `_`, `__` or one or more `-`.
fn valid_path(path: &str) -> bool {
    path.split('/').all(|component| {
        let b = component.as_bytes();
        if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if is_alnum(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !is_alnum(b[i]) {
                i += 1;
            }
            let sep = &component[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return false;
            }
        }
        true
    })
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let got = Reference::parse(input).map(|r| r.to_string());
        assert_eq!(
            got.as_deref().ok(),
            Some(expected),
            "parsing {input:?}: {got:?}"
        );
    }

    #[track_caller]
    fn check_invalid(input: &str) {
        let got = Reference::parse(input);
        assert!(got.is_err(), "{input:?} parsed as {got:?}");
    }

    #[test]
    fn normalises_like_kubernetes() {
        check("busybox", "docker.io/library/busybox:latest");
        check("myapp:v1", "docker.io/library/myapp:v1");
        check("library/busybox", "docker.io/library/busybox:latest");
        check("docker.io/busybox", "docker.io/library/busybox:latest");
        check(
            "index.docker.io/library/busybox:1.24",
            "docker.io/library/busybox:1.24",
        );
        check("someone/app:2", "docker.io/someone/app:2");
        check("quay.io/a/b:c", "quay.io/a/b:c");
        check("localhost:5000/x", "localhost:5000/x:latest");
        check("localhost/x:1", "localhost/x:1");
        check(
            "127.0.0.1:5000/library/myapp:v1",
            "127.0.0.1:5000/library/myapp:v1",
        );
        check("[::1]:5000/a", "[::1]:5000/a:latest");
        check("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10");
        check("a_b.c__d-e---f", "docker.io/library/a_b.c__d-e---f:latest");
        check(&format!("a@{D}"), &format!("docker.io/library/a@{D}"));
        check(
            &format!("name:tag@{D}"),
            &format!("docker.io/library/name:tag@{D}"),
        );
        check(&format!("ghcr.io/o/r@{D}"), &format!("ghcr.io/o/r@{D}"));
    }

    #[test]
    fn splits_fields() {
        let r = Reference::parse(&format!("localhost:5000/team/app:v2@{D}")).unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("v2"));
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.name(), "localhost:5000/team/app");
    }

    #[test]
    fn rejects_invalid() {
        check_invalid("");
        check_invalid("Busybox");
        check_invalid("docker.io/Library/busybox");
        check_invalid("myorg/App:v1");
        check_invalid("busybox:");
        check_invalid("busybox:-tag");
        check_invalid(&format!("busybox:{}", "t".repeat(129)));
        check_invalid("busybox@sha256:abc");
        check_invalid(&format!("busybox@sha256:{}", "A".repeat(64)));
        check_invalid("-busybox");
        check_invalid("busy..box");
        check_invalid("a//b");
        check_invalid("a/b/");
        check_invalid("host:port/x");
        check_invalid(&"0123456789abcdef".repeat(4));
        check_invalid("with space");
        check_invalid(&format!("a/{}", "b".repeat(260)));
    }
}
