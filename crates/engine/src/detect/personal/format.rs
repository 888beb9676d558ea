//! The stored forms of an account's learning: the layer's weights and each near-copy
//! digest, as versioned bytes. Bytes come from a database anyone with the file could
//! have written, so every read is checked and a bad one is a [`PersonalError`], never a
//! panic or an absurd weight.
//!
//! Layer: `SGPL`, version (1), bucket bits, the count (u32), then per weight its bucket
//! (u32, strictly ascending, below `1 << bits`) and weight (f32, finite, within
//! [`MAX_WEIGHT`]); little-endian. Near-copy: `SGNC`, version (4), the feedback (0
//! released, 1 reported), whether the From was authenticated as the sender's domain (0
//! no, 1 yes), the harms the mail showed (0 not known, else 0x80 and the [`Harms`] bits), the sender's hash (u64: its site's, or at a free mailbox provider its
//! address's; version 1 hashed the site alone), the count of link-site hashes (u8, at most
//! [`MAX_SITES`]) and the hashes, the count of link-host hashes (u8, as many; from version
//! 4) and the hashes, the count of sketch hashes (u8) and the hashes.
//! Version 1 had no authentication byte; it is still read, as "not authenticated" (a
//! digest that does not say cannot vouch that its sender was the real one). Versions 1
//! and 2 had no harms byte; they are read with none known, so a release stored by them
//! vouches for no copy whose sender the server did not authenticate. Version 3 knew
//! four harms (payment, wallet, credential, attachment); its digests are read with the
//! later kinds (threat, bait, pressure) absent, so a copy claiming one is not credited;
//! versions before 4 kept no hosts, so their releases vouch for no such copy with a link.

use std::collections::BTreeMap;

use super::digest::Sketch;
use super::harms::Harms;
use super::{Feedback, Layer, MAX_SITES, MAX_WEIGHT, MAX_WEIGHTS, NearCopy};

const LAYER_MAGIC: &[u8; 4] = b"SGPL";
const COPY_MAGIC: &[u8; 4] = b"SGNC";
/// The version [`Layer::to_bytes`] writes and [`Layer::from_bytes`] reads.
const LAYER_VERSION: u8 = 1;
/// The version [`NearCopy::to_bytes`] writes; [`NearCopy::from_bytes`] reads it, 3, 2 and 1.
const COPY_VERSION: u8 = 4;
/// The harms byte's mark that the harms are known (a digest re-written from version 1 or
/// 2 must not come back as a mail that showed none).
const HARMS_KNOWN: u8 = 0x80;
/// The most bucket bits a model file may declare (see the model format).
const MAX_BITS: u8 = 22;

/// Why stored learning could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    #[error("not scamguard learning (wrong magic bytes)")]
    Magic,
    #[error("learning format version {0} is not one this scamguard reads")]
    Version(u8),
    #[error("the stored learning is cut short or has bytes after its end")]
    Length,
    #[error("{0} token bits is not a model's size")]
    Bits(u8),
    #[error("{0} weights is more than a layer holds ({MAX_WEIGHTS})")]
    TooMany(u64),
    #[error("the weights' buckets are out of order or out of range")]
    Buckets,
    #[error("a weight is not a number or larger than {MAX_WEIGHT}")]
    Weight,
    #[error("feedback kind {0} is neither released (0) nor reported (1)")]
    Feedback(u8),
    #[error("authentication byte {0} is neither no (0) nor yes (1)")]
    Authenticated(u8),
    #[error("harms byte {0} is not one a version wrote")]
    Harms(u8),
    #[error("a near-copy digest's hashes are out of order or too many")]
    Sketch,
}

/// Reads little-endian values off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PersonalError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(PersonalError::Length)?;
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PersonalError> {
        self.take(N)?.try_into().map_err(|_| PersonalError::Length)
    }

    fn u8(&mut self) -> Result<u8, PersonalError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, PersonalError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PersonalError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Reads the magic bytes and the version, which must be one of `versions`.
    fn header(&mut self, magic: &[u8; 4], versions: &[u8]) -> Result<u8, PersonalError> {
        if self.take(4).ok() != Some(magic.as_slice()) {
            return Err(PersonalError::Magic);
        }
        match self.u8()? {
            version if versions.contains(&version) => Ok(version),
            other => Err(PersonalError::Version(other)),
        }
    }

    fn end(&self) -> Result<(), PersonalError> {
        if self.0.is_empty() { Ok(()) } else { Err(PersonalError::Length) }
    }
}

impl Layer {
    /// The layer as stored bytes; the same layer always gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10 + self.weights.len() * 8);
        out.extend_from_slice(LAYER_MAGIC);
        out.push(LAYER_VERSION);
        out.push(self.bits as u8);
        out.extend_from_slice(&(self.weights.len() as u32).to_le_bytes());
        for (bucket, weight) in &self.weights {
            out.extend_from_slice(&bucket.to_le_bytes());
            out.extend_from_slice(&weight.to_le_bytes());
        }
        out
    }

    /// Reads stored bytes, refusing anything [`Layer::to_bytes`] would not write.
    pub fn from_bytes(bytes: &[u8]) -> Result<Layer, PersonalError> {
        let mut reader = Reader(bytes);
        reader.header(LAYER_MAGIC, &[LAYER_VERSION])?;
        let bits = reader.u8()?;
        if !(1..=MAX_BITS).contains(&bits) {
            return Err(PersonalError::Bits(bits));
        }
        let count = reader.u32()?;
        if count as usize > MAX_WEIGHTS {
            return Err(PersonalError::TooMany(count.into()));
        }
        if reader.0.len() != count as usize * 8 {
            return Err(PersonalError::Length);
        }
        let mut weights = BTreeMap::new();
        let mut previous: Option<u32> = None;
        for _ in 0..count {
            let (bucket, weight) = (reader.u32()?, f32::from_le_bytes(reader.array()?));
            if previous.is_some_and(|p| p >= bucket) || u64::from(bucket) >= 1u64 << bits {
                return Err(PersonalError::Buckets);
            }
            if !weight.is_finite() || weight.abs() > MAX_WEIGHT {
                return Err(PersonalError::Weight);
            }
            previous = Some(bucket);
            weights.insert(bucket, weight);
        }
        reader.end()?;
        Ok(Layer { bits: u32::from(bits), weights })
    }
}

impl NearCopy {
    /// The digest as stored bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let hashes = self.sketch.hashes();
        let mut out = Vec::with_capacity(18 + (2 * self.sites.len() + hashes.len()) * 8);
        out.extend_from_slice(COPY_MAGIC);
        out.push(COPY_VERSION);
        out.push(match self.feedback {
            Feedback::Released => 0,
            Feedback::Reported => 1,
        });
        out.push(u8::from(self.authenticated));
        out.push(self.harms.map_or(0, |harms| HARMS_KNOWN | harms.bits()));
        out.extend_from_slice(&self.sender.to_le_bytes());
        out.push(self.sites.len() as u8);
        for site in &self.sites {
            out.extend_from_slice(&site.to_le_bytes());
        }
        out.push(self.hosts.len() as u8);
        for host in &self.hosts {
            out.extend_from_slice(&host.to_le_bytes());
        }
        out.push(hashes.len() as u8);
        for hash in hashes {
            out.extend_from_slice(&hash.to_le_bytes());
        }
        out
    }

    /// Reads stored bytes, refusing anything [`NearCopy::to_bytes`] would not write.
    pub fn from_bytes(bytes: &[u8]) -> Result<NearCopy, PersonalError> {
        let mut reader = Reader(bytes);
        let version = reader.header(COPY_MAGIC, &[1, 2, 3, COPY_VERSION])?;
        let feedback = match reader.u8()? {
            0 => Feedback::Released,
            1 => Feedback::Reported,
            other => return Err(PersonalError::Feedback(other)),
        };
        let authenticated = match version {
            1 => false,
            _ => match reader.u8()? {
                0 => false,
                1 => true,
                other => return Err(PersonalError::Authenticated(other)),
            },
        };
        let harms = match version {
            1 | 2 => None,
            _ => match reader.u8()? {
                0 => None,
                byte => Some(
                    (byte & HARMS_KNOWN != 0
                        && (version != 3 || byte & !HARMS_KNOWN & !Harms::VERSION_3 == 0))
                        .then(|| Harms::from_bits(byte & !HARMS_KNOWN))
                        .flatten()
                        .ok_or(PersonalError::Harms(byte))?,
                ),
            },
        };
        let sender = reader.u64()?;
        let count = reader.u8()?;
        if usize::from(count) > MAX_SITES {
            return Err(PersonalError::Sketch);
        }
        let sites = (0..count).map(|_| reader.u64()).collect::<Result<Vec<_>, _>>()?;
        let hosts = match version {
            1..=3 => Vec::new(),
            _ => {
                let count = reader.u8()?;
                if usize::from(count) > MAX_SITES {
                    return Err(PersonalError::Sketch);
                }
                (0..count).map(|_| reader.u64()).collect::<Result<Vec<_>, _>>()?
            }
        };
        let count = reader.u8()?;
        let hashes = (0..count).map(|_| reader.u64()).collect::<Result<Vec<_>, _>>()?;
        reader.end()?;
        let sketch = Sketch::from_hashes(hashes).ok_or(PersonalError::Sketch)?;
        Ok(NearCopy { feedback, sketch, sender, authenticated, sites, hosts, harms })
    }
}
