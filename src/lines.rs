//! Lines out of byte streams whose frames do not align with lines (Docker's
//! attach and exec streams, a child's pipes).

/// Reassembles lines from stream frames, which are not line-aligned.
#[derive(Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Feeds bytes; returns the lines they complete, decoded lossily.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut lines = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            lines.push(decode_line(&line[..end]));
        }
        lines
    }

    /// The last, unterminated line, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.pending.is_empty() {
            None
        } else {
            let line = decode_line(&self.pending);
            self.pending.clear();
            Some(line)
        }
    }
}

/// Bytes a process wrote, tagged with the stream they came on.
pub enum Chunk {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
}

/// Turns an async reader (a child's pipe) into a stream of tagged chunks.
pub fn reader_chunks<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    reader: R,
    tag: fn(Vec<u8>) -> Chunk,
) -> impl futures_util::Stream<Item = Chunk> + Send {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(reader), move |reader| async move {
        let mut reader = reader?;
        let mut buffer = vec![0u8; 65536];
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((tag(buffer), Some(reader)))
            }
        }
    })
}

fn decode_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.strip_suffix('\r').unwrap_or(&text).to_string()
}

/// The last `count` lines of a text.
pub fn tail_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_frames_and_survives_invalid_utf8() {
        let mut splitter = LineSplitter::default();
        assert!(splitter.push(b"hel").is_empty());
        assert_eq!(splitter.push(b"lo\nwor"), vec!["hello"]);
        assert_eq!(
            splitter.push(b"ld\r\n\xff\xfe\n"),
            vec!["world", "\u{fffd}\u{fffd}"]
        );
        assert_eq!(splitter.push(b"tail"), Vec::<String>::new());
        assert_eq!(splitter.finish().as_deref(), Some("tail"));
        assert_eq!(splitter.finish(), None);
    }

    #[test]
    fn tails_keep_the_last_lines() {
        assert_eq!(tail_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(tail_lines("a", 5), "a");
    }
}
