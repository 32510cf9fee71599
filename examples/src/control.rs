//! The router's control socket: a Unix stream socket (mode 0600) on which
//! `router exec 'show crypto isakmp sa'` sends one IOS exec line and gets
//! back its status and text.
//!
//! Protocol, one exchange per connection: the client writes the line and
//! `\n`; the router answers `status N\n` (N is the exit status: 0 ran, 1
//! refused, 2 did not parse) and then the text, and closes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use crate::io::Input;

/// Where `router` listens and `router exec` connects without `--socket`.
pub const DEFAULT_SOCKET: &str = "/tmp/ikesuite-router.sock";

/// The longest an exec line may be.
const MAX_LINE: u64 = 4096;

/// How long a client waits for the router (a busy loop answers within
/// milliseconds).
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// One exec line from the socket, with where to send its answer.
#[derive(Debug)]
pub struct ExecRequest {
    /// The line.
    pub line: String,
    /// The answer: exit status and text.
    pub reply: Sender<(u8, String)>,
}

/// The listening socket; the file goes when it drops.
#[derive(Debug)]
pub struct ControlSocket {
    path: PathBuf,
}

impl ControlSocket {
    /// Listens on `path` (mode 0600: the exec clears SAs and reads every
    /// SPI) and hands each line to the router's loop as
    /// [`Input::Exec`]. A stale socket file (nobody answers on it) is
    /// replaced; a live one is an error.
    pub fn listen(path: &Path, tx: Sender<Input>) -> io::Result<Self> {
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{}: another router answers there", path.display()),
                ));
            }
            std::fs::remove_file(path)?;
        }
        // Bound under a temporary name, narrowed to 0600, then renamed:
        // the final path is never connectable by others.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let listener = UnixListener::bind(&tmp)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&tmp, path)?;
        thread::Builder::new()
            .name("control".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let tx = tx.clone();
                    // One thread per client: a slow client holds no one up.
                    let _ = thread::Builder::new()
                        .name("control-client".into())
                        .spawn(move || serve(stream, &tx));
                }
            })?;
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve(stream: UnixStream, tx: &Sender<Input>) {
    let _ = stream.set_read_timeout(Some(REPLY_TIMEOUT));
    let mut line = String::new();
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    if BufReader::new(reader.take(MAX_LINE))
        .read_line(&mut line)
        .is_err()
    {
        return;
    }
    let (reply, answer) = mpsc::channel();
    let request = ExecRequest {
        line: line.trim_end_matches(['\r', '\n']).to_string(),
        reply,
    };
    if tx.send(Input::Exec(request)).is_err() {
        return;
    }
    let (status, text) = answer
        .recv_timeout(REPLY_TIMEOUT)
        .unwrap_or((1, "% the router did not answer\n".into()));
    let mut stream = stream;
    let _ = write!(stream, "status {status}\n{text}");
}

/// `router exec`: sends `line` to the router on `path`, returns its exit
/// status and text.
pub fn exec(path: &Path, line: &str) -> io::Result<(u8, String)> {
    let mut stream = UnixStream::connect(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    writeln!(stream, "{}", line.replace(['\r', '\n'], " "))?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let (head, text) = reply.split_once('\n').unwrap_or((&reply, ""));
    let status = head
        .strip_prefix("status ")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no status line"))?;
    Ok((status, text.to_string()))
}
