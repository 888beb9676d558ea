//! The model file: a small binary format, little-endian, written the same way every time
//! (same model, same bytes), and read with every length and value checked, since a model
//! file may come from anywhere `[detection] model` points.
//!
//! Layout: the magic line, a version, the bucket bits, the thresholds (suspicious,
//! threat, extortion), the bias row, the signal count and per signal its name (u16 length, UTF-8)
//! and row, then one row per token bucket. A row is three f32.

use thiserror::Error;

use super::{Model, Row};
use crate::detect::Thresholds;

const MAGIC: &[u8; 16] = b"SCAMGUARD-MODEL\n";
const VERSION: u32 = 2;
/// Bucket bits a file may declare: 2^24 rows would already be 192 MiB.
const BITS: std::ops::RangeInclusive<u32> = 4..=22;
const MAX_SIGNALS: u32 = 4096;
const MAX_NAME_BYTES: usize = 64;
/// The largest weight a file may hold. Trained weights stay within a few units (the L2
/// pull); a file with weights near `f32::MAX` would add up to infinity and make every
/// probability NaN, which no threshold compares against.
const MAX_WEIGHT: f32 = 1.0e4;

/// The largest file [`Model::from_bytes`] can accept: the most buckets, signals and name
/// bytes the reader allows. A caller reading a file checks its size against this before
/// reading it, so a huge file is refused without being loaded.
/// The header is magic (16), version, bits (4 each), three thresholds and the bias (12
/// each) and the signal count (4): 52 bytes.
pub const MAX_FILE_BYTES: u64 = 52 + MAX_SIGNALS as u64 * (2 + MAX_NAME_BYTES as u64 + 12) + (12 << 22);
// Reading the largest model stays well within the service's memory budget.
const _: () = assert!(MAX_FILE_BYTES < 64 << 20);

#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    #[error("not a scamguard model file")]
    NotAModel,
    #[error("model file version {0} is not supported (this build reads version {VERSION})")]
    Version(u32),
    #[error("model file is cut short or malformed: {0}")]
    Malformed(&'static str),
}

impl Model {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.tokens.len() * 12);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        for value in [self.thresholds.suspicious, self.thresholds.threat, self.thresholds.extortion] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        push_row(&mut out, &self.bias);
        out.extend_from_slice(&(self.signals.len() as u32).to_le_bytes());
        for (name, row) in &self.signals {
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            push_row(&mut out, row);
        }
        for row in &self.tokens {
            push_row(&mut out, row);
        }
        out
    }

    /// Reads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut input = Reader(bytes);
        // A file that starts otherwise is something else, however short; one that stops
        // inside the magic line is a model cut short.
        if !bytes.iter().zip(MAGIC).all(|(a, b)| a == b) {
            return Err(ModelError::NotAModel);
        }
        input.take(MAGIC.len(), "magic")?;
        let version = input.u32()?;
        if version != VERSION {
            return Err(ModelError::Version(version));
        }
        let bits = input.u32()?;
        if !BITS.contains(&bits) {
            return Err(ModelError::Malformed("bucket bits out of range"));
        }
        let (suspicious, threat, extortion) = (input.f32()?, input.f32()?, input.f32()?);
        // The same rule the configuration's thresholds obey: a file with suspicious 0
        // would mark every mail.
        if !(0.0 < suspicious && suspicious <= threat && threat <= 1.0 && 0.0 < extortion && extortion <= 1.0)
        {
            return Err(ModelError::Malformed(
                "thresholds must be 0 < suspicious <= threat <= 1, 0 < extortion <= 1",
            ));
        }
        let bias = input.row()?;
        let count = input.u32()?;
        if count > MAX_SIGNALS {
            return Err(ModelError::Malformed("too many signals"));
        }
        let mut signals = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let length = usize::from(u16::from_le_bytes(input.array()?));
            if length > MAX_NAME_BYTES {
                return Err(ModelError::Malformed("signal name too long"));
            }
            let name = std::str::from_utf8(input.take(length, "signal name")?)
                .map_err(|_| ModelError::Malformed("signal name is not UTF-8"))?;
            signals.push((name.to_string(), input.row()?));
        }
        let rows = 1usize << bits;
        if input.0.len() != rows * 12 {
            return Err(ModelError::Malformed("token rows do not match the bucket bits"));
        }
        let tokens = (0..rows).map(|_| input.row()).collect::<Result<Vec<Row>, _>>()?;
        Ok(Model::new(bits, bias, signals, tokens, Thresholds { suspicious, threat, extortion }))
    }
}

fn push_row(out: &mut Vec<u8>, row: &Row) {
    for value in row {
        out.extend_from_slice(&value.to_le_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Malformed(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let bytes = self.take(N, "number")?;
        bytes.try_into().map_err(|_| ModelError::Malformed("number"))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, ModelError> {
        let value = f32::from_le_bytes(self.array()?);
        if value.is_finite() && value.abs() <= MAX_WEIGHT {
            Ok(value)
        } else {
            Err(ModelError::Malformed("a weight is not a finite number of sensible size"))
        }
    }

    fn row(&mut self) -> Result<Row, ModelError> {
        Ok([self.f32()?, self.f32()?, self.f32()?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Model {
        let tokens = (0..16).map(|i| [i as f32, -(i as f32), 0.5]).collect();
        Model::new(
            4,
            [-6.0, -5.5, -7.0],
            vec![("extortion_narrative".into(), [1.2, 0.0, 0.1])],
            tokens,
            Thresholds { suspicious: 0.5, threat: 0.9, extortion: 0.7 },
        )
    }

    #[test]
    fn a_model_reads_back_as_written_and_writes_the_same_bytes() {
        let bytes = small().to_bytes();
        let read = Model::from_bytes(&bytes).expect("reads");
        assert_eq!(read, small());
        assert_eq!(read.to_bytes(), bytes);
    }

    /// The largest model the reader allows (the most buckets, signals and name bytes)
    /// reads back, and its file is exactly `MAX_FILE_BYTES`: the bound callers check a
    /// file's size against is neither too small for a valid model nor loose. One signal
    /// more, or a name byte longer, is refused.
    #[test]
    fn the_largest_model_allowed_reads_and_fills_max_file_bytes_exactly() {
        let name = |i: u32| format!("{i:0>width$}", width = MAX_NAME_BYTES);
        let signals: Vec<(String, Row)> = (0..MAX_SIGNALS).map(|i| (name(i), [0.5; 3])).collect();
        let bits = *BITS.end();
        let largest =
            Model::new(bits, [0.0; 3], signals.clone(), vec![[0.0; 3]; 1 << bits], small().thresholds);
        let bytes = largest.to_bytes();
        assert_eq!(bytes.len() as u64, MAX_FILE_BYTES);
        assert!(Model::from_bytes(&bytes).is_ok());

        let mut more = signals.clone();
        more.push((name(MAX_SIGNALS), [0.5; 3]));
        let too_many = Model::new(4, [0.0; 3], more, vec![[0.0; 3]; 16], small().thresholds);
        assert_eq!(Model::from_bytes(&too_many.to_bytes()), Err(ModelError::Malformed("too many signals")));
        let long = vec![(format!("{}x", name(0)), [0.5; 3])];
        let too_long = Model::new(4, [0.0; 3], long, vec![[0.0; 3]; 16], small().thresholds);
        assert_eq!(
            Model::from_bytes(&too_long.to_bytes()),
            Err(ModelError::Malformed("signal name too long"))
        );
        // At the thresholds' edges: suspicious as high as threat, both 1, is a model.
        let edge = Model::new(
            4,
            [0.0; 3],
            Vec::new(),
            vec![[0.0; 3]; 16],
            Thresholds { suspicious: 1.0, threat: 1.0, extortion: 1.0 },
        );
        assert!(Model::from_bytes(&edge.to_bytes()).is_ok());
    }

    #[test]
    fn damaged_files_are_refused_with_a_reason() {
        let bytes = small().to_bytes();
        assert_eq!(Model::from_bytes(b"hello"), Err(ModelError::NotAModel));
        assert_eq!(Model::from_bytes(b""), Err(ModelError::Malformed("magic")));
        assert_eq!(Model::from_bytes(b"SCAMGUARD"), Err(ModelError::Malformed("magic")));
        assert_eq!(Model::from_bytes(&[b'x'; 64]), Err(ModelError::NotAModel));
        for cut in [20, 40, bytes.len() - 1] {
            assert!(
                matches!(Model::from_bytes(&bytes[..cut]), Err(ModelError::Malformed(_))),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Model::from_bytes(&longer).is_err());
        let mut version = bytes.clone();
        version[16] = 9;
        assert_eq!(Model::from_bytes(&version), Err(ModelError::Version(9)));
        let mut nan = bytes.clone();
        let at = nan.len() - 4;
        nan[at..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Model::from_bytes(&nan).is_err());
        let mut huge = bytes;
        huge[20..24].copy_from_slice(&40u32.to_le_bytes());
        assert_eq!(Model::from_bytes(&huge), Err(ModelError::Malformed("bucket bits out of range")));
    }

    #[test]
    fn weights_that_would_add_up_to_infinity_and_thresholds_that_mark_everything_are_refused() {
        let bytes = small().to_bytes();
        // The first bias weight, after magic, version, bits and the three thresholds: a
        // finite weight too large to add up is refused as a weight.
        let mut huge = bytes.clone();
        huge[36..40].copy_from_slice(&3.0e38_f32.to_le_bytes());
        assert_eq!(
            Model::from_bytes(&huge),
            Err(ModelError::Malformed("a weight is not a finite number of sensible size"))
        );
        for (suspicious, threat) in [(0.0, 0.9), (0.95, 0.9), (0.5, 1.5), (-0.1, 0.9)] {
            let mut odd = bytes.clone();
            odd[24..28].copy_from_slice(&f32::to_le_bytes(suspicious));
            odd[28..32].copy_from_slice(&f32::to_le_bytes(threat));
            assert!(
                matches!(Model::from_bytes(&odd), Err(ModelError::Malformed(_))),
                "{suspicious} {threat}"
            );
        }
        // The extortion threshold too: above 0, at most 1.
        for (extortion, reads) in [(0.0, false), (-0.5, false), (1.5, false), (1.0, true), (0.01, true)] {
            let mut odd = bytes.clone();
            odd[32..36].copy_from_slice(&f32::to_le_bytes(extortion));
            assert_eq!(Model::from_bytes(&odd).is_ok(), reads, "{extortion}");
        }
    }

    #[test]
    fn every_byte_of_a_model_file_changed_reads_or_is_refused_and_reads_finite() {
        // The fuzz target's check, run over every position and value of a small file.
        let bytes = small().to_bytes();
        let mut read = 0;
        for at in 0..bytes.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff, bytes[at] ^ 0x40] {
                let mut changed = bytes.clone();
                changed[at] = value;
                if let Ok(model) = Model::from_bytes(&changed) {
                    read += 1;
                    assert_eq!(model.to_bytes(), changed, "a model that reads writes the same bytes");
                    let signal = crate::detect::Signal::new(crate::detect::SignalId::ClaimsRecording, "");
                    let reading = model.read(&[signal], &[0, 3, 15, 99]);
                    assert!(reading.probabilities.iter().all(|p| p.is_finite()), "{at} {value}");
                }
            }
        }
        assert!(read > 0);
    }
}
