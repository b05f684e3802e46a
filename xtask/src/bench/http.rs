//! Just enough HTTP/1.1 over `std::net` to drive the simulator and the exporter on loopback: xtask
//! stays free of an async runtime and an HTTP stack, and a load generator this small adds little of
//! its own cost to what it measures.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long one request may take before the benchmark gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A response: status and body (the benchmark needs no header beyond framing).
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on a fresh connection, closed afterwards.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Response, String> {
    let mut connection = Connection::open(addr)?;
    connection.send(method, path, &[("Connection", "close")], body)
}

/// `GET path` on a fresh connection.
pub(crate) fn get(addr: SocketAddr, path: &str) -> Result<Response, String> {
    request(addr, "GET", path, None)
}

/// A keep-alive connection: requests go one after another on the same socket.
pub(crate) struct Connection {
    addr: SocketAddr,
    stream: TcpStream,
    /// Bytes read but not consumed yet.
    buffer: Vec<u8>,
    /// Where reads land before they are consumed or appended to `buffer`.
    scratch: Box<[u8]>,
}

impl Connection {
    pub(crate) fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .map_err(|e| format!("cannot connect to http://{addr}: {e}"))?;
        stream
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|e| format!("cannot configure the connection to http://{addr}: {e}"))?;
        Ok(Self {
            addr,
            stream,
            buffer: Vec::with_capacity(256 * 1024),
            scratch: vec![0; 128 * 1024].into_boxed_slice(),
        })
    }

    /// Sends one request with extra `headers` and reads the whole response.
    pub(crate) fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Response, String> {
        let (status, body, _) = self.exchange(method, path, headers, body, true)?;
        Ok(Response { status, body })
    }

    /// `GET path`, counting the body instead of keeping it: returns the status and the body's
    /// length, so that the load generator's cost per request stays one read loop.
    pub(crate) fn get_discarding(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, usize), String> {
        let (status, _, length) = self.exchange("GET", path, headers, None, false)?;
        Ok((status, length))
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        keep_body: bool,
    ) -> Result<(u16, Vec<u8>, usize), String> {
        let addr = self.addr;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        if let Some(body) = body {
            head.push_str("Content-Type: application/json\r\nContent-Length: ");
            head.push_str(&body.len().to_string());
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or_default());
        self.stream
            .write_all(head.as_bytes())
            .map_err(|e| format!("{method} http://{addr}{path}: cannot send the request: {e}"))?;
        self.read_response(keep_body)
            .map_err(|e| format!("{method} http://{addr}{path}: bad response: {e}"))
    }

    /// Reads one response: status, body (empty unless `keep_body`) and body length.
    fn read_response(&mut self, keep_body: bool) -> Result<(u16, Vec<u8>, usize), String> {
        let header_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buffer[..header_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| format!("no HTTP status line in {:?}", head.lines().next()))?;
        let mut content_length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
        self.buffer.drain(..header_end);
        if chunked {
            let body = self.read_chunked()?;
            let length = body.len();
            return Ok((status, if keep_body { body } else { Vec::new() }, length));
        }
        let Some(length) = content_length else {
            // No framing: the body runs to the end of the connection.
            while self.fill().is_ok() {}
            let body = std::mem::take(&mut self.buffer);
            let length = body.len();
            return Ok((status, body, length));
        };
        if !keep_body {
            self.skip(length)?;
            return Ok((status, Vec::new(), length));
        }
        while self.buffer.len() < length {
            self.fill()?;
        }
        Ok((status, self.buffer.drain(..length).collect(), length))
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(end) = find(&self.buffer, b"\r\n") {
                    break end;
                }
                self.fill()?;
            };
            let size_text = String::from_utf8_lossy(&self.buffer[..line_end]).into_owned();
            let size_hex = size_text.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
            self.buffer.drain(..line_end + 2);
            while self.buffer.len() < size + 2 {
                self.fill()?;
            }
            body.extend(self.buffer.drain(..size));
            self.buffer.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }

    /// Consumes `length` body bytes without storing them.
    fn skip(&mut self, length: usize) -> Result<(), String> {
        let buffered = self.buffer.len().min(length);
        self.buffer.drain(..buffered);
        let mut remaining = length - buffered;
        while remaining > 0 {
            let n = self.read_some()?;
            let body_part = n.min(remaining);
            remaining -= body_part;
            // Bytes past this body belong to the next response.
            if let Some(rest) = self.scratch.get(body_part..n) {
                self.buffer.extend_from_slice(rest);
            }
        }
        Ok(())
    }

    fn fill(&mut self) -> Result<(), String> {
        let n = self.read_some()?;
        if let Some(read) = self.scratch.get(..n) {
            self.buffer.extend_from_slice(read);
        }
        Ok(())
    }

    fn read_some(&mut self) -> Result<usize, String> {
        match self.stream.read(&mut self.scratch) {
            Ok(0) => Err("the connection closed mid-response".to_owned()),
            Ok(n) => Ok(n),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
