//! The `revision` input: an S3 bundle (`s3://bucket/key[?versionId=..]`) or `github` (this
//! repository at the commit being deployed), parsed into what CodeDeploy's `RevisionLocation` needs.

use crate::model::{CommitSha, RepoName};
use std::fmt;

/// CodeDeploy's `BundleType` enum (service-2.json: tar, tgz, zip, YAML, JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleType {
    Zip,
    Tar,
    Tgz,
    /// An AppSpec file itself (ECS / Lambda), YAML.
    Yaml,
    /// An AppSpec file itself (ECS / Lambda), JSON.
    Json,
}

impl BundleType {
    /// The wire value CodeDeploy expects.
    pub fn as_str(self) -> &'static str {
        match self {
            BundleType::Zip => "zip",
            BundleType::Tar => "tar",
            BundleType::Tgz => "tgz",
            BundleType::Yaml => "YAML",
            BundleType::Json => "JSON",
        }
    }

    /// The bundle type implied by an object key's extension, case-insensitively.
    pub fn from_key(key: &str) -> Option<BundleType> {
        let k = key.to_ascii_lowercase();
        // Longest suffix first: `.tar.gz` must not be read as an unknown `.gz`.
        let table: [(&str, BundleType); 7] = [
            (".tar.gz", BundleType::Tgz),
            (".tgz", BundleType::Tgz),
            (".tar", BundleType::Tar),
            (".zip", BundleType::Zip),
            (".yaml", BundleType::Yaml),
            (".yml", BundleType::Yaml),
            (".json", BundleType::Json),
        ];
        table
            .iter()
            .find(|(ext, _)| k.ends_with(ext) && k.len() > ext.len())
            .map(|(_, t)| *t)
    }
}

/// Where CodeDeploy fetches the application revision from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    S3 {
        bucket: String,
        key: String,
        bundle_type: BundleType,
        version: Option<String>,
    },
    GitHub {
        repository: RepoName,
        commit: CommitSha,
    },
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revision::S3 {
                bucket,
                key,
                version,
                ..
            } => {
                write!(f, "s3://{bucket}/{key}")?;
                if let Some(v) = version {
                    write!(f, "?versionId={v}")?;
                }
                Ok(())
            }
            Revision::GitHub { repository, commit } => write!(f, "github:{repository}@{commit}"),
        }
    }
}

/// Why the `revision` input was rejected. Every message names the input, since this is a
/// configuration error the user fixes in the workflow file (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    #[error("input 'revision' is empty: give s3://bucket/key.zip or github")]
    Empty,
    #[error("input 'revision': '{0}' is neither s3://bucket/key nor github")]
    UnknownScheme(String),
    #[error("input 'revision': '{0}' has no bucket name")]
    MissingBucket(String),
    #[error("input 'revision': bucket '{0}' is not a valid S3 bucket name")]
    InvalidBucket(String),
    #[error("input 'revision': '{0}' has no object key after the bucket")]
    MissingKey(String),
    #[error(
        "input 'revision': cannot tell the bundle type of '{0}': use a key ending in .zip, .tar, .tar.gz, .tgz, .yaml, .yml or .json"
    )]
    UnknownBundleType(String),
    #[error("input 'revision': unsupported query parameter '{0}' (only versionId is allowed)")]
    UnknownQuery(String),
    #[error("input 'revision': versionId is empty")]
    EmptyVersion,
    #[error("input 'revision' is github but the repository (GITHUB_REPOSITORY) is unknown")]
    MissingRepository,
    #[error("input 'revision' is github but the commit '{0}' is not a 40-character hex sha")]
    InvalidCommit(String),
}

impl Revision {
    /// Parses the `revision` input. `repository` and `commit` are used for `github`.
    pub fn parse(
        input: &str,
        repository: Option<&RepoName>,
        commit: &CommitSha,
    ) -> Result<Revision, RevisionError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(RevisionError::Empty);
        }
        if input.eq_ignore_ascii_case("github") {
            let repository = repository.ok_or(RevisionError::MissingRepository)?.clone();
            let sha = commit.0.trim();
            if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(RevisionError::InvalidCommit(commit.0.clone()));
            }
            return Ok(Revision::GitHub {
                repository,
                commit: CommitSha(sha.to_ascii_lowercase()),
            });
        }
        let Some(rest) = input.strip_prefix("s3://") else {
            return Err(RevisionError::UnknownScheme(input.to_string()));
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
        if bucket.is_empty() {
            return Err(RevisionError::MissingBucket(input.to_string()));
        }
        if !valid_bucket(bucket) {
            return Err(RevisionError::InvalidBucket(bucket.to_string()));
        }
        if key.is_empty() || key.ends_with('/') {
            return Err(RevisionError::MissingKey(input.to_string()));
        }
        let bundle_type = BundleType::from_key(key)
            .ok_or_else(|| RevisionError::UnknownBundleType(key.into()))?;
        let mut version = None;
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            if pair.is_empty() {
                continue;
            }
            match pair.split_once('=') {
                Some(("versionId", v)) if !v.is_empty() => version = Some(v.to_string()),
                Some(("versionId", _)) => return Err(RevisionError::EmptyVersion),
                _ => return Err(RevisionError::UnknownQuery(pair.to_string())),
            }
        }
        Ok(Revision::S3 {
            bucket: bucket.to_string(),
            key: key.to_string(),
            bundle_type,
            version,
        })
    }

    /// The commit this revision pins, when it pins one (GitHub revisions).
    pub fn commit(&self) -> Option<&CommitSha> {
        match self {
            Revision::GitHub { commit, .. } => Some(commit),
            Revision::S3 { .. } => None,
        }
    }
}

/// S3 bucket naming rules (3-63 chars, lowercase letters, digits, dots, hyphens, alphanumeric at
/// both ends). Checked here so a typo fails before anything is changed.
fn valid_bucket(b: &str) -> bool {
    let bytes = b.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha() -> CommitSha {
        CommitSha("0123456789abcdef0123456789abcdef01234567".into())
    }

    fn s3(input: &str) -> Result<Revision, RevisionError> {
        Revision::parse(input, None, &sha())
    }

    #[test]
    fn bundle_type_from_extension() {
        let cases = [
            ("a/b.zip", BundleType::Zip),
            ("a/b.ZIP", BundleType::Zip),
            ("b.tar", BundleType::Tar),
            ("b.tar.gz", BundleType::Tgz),
            ("b.tgz", BundleType::Tgz),
            ("appspec.yaml", BundleType::Yaml),
            ("appspec.yml", BundleType::Yaml),
            ("appspec.json", BundleType::Json),
        ];
        for (key, want) in cases {
            match s3(&format!("s3://my-bucket/{key}")) {
                Ok(Revision::S3 { bundle_type, .. }) => assert_eq!(bundle_type, want, "{key}"),
                other => panic!("{key}: {other:?}"),
            }
        }
    }

    #[test]
    fn s3_with_version_and_nested_key() {
        let r = s3("s3://shop-artifacts/shop/abc.zip?versionId=3HL4kqtJlcpXroDTDmJ").unwrap();
        assert_eq!(
            r,
            Revision::S3 {
                bucket: "shop-artifacts".into(),
                key: "shop/abc.zip".into(),
                bundle_type: BundleType::Zip,
                version: Some("3HL4kqtJlcpXroDTDmJ".into()),
            }
        );
        assert_eq!(
            r.to_string(),
            "s3://shop-artifacts/shop/abc.zip?versionId=3HL4kqtJlcpXroDTDmJ"
        );
    }

    #[test]
    fn s3_errors_name_the_input() {
        let bad = [
            "",
            "https://x/y.zip",
            "s3://",
            "s3:///k.zip",
            "s3://Bad_Bucket/k.zip",
            "s3://bucket",
            "s3://bucket/",
            "s3://bucket/dir/",
            "s3://bucket/k.gz",
            "s3://bucket/.zip",
            "s3://bucket/k.zip?etag=1",
            "s3://bucket/k.zip?versionId=",
        ];
        for input in bad {
            let err = s3(input).expect_err(input);
            assert!(
                err.to_string().contains("input 'revision'"),
                "{input}: {err}"
            );
        }
    }

    #[test]
    fn github_needs_repo_and_full_sha() {
        let repo = RepoName::parse("octo/shop").unwrap();
        let r = Revision::parse("github", Some(&repo), &sha()).unwrap();
        assert_eq!(r.commit(), Some(&sha()));
        assert_eq!(
            r.to_string(),
            "github:octo/shop@0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            Revision::parse("github", None, &sha()),
            Err(RevisionError::MissingRepository)
        );
        assert!(matches!(
            Revision::parse("GitHub", Some(&repo), &CommitSha("abc".into())),
            Err(RevisionError::InvalidCommit(_))
        ));
    }
}
