//! Package hashes, base64 SHA-512 as NuGet writes them: of the whole file (`.nupkg.sha512`), and
//! the content hash of `.nupkg.metadata`, which for a signed package is the hash of the package
//! as it was before `.signature.p7s` was added (computed without rewriting the file).

use std::io::{self, Read, Seek, SeekFrom};

use base64::Engine;
use sha2::{Digest, Sha512};

const EOCD_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_HEADER_FIXED_LEN: u64 = 46;
/// Offset of the local header offset inside a central directory record.
const LOCAL_OFFSET_FIELD: u64 = 42;
const SIGNATURE_ENTRY: &[u8] = b".signature.p7s";

/// Feeds written bytes to the hash (sha2 is used without its `std` feature).
struct HashWriter<'a>(&'a mut Sha512);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn base64(hasher: Sha512) -> String {
    base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
}

/// Base64 SHA-512 of everything `reader` yields.
pub(super) fn sha512<R: Read>(mut reader: R) -> io::Result<String> {
    let mut hasher = Sha512::new();
    io::copy(&mut reader, &mut HashWriter(&mut hasher))?;
    Ok(base64(hasher))
}

/// One central directory record, as the hash needs it.
struct Record {
    /// Where the record starts.
    position: u64,
    /// Its whole size (fixed part, name, extra field, comment).
    size: u64,
    /// Where its local header starts.
    local_offset: u64,
    /// Local header, data and descriptor: up to the next local header or the central directory.
    entry_size: u64,
    is_signature: bool,
}

fn read_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn bad(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}

fn read_at<R: Read + Seek>(reader: &mut R, at: u64, len: usize) -> io::Result<Vec<u8>> {
    reader.seek(SeekFrom::Start(at))?;
    let mut bytes = vec![0; len];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn hash_range<R: Read + Seek>(
    reader: &mut R,
    hasher: &mut Sha512,
    from: u64,
    to: u64,
) -> io::Result<()> {
    if to < from {
        return Err(bad("the zip layout overlaps itself"));
    }
    reader.seek(SeekFrom::Start(from))?;
    let copied = io::copy(&mut reader.take(to - from), &mut HashWriter(hasher))?;
    if copied != to - from {
        return Err(bad("the zip layout points past the end of the file"));
    }
    Ok(())
}

/// The start of the central directory, from the last end-of-central-directory record.
fn central_directory_start<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<u64> {
    let tail_len = len.min(64 * 1024 + 22);
    let tail = read_at(reader, len - tail_len, tail_len as usize)?;
    let at = tail
        .windows(4)
        .rposition(|w| w == EOCD_SIGNATURE)
        .filter(|&at| at + 22 <= tail.len())
        .ok_or_else(|| bad("no end of central directory record"))?;
    Ok(u64::from(read_u32(&tail, at + 16)))
}

fn read_records<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<Vec<Record>> {
    let mut position = central_directory_start(reader, len)?;
    let mut records = Vec::new();
    while position + CENTRAL_HEADER_FIXED_LEN <= len {
        let fixed = read_at(reader, position, CENTRAL_HEADER_FIXED_LEN as usize)?;
        if read_u32(&fixed, 0) != CENTRAL_HEADER_SIGNATURE {
            break;
        }
        let name_len = usize::from(read_u16(&fixed, 28));
        let variable = u64::from(read_u16(&fixed, 28))
            + u64::from(read_u16(&fixed, 30))
            + u64::from(read_u16(&fixed, 32));
        let name = read_at(reader, position + CENTRAL_HEADER_FIXED_LEN, name_len)?;
        let utf8_flag = read_u16(&fixed, 8) & (1 << 11) != 0;
        records.push(Record {
            position,
            size: CENTRAL_HEADER_FIXED_LEN + variable,
            local_offset: u64::from(read_u32(&fixed, 42)),
            entry_size: 0,
            is_signature: !utf8_flag && name == SIGNATURE_ENTRY,
        });
        position += CENTRAL_HEADER_FIXED_LEN + variable;
    }
    set_entry_sizes(&mut records);
    Ok(records)
}

/// Each local entry runs to the next one; the last to the first central directory record.
fn set_entry_sizes(records: &mut [Record]) {
    let directory_start = records.iter().map(|r| r.position).min().unwrap_or(0);
    let mut by_offset: Vec<usize> = (0..records.len()).collect();
    by_offset.sort_by_key(|&i| records[i].local_offset);
    for pair in by_offset.windows(2) {
        records[pair[0]].entry_size = records[pair[1]].local_offset - records[pair[0]].local_offset;
    }
    if let Some(&last) = by_offset.last() {
        records[last].entry_size = directory_start.saturating_sub(records[last].local_offset);
    }
}

/// The content hash of a signed package: the bytes it had before signing, hashed in order, with
/// the offsets and counts the signature entry changed put back.
pub(super) fn signed_content_hash<R: Read + Seek>(mut reader: R) -> io::Result<String> {
    let len = reader.seek(SeekFrom::End(0))?;
    let records = read_records(&mut reader, len)?;
    let mut signatures = records.iter().filter(|r| r.is_signature);
    let (Some(signature), None) = (signatures.next(), signatures.next()) else {
        return Err(bad(
            "a signed package needs exactly one .signature.p7s entry",
        ));
    };
    let last = records
        .last()
        .ok_or_else(|| bad("the central directory is empty"))?;
    let end_of_directory = last.position + last.size;
    let start_of_entries = records.iter().map(|r| r.local_offset).min().unwrap_or(len);

    let mut kept: Vec<usize> = (0..records.len())
        .filter(|&i| !records[i].is_signature)
        .collect();
    kept.sort_by_key(|&i| records[i].local_offset);
    let mut shifts = vec![0i64; records.len()];
    let mut previous_end: i64 = 0;
    for &i in &kept {
        let record = &records[i];
        shifts[i] = previous_end - record.local_offset as i64;
        previous_end = record.local_offset as i64 + record.entry_size as i64 + shifts[i];
    }

    let mut hasher = Sha512::new();
    hash_range(&mut reader, &mut hasher, 0, start_of_entries)?;
    for &i in &kept {
        let record = &records[i];
        let end = record.local_offset + record.entry_size;
        hash_range(&mut reader, &mut hasher, record.local_offset, end)?;
    }
    kept.sort_by_key(|&i| records[i].position);
    for &i in &kept {
        let record = &records[i];
        let offset_field = record.position + LOCAL_OFFSET_FIELD;
        hash_range(&mut reader, &mut hasher, record.position, offset_field)?;
        let offset = read_at(&mut reader, offset_field, 4)?;
        let moved = (i64::from(read_u32(&offset, 0)) + shifts[i]) as u32;
        hasher.update(moved.to_le_bytes());
        let rest = record.position + CENTRAL_HEADER_FIXED_LEN;
        hash_range(
            &mut reader,
            &mut hasher,
            rest,
            record.position + record.size,
        )?;
    }
    let eocd = read_at(&mut reader, end_of_directory, 20)?;
    hasher.update(&eocd[..8]);
    hasher.update(read_u16(&eocd, 8).wrapping_sub(1).to_le_bytes());
    hasher.update(read_u16(&eocd, 10).wrapping_sub(1).to_le_bytes());
    hasher.update(
        read_u32(&eocd, 12)
            .wrapping_sub(signature.size as u32)
            .to_le_bytes(),
    );
    hasher.update(
        read_u32(&eocd, 16)
            .wrapping_sub(signature.entry_size as u32)
            .to_le_bytes(),
    );
    hash_range(&mut reader, &mut hasher, end_of_directory + 20, len)?;
    Ok(base64(hasher))
}
