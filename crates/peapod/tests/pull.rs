//! Registry pulls for real: Debian's docker-registry on 127.0.0.1 (one open, one behind token
//! auth with a token server run by this test), images pushed by skopeo, and a node that has no
//! image preloaded and pulls through registries.yaml mirrors.

mod common;

use base64::Engine;
use common::{image_dir, wait_for, Cluster};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A docker-registry process over a storage dir shared by every registry of a test.
struct LocalRegistry {
    child: Child,
    port: u16,
}

impl LocalRegistry {
    fn start(dir: &Path, name: &str, storage: &Path, auth: &str) -> LocalRegistry {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = dir.join(format!("{name}.yml"));
        std::fs::write(
            &cfg,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
                storage.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("docker-registry (apt-get install docker-registry)");
        wait_for(20, "docker-registry to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        LocalRegistry { child, port }
    }

    fn push(&self, archive: &Path, repo_tag: &str) {
        let out = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .arg(format!("oci-archive:{}", archive.display()))
            .arg(format!("docker://127.0.0.1:{}/{repo_tag}", self.port))
            .output()
            .expect("skopeo (apt-get install skopeo)");
        assert!(
            out.status.success(),
            "skopeo push: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The token server of the distribution spec's token auth, on a thread for the rest of the
/// test process: checks basic credentials and issues an ES256 JWT with the x5c chain the
/// registry trusts through `rootcertbundle`. Returns the registry's `auth:` config.
fn start_token_server(dir: &Path, user: &'static str, pass: &'static str) -> String {
    {
        let ck = rcgen::generate_simple_self_signed(vec!["peapod-test-token".into()]).unwrap();
        let bundle = dir.join("token-ca.pem");
        std::fs::write(&bundle, ck.cert.pem()).unwrap();
        let cert_der = ck.cert.der().to_vec();
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &ck.signing_key.serialize_der(),
            &rng,
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            );
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut authorized = false;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("authorization") && v.trim() == want {
                            authorized = true;
                        }
                    }
                }
                let query = request_line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|p| p.split_once('?'))
                    .map(|(_, q)| q.to_string())
                    .unwrap_or_default();
                let (status, body) = if authorized {
                    let token = jwt(&key, &rng, &cert_der, &query);
                    (
                        "200 OK",
                        format!("{{\"token\":\"{token}\",\"expires_in\":300}}"),
                    )
                } else {
                    (
                        "401 Unauthorized",
                        "{\"details\":\"bad credentials\"}".into(),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let auth = format!(
            "auth:\n  token:\n    realm: http://127.0.0.1:{port}/token\n    service: peapod-test\n    issuer: peapod-test-issuer\n    rootcertbundle: {}\n",
            bundle.display()
        );
        auth
    }
}

fn jwt(
    key: &ring::signature::EcdsaKeyPair,
    rng: &ring::rand::SystemRandom,
    cert_der: &[u8],
    query: &str,
) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    // scope=repository:library/myapp:pull[,push]
    let scope = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("scope="))
        .map(|s| {
            s.replace("%3A", ":")
                .replace("%2F", "/")
                .replace("%2C", ",")
        })
        .unwrap_or_default();
    let mut parts = scope.splitn(3, ':');
    let (kind, name, actions) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let actions: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({
        "typ": "JWT", "alg": "ES256",
        "x5c": [base64::engine::general_purpose::STANDARD.encode(cert_der)],
    });
    let claims = serde_json::json!({
        "iss": "peapod-test-issuer", "sub": "alice", "aud": "peapod-test",
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{name}"),
        "access": [{"type": kind, "name": name, "actions": actions}],
    });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = key.sign(rng, signing_input.as_bytes()).unwrap();
    format!("{signing_input}.{}", b64(sig.as_ref()))
}

fn have(bin: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn pod(name: &str, image: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: {image}\n    command: [\"sh\", \"-c\", \"sleep 3600\"]\n"
    )
}

#[test]
fn pods_pull_through_mirrors_with_token_auth_and_back_off_on_missing_images() {
    if !have("docker-registry") || !have("skopeo") {
        panic!("docker-registry and skopeo are needed (test.sh installs them)");
    }
    let Some(images) = image_dir() else {
        eprintln!("skipped: no image archives (run images/build.sh)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("storage");
    let open = LocalRegistry::start(dir.path(), "open", &storage, "");
    open.push(
        &images.join("busybox-latest.oci.tar"),
        "library/busybox:latest",
    );
    open.push(&images.join("myapp-v1.oci.tar"), "library/myapp:v1");
    let token_auth = start_token_server(dir.path(), "alice", "secret");
    let secured = LocalRegistry::start(dir.path(), "secured", &storage, &token_auth);
    let secured_host = format!("127.0.0.1:{}", secured.port);

    // Without credentials the secured registry refuses: the token server answers 401.
    let registries = dir.path().join("registries.yaml");
    let mirrors = format!(
        "mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:{}\"]\n  \"{secured_host}\":\n    endpoint: [\"http://{secured_host}\"]\n",
        open.port
    );
    std::fs::write(&registries, &mirrors).unwrap();
    let cli = |data: &Path, image: &str| {
        Command::new(env!("CARGO_BIN_EXE_peapod"))
            .args([
                "image",
                "pull",
                image,
                "--disable-default-registry-endpoint",
            ])
            .arg("--registry-config")
            .arg(&registries)
            .arg("--data-dir")
            .arg(data)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let cli_data = dir.path().join("cli");
    let out = cli(&cli_data, &format!("{secured_host}/library/myapp:v1"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("unauthorized"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "failed to pull and unpack image \"{secured_host}/library/myapp:v1\""
        )),
        "{stderr}"
    );

    // With them, the token dance succeeds; progress goes to stderr, the name to stdout.
    std::fs::write(
        &registries,
        format!("{mirrors}configs:\n  \"{secured_host}\":\n    auth:\n      username: alice\n      password: secret\n"),
    )
    .unwrap();
    let out = cli(&cli_data, &format!("{secured_host}/library/myapp:v1"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{secured_host}/library/myapp:v1")
    );
    assert!(stderr.contains("2 blobs"), "{stderr}");
    assert!(stderr.contains("done"), "{stderr}");

    // A node with nothing preloaded pulls what its pods need.
    let reg_arg = registries.display().to_string();
    let Some(c) = Cluster::start_node_with(&[
        "--registry-config",
        &reg_arg,
        "--disable-default-registry-endpoint",
    ]) else {
        return;
    };
    c.ok_stdin(&["apply", "-f", "-"], &pod("from-mirror", "busybox"));
    c.ok_stdin(
        &["apply", "-f", "-"],
        &pod("from-token", &format!("{secured_host}/library/myapp:v1")),
    );
    c.ok_stdin(&["apply", "-f", "-"], &pod("missing", "nope:v1"));
    for name in ["from-mirror", "from-token"] {
        wait_for(60, &format!("{name} Running"), || {
            let s = c.ok(&["get", "pod", name, "-o", "jsonpath={.status.phase}"]);
            (s == "Running").then_some(())
        });
    }
    let events = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=from-mirror",
        "-o",
        "custom-columns=REASON:.reason,MESSAGE:.message",
    ]);
    assert!(events.contains("Pulling image \"busybox\""), "{events}");
    assert!(
        events.contains("Successfully pulled image \"busybox\" in"),
        "{events}"
    );
    let id = c.ok(&[
        "get",
        "pod",
        "from-token",
        "-o",
        "jsonpath={.status.containerStatuses[0].imageID}",
    ]);
    assert!(id.contains("@sha256:"), "{id}");

    // A missing image: ErrImagePull with the registry's answer, then ImagePullBackOff.
    wait_for(30, "ImagePullBackOff", || {
        let out = c.ok(&["get", "pod", "missing", "--no-headers"]);
        out.contains("ImagePullBackOff").then_some(())
    });
    let describe = c.ok(&["describe", "pod", "missing"]);
    assert!(
        describe.contains("Failed to pull image \"nope:v1\": failed to pull and unpack image \"docker.io/library/nope:v1\": failed to resolve reference \"docker.io/library/nope:v1\": docker.io/library/nope:v1: not found"),
        "{describe}"
    );
    assert!(
        describe.contains("Back-off pulling image \"nope:v1\""),
        "{describe}"
    );
    assert!(describe.contains("Error: ErrImagePull"), "{describe}");
    drop(c);
    drop((open, secured));
}
