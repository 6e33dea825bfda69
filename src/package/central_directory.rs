//! The central directory read record by record, and entries read from their local headers, by
//! hand: for archives whose directory names an entry more than once.
//!
//! The zip crate keys entries by name. For a name listed twice it keeps one slot, at the first
//! record's place, holding the last record's data, so the first record, the one .NET's
//! `ZipArchive.GetEntry` and NuGet's `LookupEntry` answer with, cannot be reached through it.
//! Here every record is read as .NET reads it: in directory order, as many as the end record
//! declares, each entry's data found from its local header and inflated (stored or deflated).

use std::io::{self, Read, Seek, SeekFrom, Write};

const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_HEADER_LEN: usize = 46;
const LOCAL_HEADER_LEN: usize = 30;
const EOCD_LEN: usize = 22;
/// The zip64 extended information extra field.
const ZIP64_EXTRA: u16 = 0x0001;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// One central directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    /// The name as written, undecoded.
    pub name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    /// Where its local header starts in the file.
    pub header_start: u64,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

fn read_at<R: Read + Seek>(reader: &mut R, at: u64, len: usize) -> io::Result<Vec<u8>> {
    reader.seek(SeekFrom::Start(at))?;
    let mut bytes = vec![0; len];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Every record of the directory starting at `start` (an absolute position), in order; local
/// header offsets are made absolute with `archive_offset` (data prepended to the zip). As in
/// .NET, records are read while they carry their signature, and their number must be the one
/// the end record declares.
pub(super) fn records<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    archive_offset: u64,
) -> io::Result<Vec<Record>> {
    let declared = declared_entries(reader)?;
    let mut records = Vec::new();
    let mut position = start;
    loop {
        let fixed = match read_at(reader, position, CENTRAL_HEADER_LEN) {
            Ok(fixed) if u32_at(&fixed, 0) == CENTRAL_HEADER_SIGNATURE => fixed,
            _ => break,
        };
        if records.len() as u64 == declared {
            return Err(bad(format!(
                "the central directory holds more records than the {declared} it declares"
            )));
        }
        let name_len = usize::from(u16_at(&fixed, 28));
        let extra_len = usize::from(u16_at(&fixed, 30));
        let comment_len = u64::from(u16_at(&fixed, 32));
        let variable = read_at(
            reader,
            position + CENTRAL_HEADER_LEN as u64,
            name_len + extra_len,
        )?;
        let (name, extra) = variable.split_at(name_len);
        let mut record = Record {
            name: name.to_vec(),
            flags: u16_at(&fixed, 8),
            method: u16_at(&fixed, 10),
            crc: u32_at(&fixed, 16),
            compressed: u64::from(u32_at(&fixed, 20)),
            size: u64::from(u32_at(&fixed, 24)),
            header_start: u64::from(u32_at(&fixed, 42)),
        };
        apply_zip64(&mut record, extra)?;
        record.header_start = record
            .header_start
            .checked_add(archive_offset)
            .ok_or_else(|| bad("a local header offset overflows"))?;
        records.push(record);
        position += (CENTRAL_HEADER_LEN + name_len + extra_len) as u64 + comment_len;
    }
    if records.len() as u64 != declared {
        return Err(bad(format!(
            "the central directory holds {} records where it declares {declared}",
            records.len()
        )));
    }
    Ok(records)
}

/// Replaces the fields written as all ones by their zip64 values, in the order the format
/// gives them: size, compressed size, local header offset.
fn apply_zip64(record: &mut Record, mut extra: &[u8]) -> io::Result<()> {
    const FULL: u64 = 0xFFFF_FFFF;
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let body = extra
            .get(4..4 + len)
            .ok_or_else(|| bad("an extra field runs past its record"))?;
        if id == ZIP64_EXTRA {
            let mut values = body.chunks_exact(8).map(|word| u64_at(word, 0));
            for field in [
                &mut record.size,
                &mut record.compressed,
                &mut record.header_start,
            ] {
                if *field == FULL {
                    *field = values
                        .next()
                        .ok_or_else(|| bad("a zip64 extra field is too short"))?;
                }
            }
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    Ok(())
}

/// How many records the end of central directory record (or its zip64 form) declares.
fn declared_entries<R: Read + Seek>(reader: &mut R) -> io::Result<u64> {
    let len = reader.seek(SeekFrom::End(0))?;
    let tail_len = len.min(64 * 1024 + EOCD_LEN as u64);
    let tail = read_at(reader, len - tail_len, tail_len as usize)?;
    let at = (0..=tail.len().saturating_sub(EOCD_LEN))
        .rev()
        .find(|&at| u32_at(&tail, at) == EOCD_SIGNATURE)
        .ok_or_else(|| bad("no end of central directory record"))?;
    let entries = u16_at(&tail, at + 10);
    if entries != u16::MAX {
        return Ok(u64::from(entries));
    }
    // A zip64 archive: the locator sits right before the end record.
    let eocd_start = len - tail_len + at as u64;
    let locator = read_at(reader, eocd_start.saturating_sub(20), 20)?;
    if u32_at(&locator, 0) != ZIP64_LOCATOR_SIGNATURE {
        return Ok(u64::from(entries));
    }
    let record = read_at(reader, u64_at(&locator, 8), 40)?;
    if u32_at(&record, 0) != ZIP64_EOCD_SIGNATURE {
        return Err(bad(
            "the zip64 end of central directory record is not where its locator says",
        ));
    }
    Ok(u64_at(&record, 32))
}

/// Where the entry's data starts: after its local header, whose own name and extra field
/// lengths count (they may differ from the central record's).
pub(super) fn data_start<R: Read + Seek>(reader: &mut R, record: &Record) -> io::Result<u64> {
    let header = read_at(reader, record.header_start, LOCAL_HEADER_LEN)?;
    if u32_at(&header, 0) != LOCAL_HEADER_SIGNATURE {
        return Err(bad("no local header where the central directory points"));
    }
    let variable = u64::from(u16_at(&header, 26)) + u64::from(u16_at(&header, 28));
    Ok(record.header_start + LOCAL_HEADER_LEN as u64 + variable)
}

/// Inflates the entry whose data starts at `data_start` into `out`, checking that it yields
/// exactly the size its record declares, with the record's CRC. Inflating stops one byte past
/// the declared size.
pub(super) fn inflate<R: Read + Seek>(
    reader: &mut R,
    record: &Record,
    data_start: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    if record.flags & 1 != 0 {
        return Err(bad("is encrypted"));
    }
    reader.seek(SeekFrom::Start(data_start))?;
    let data = reader.take(record.compressed);
    let mut out = CrcWriter {
        out,
        crc: flate2::Crc::new(),
    };
    let limit = record.size.saturating_add(1);
    let inflated = match record.method {
        STORED => io::copy(&mut data.take(limit), &mut out)?,
        DEFLATED => io::copy(
            &mut flate2::read::DeflateDecoder::new(data).take(limit),
            &mut out,
        )?,
        other => {
            return Err(bad(format!(
                "uses compression method {other}, which is not read"
            )));
        }
    };
    let declared = record.size;
    if inflated != declared {
        let how = if inflated > declared {
            "more than"
        } else {
            "only"
        };
        let message = format!(
            "inflates to {how} {} bytes where its directory entry declares {declared}",
            inflated.min(declared)
        );
        return Err(bad(message));
    }
    if out.crc.sum() != record.crc {
        return Err(bad(format!(
            "has CRC {:08x} where its directory entry declares {:08x}",
            out.crc.sum(),
            record.crc
        )));
    }
    Ok(())
}

/// Passes bytes on, keeping their CRC-32.
struct CrcWriter<'a, W: Write> {
    out: &'a mut W,
    crc: flate2::Crc,
}

impl<W: Write> Write for CrcWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.out.write(bytes)?;
        self.crc.update(&bytes[..written]);
        Ok(written)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            name: b"a".to_vec(),
            flags: 0,
            method: DEFLATED,
            crc: 0,
            compressed: 0xFFFF_FFFF,
            size: 0xFFFF_FFFF,
            header_start: 7,
        }
    }

    fn field(id: u16, body: &[u8]) -> Vec<u8> {
        let mut bytes = id.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(body.len() as u16).to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn zip64_values_replace_the_fields_written_as_all_ones_in_order() {
        let words: Vec<u8> = [5u64 << 32, 3u64 << 32]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        // Another field first (NTFS times), to be skipped.
        let extra = [field(0x000a, &[0; 8]), field(ZIP64_EXTRA, &words)].concat();
        let mut got = record();
        apply_zip64(&mut got, &extra).unwrap();
        // Size first, then compressed size; the offset was not all ones, so it is not there.
        assert_eq!(
            (got.size, got.compressed, got.header_start),
            (5 << 32, 3 << 32, 7)
        );
    }

    #[test]
    fn a_short_or_overrunning_extra_field_is_an_error() {
        let short = field(ZIP64_EXTRA, &1u64.to_le_bytes());
        let err = apply_zip64(&mut record(), &short).unwrap_err();
        assert_eq!(err.to_string(), "a zip64 extra field is too short");
        let overrun = [ZIP64_EXTRA.to_le_bytes(), 40u16.to_le_bytes()].concat();
        let err = apply_zip64(&mut record(), &overrun).unwrap_err();
        assert_eq!(err.to_string(), "an extra field runs past its record");
    }
}
