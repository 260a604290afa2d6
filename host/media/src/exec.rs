//! Running an external program: no shell, piped standard streams, a timeout that kills and
//! reaps the child, and errors that name the program (and its Debian package when it is absent).

use crate::MediaError;
use std::{ffi::OsStr, io, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    process::Command,
};

/// An external program and the Debian package that provides it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tool {
    pub name: &'static str,
    pub package: &'static str,
}

pub(crate) const ESPEAK_NG: Tool = Tool {
    name: "espeak-ng",
    package: "espeak-ng",
};
pub(crate) const FFMPEG: Tool = Tool {
    name: "ffmpeg",
    package: "ffmpeg",
};
pub(crate) const FFPROBE: Tool = Tool {
    name: "ffprobe",
    package: "ffmpeg",
};

/// What a successful run printed.
pub(crate) struct Output {
    pub stdout: Vec<u8>,
}

/// Runs `tool` with `args`, feeding it `stdin` if given, and waits at most `timeout`. A child
/// still running then is killed and waited for, so that no process (nor zombie) is left behind.
pub(crate) async fn run<I, S>(
    tool: Tool,
    args: I,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, MediaError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(tool.name);
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    tracing::debug!(tool = tool.name, command = ?command.as_std(), "running");
    let mut child = command.spawn().map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            MediaError::ToolMissing {
                tool: tool.name,
                package: tool.package,
            }
        } else {
            MediaError::Spawn {
                tool: tool.name,
                source,
            }
        }
    })?;

    let stdin_pipe = child.stdin.take();
    let stdout_pipe = child.stdout.take();
    let stderr_pipe = child.stderr.take();
    let io_error = |source: io::Error| MediaError::Spawn {
        tool: tool.name,
        source,
    };
    let work = async {
        let write = async {
            if let (Some(mut pipe), Some(data)) = (stdin_pipe, stdin) {
                match pipe.write_all(data).await {
                    // The program may exit (or fail) before reading everything: its exit
                    // status says what happened.
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
                    _ => {}
                }
                // Dropping the pipe closes it: end of input.
            }
            Ok(())
        };
        let read_out = read_all(stdout_pipe);
        let read_err = read_all(stderr_pipe);
        let (written, stdout, stderr) = tokio::join!(write, read_out, read_err);
        written.map_err(io_error)?;
        let (stdout, stderr) = (stdout.map_err(io_error)?, stderr.map_err(io_error)?);
        let status = child.wait().await.map_err(io_error)?;
        Ok::<_, MediaError>((status, stdout, stderr))
    };
    let outcome = tokio::time::timeout(timeout, work).await;
    let (status, stdout, stderr) = match outcome {
        Ok(result) => result?,
        Err(_) => {
            tracing::warn!(tool = tool.name, ?timeout, "timed out; killing");
            // start_kill fails only if the child was already reaped; wait reaps it otherwise.
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(MediaError::Timeout {
                tool: tool.name,
                timeout,
            });
        }
    };
    if !status.success() {
        // Some programs (espeak-ng among them) print some errors on stdout.
        let first_line = first_line(&stderr)
            .or_else(|| first_line(&stdout))
            .unwrap_or_else(|| "(no output)".to_owned());
        return Err(MediaError::ToolFailed {
            tool: tool.name,
            status: status.to_string(),
            stderr: first_line,
        });
    }
    Ok(Output { stdout })
}

/// The first non-blank line of a program's output.
fn first_line(output: &[u8]) -> Option<String> {
    String::from_utf8_lossy(output)
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
}

async fn read_all<R: tokio::io::AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut buffer).await?;
    }
    Ok(buffer)
}
