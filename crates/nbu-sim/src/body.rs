//! The response body type: a whole body, or one that breaks off halfway (the truncated-body fault).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// A response body.
#[derive(Debug)]
pub(crate) enum SimBody {
    /// The whole body, sent at once.
    Full(Option<Bytes>),
    /// The first part of a body whose `Content-Length` announces more; after it the stream fails,
    /// which makes the server drop the connection mid-body.
    Truncated(Option<Bytes>),
}

impl SimBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        Self::Full(Some(bytes.into()))
    }

    pub(crate) fn empty() -> Self {
        Self::Full(None)
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|bytes| Ok(Frame::data(bytes)))),
            Self::Truncated(data) => Poll::Ready(Some(match data.take() {
                Some(bytes) => Ok(Frame::data(bytes)),
                None => Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "body truncated by fault injection")),
            })),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Truncated(_) => SizeHint::default(),
        }
    }
}
