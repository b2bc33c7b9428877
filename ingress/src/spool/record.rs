//! The spool's record format and segment files, without any I/O policy: encode a body, read the
//! next valid record of a segment, find where reading can resume after damage.
//!
//! Record: `magic "ATS1" | len u32 LE | crc32 u32 LE | payload[len]`, where payload is
//! `signal u8 | format u8 | 0u8 | 0u8 | received unix ms u64 LE | body`. The length and the
//! checksum make a torn write (a crash in the middle of an append) or a damaged byte detectable;
//! the magic lets a reader find the next record after damage instead of giving up the segment.
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use agenttrace_core::otlp::Format;
use bytes::Bytes;

use crate::protocol::Signal;

pub const MAGIC: [u8; 4] = *b"ATS1";
/// magic + len + crc
pub const HEADER: usize = 12;
/// signal, format, two reserved bytes, received-at milliseconds
pub const META: usize = 12;
/// A length field above this is damage, not a record (bodies are limited far below it).
pub const MAX_PAYLOAD: usize = 1 << 30;
/// Bytes a body of `n` bytes takes on disk.
pub const fn record_size(n: usize) -> usize {
    HEADER + META + n
}

/// A segment file's name: the 20-digit id, so names sort like ids.
pub fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.seg"))
}

/// The id of a segment file name, None for anything else in the directory.
pub fn segment_id(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".seg")?;
    (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit())).then(|| stem.parse().ok()).flatten()
}

/// The segments in `dir`, oldest first.
pub fn list_segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut ids = Vec::new();
    for e in std::fs::read_dir(dir)? {
        if let Some(id) = e?.file_name().to_str().and_then(segment_id) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

fn signal_code(s: Signal) -> u8 {
    match s {
        Signal::Traces => 1,
        Signal::Logs => 2,
    }
}

fn format_code(f: Format) -> u8 {
    match f {
        Format::Protobuf => 1,
        Format::Json => 2,
    }
}

/// One record, encoded for appending.
pub fn encode(signal: Signal, format: Format, received_ms: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(record_size(body.len()));
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&((META + body.len()) as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]); // crc, filled in below
    out.extend_from_slice(&[signal_code(signal), format_code(format), 0, 0]);
    out.extend_from_slice(&received_ms.to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out[HEADER..]);
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    out
}

/// A record read back from a segment.
#[derive(Debug, Clone)]
pub struct Record {
    pub signal: Signal,
    pub format: Format,
    pub received_ms: u64,
    pub body: Bytes,
    /// Bytes it takes in the segment (header included).
    pub size: u64,
}

/// What lies at an offset of a segment.
#[derive(Debug)]
pub enum Read {
    Record(Record),
    /// Not a valid record: torn, damaged, or not a record boundary.
    Damaged,
    /// Nothing more before `end`.
    End,
}

/// Reads the record at `off`, which must end at or before `end`. I/O errors are errors; anything
/// the bytes themselves get wrong is [`Read::Damaged`].
pub fn read_at(file: &File, off: u64, end: u64) -> io::Result<Read> {
    if off >= end {
        return Ok(Read::End);
    }
    if end - off < (HEADER + META) as u64 {
        return Ok(Read::Damaged);
    }
    let mut head = [0u8; HEADER];
    file.read_exact_at(&mut head, off)?;
    let len = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes")) as usize;
    if head[..4] != MAGIC || !(META..=MAX_PAYLOAD).contains(&len) || off + (HEADER + len) as u64 > end {
        return Ok(Read::Damaged);
    }
    let mut payload = vec![0u8; len];
    file.read_exact_at(&mut payload, off + HEADER as u64)?;
    if crc32fast::hash(&payload) != u32::from_le_bytes(head[8..12].try_into().expect("4 bytes")) {
        return Ok(Read::Damaged);
    }
    let signal = match payload[0] {
        1 => Signal::Traces,
        2 => Signal::Logs,
        _ => return Ok(Read::Damaged),
    };
    let format = match payload[1] {
        1 => Format::Protobuf,
        2 => Format::Json,
        _ => return Ok(Read::Damaged),
    };
    let received_ms = u64::from_le_bytes(payload[4..12].try_into().expect("8 bytes"));
    let body = Bytes::from(payload).slice(META..);
    Ok(Read::Record(Record { signal, format, received_ms, body, size: (HEADER + len) as u64 }))
}

/// The first offset after `off` (exclusive) and before `end` where a valid record starts, None if
/// there is none: everything from `off` on is then a torn tail. Scans for the magic in windows,
/// so damage costs a read of the rest of the segment, not memory for it.
pub fn resync(file: &File, off: u64, end: u64) -> io::Result<Option<u64>> {
    const WINDOW: usize = 1 << 20;
    let mut base = off + 1;
    let mut buf = vec![0u8; WINDOW];
    while base + (HEADER as u64) <= end {
        let n = ((end - base) as usize).min(WINDOW);
        file.read_exact_at(&mut buf[..n], base)?;
        let mut i = 0;
        while i + MAGIC.len() <= n {
            if buf[i..i + MAGIC.len()] == MAGIC {
                let at = base + i as u64;
                if let Read::Record(_) = read_at(file, at, end)? {
                    return Ok(Some(at));
                }
            }
            i += 1;
        }
        // Windows overlap by the magic's length, so a magic across the boundary is seen.
        if n < WINDOW {
            break;
        }
        base += (n - (MAGIC.len() - 1)) as u64;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("agenttrace-spool-{tag}-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn records(file: &File, end: u64) -> Vec<(u64, Vec<u8>)> {
        let mut out = vec![];
        let mut off = 0;
        loop {
            match read_at(file, off, end).unwrap() {
                Read::Record(r) => {
                    out.push((off, r.body.to_vec()));
                    off += r.size;
                }
                Read::End => return out,
                Read::Damaged => match resync(file, off, end).unwrap() {
                    Some(next) => off = next,
                    None => return out,
                },
            }
        }
    }

    #[test]
    fn names_sort_like_ids() {
        let d = Path::new("/x");
        assert_eq!(segment_path(d, 7), Path::new("/x/00000000000000000007.seg"));
        assert_eq!(segment_id("00000000000000000007.seg"), Some(7));
        assert_eq!(segment_id("7.seg"), None);
        assert_eq!(segment_id("drained"), None);
    }

    #[test]
    fn round_trip_and_every_kind_of_damage() {
        let dir = tmpdir("record");
        let path = dir.join("a.seg");
        let mut f = File::create(&path).unwrap();
        let bodies: Vec<Vec<u8>> = (0..5).map(|i| vec![b'a' + i as u8; 100 + i * 37]).collect();
        let mut offs = vec![];
        let mut len = 0u64;
        for (i, b) in bodies.iter().enumerate() {
            let sig = if i % 2 == 0 { Signal::Traces } else { Signal::Logs };
            let rec = encode(sig, Format::Json, 1234 + i as u64, b);
            offs.push(len);
            len += rec.len() as u64;
            f.write_all(&rec).unwrap();
        }
        drop(f);
        let f = File::open(&path).unwrap();
        let all = records(&f, len);
        assert_eq!(all.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>(), bodies);
        match read_at(&f, offs[1], len).unwrap() {
            Read::Record(r) => {
                assert_eq!((r.signal, r.format, r.received_ms), (Signal::Logs, Format::Json, 1235));
                assert_eq!(r.size, record_size(bodies[1].len()) as u64);
            }
            other => panic!("{other:?}"),
        }
        // A torn tail: the last record cut in the middle.
        let torn = offs[4] + 30;
        let got = records(&f, torn);
        assert_eq!(got.len(), 4);
        assert!(matches!(read_at(&f, offs[4], torn).unwrap(), Read::Damaged));
        assert_eq!(resync(&f, offs[4], torn).unwrap(), None, "a torn tail has nothing after it");
        drop(f);
        // A flipped byte in the middle record's body: that record is skipped, the rest is read.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[offs[2] as usize + 40] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let f = File::open(&path).unwrap();
        let got = records(&f, len);
        assert_eq!(got.iter().map(|(o, _)| *o).collect::<Vec<_>>(), vec![offs[0], offs[1], offs[3], offs[4]]);
        // Garbage length field.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[offs[0] as usize + 4..offs[0] as usize + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let f = File::open(&path).unwrap();
        assert_eq!(records(&f, len).len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
