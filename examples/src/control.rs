//! The router's control socket: a Unix stream socket (mode 0600) on which
//! `router exec 'show crypto isakmp sa'` sends one IOS exec line and gets
//! back its status and text.
//!
//! Protocol, one exchange per connection: the client writes the line and
//! `\n`; the router answers `status N\n` (N is the exit status: 0 ran, 1
//! refused, 2 did not parse) and then the text, and closes. A command that
//! asks the operator something (`crypto ipsec client ezvpn xauth`: IOS's
//! `Username:` and `Password:`) first sends `prompt TEXT\n` (answer echoed)
//! or `secret TEXT\n` (answer not echoed) for each question, and the client
//! answers each with one line.

use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use ike_proto::policy::XauthPassword;

use crate::io::Input;
use crate::router::ExecReply;

/// Where `router` listens and `router exec` connects without `--socket`.
pub const DEFAULT_SOCKET: &str = "/tmp/ikesuite-router.sock";

/// The longest an exec line (or an answer to a prompt) may be.
const MAX_LINE: u64 = 4096;
/// The most a client may write on one connection: the line and the
/// answers to its two prompts.
const MAX_REQUEST: u64 = 3 * MAX_LINE;

/// How long a client waits for the router (a busy loop answers within
/// milliseconds).
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// One exec line from the socket, with where to send its answer.
#[derive(Debug)]
pub struct ExecRequest {
    /// The line.
    pub line: String,
    /// The answer: exit status and text, or a question for the operator.
    pub reply: Sender<ExecReply>,
}

/// The operator's Xauth credentials, asked on the socket for a
/// [`ExecReply::XauthCredentials`].
#[derive(Debug)]
pub struct CredentialsAnswer {
    /// The IKE SA whose hub asked.
    pub ike_sa: ike_proto::engine::IkeSaId,
    /// `Username:`.
    pub user: String,
    /// `Password:` (wiped on drop).
    pub password: XauthPassword,
    /// Where the outcome goes.
    pub reply: Sender<ExecReply>,
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
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader.take(MAX_REQUEST));
    let Some(line) = read_answer(&mut reader) else {
        return;
    };
    let (reply, answer) = mpsc::channel();
    let request = ExecRequest {
        line,
        reply: reply.clone(),
    };
    if tx.send(Input::Exec(request)).is_err() {
        return;
    }
    let mut stream = stream;
    loop {
        match answer.recv_timeout(REPLY_TIMEOUT) {
            Ok(ExecReply::Done(status, text)) => {
                let _ = write!(stream, "status {status}\n{text}");
                return;
            }
            Ok(ExecReply::XauthCredentials(ike_sa)) => {
                let Some(user) = ask(&mut stream, &mut reader, "prompt", "Username: ") else {
                    return;
                };
                let Some(password) = ask(&mut stream, &mut reader, "secret", "Password: ") else {
                    return;
                };
                let credentials = CredentialsAnswer {
                    ike_sa,
                    user,
                    password: XauthPassword::new(password.into_bytes()),
                    reply: reply.clone(),
                };
                if tx.send(Input::XauthCredentials(credentials)).is_err() {
                    return;
                }
            }
            Err(_) => {
                let _ = write!(stream, "status 1\n% the router did not answer\n");
                return;
            }
        }
    }
}

/// One line from the client, without its end.
fn read_answer(reader: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if line.len() as u64 > MAX_LINE {
        return None;
    }
    Some(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Asks the client `question` (`kind` is `prompt` or `secret`), returns its
/// answer.
fn ask(
    stream: &mut UnixStream,
    reader: &mut impl BufRead,
    kind: &str,
    question: &str,
) -> Option<String> {
    writeln!(stream, "{kind} {question}").ok()?;
    read_answer(reader)
}

/// `router exec`: sends `line` to the router on `path`, returns its exit
/// status and text. Questions the command asks (`Username:`, `Password:`)
/// are asked on this terminal (stdin), a secret without echo.
pub fn exec(path: &Path, line: &str) -> io::Result<(u8, String)> {
    exec_with(path, line, &mut ask_stdin)
}

/// [`exec`], with `answer(question, secret)` answering the router's
/// questions.
pub fn exec_with(
    path: &Path,
    line: &str,
    answer: &mut dyn FnMut(&str, bool) -> io::Result<String>,
) -> io::Result<(u8, String)> {
    let mut stream = UnixStream::connect(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    writeln!(stream, "{}", line.replace(['\r', '\n'], " "))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut head = String::new();
        if reader.read_line(&mut head)? == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "no status line"));
        }
        let head = head.trim_end_matches('\n');
        let question = [("prompt ", false), ("secret ", true)]
            .into_iter()
            .find_map(|(p, secret)| head.strip_prefix(p).map(|q| (q, secret)));
        if let Some((q, secret)) = question {
            let a = answer(q, secret)?;
            writeln!(stream, "{}", a.replace(['\r', '\n'], ""))?;
            continue;
        }
        let status = head
            .strip_prefix("status ")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no status line"))?;
        let mut text = String::new();
        reader.read_to_string(&mut text)?;
        return Ok((status, text));
    }
}

/// Asks on stdout, reads one line of stdin; a secret is read with the
/// terminal's echo off (when stdin is a terminal).
pub fn ask_stdin(question: &str, secret: bool) -> io::Result<String> {
    print!("{question}");
    io::stdout().flush()?;
    let quiet = secret && io::stdin().is_terminal();
    if quiet {
        set_echo(false);
    }
    let mut line = String::new();
    let read = io::stdin().lock().read_line(&mut line);
    if quiet {
        set_echo(true);
        println!();
    }
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The terminal's echo on or off, by stty(1) on our stdin: no termios code
/// of our own.
pub fn set_echo(on: bool) {
    let _ = std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status();
}
