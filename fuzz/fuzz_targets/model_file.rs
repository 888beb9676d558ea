//! Fuzz target: any bytes as a model file (`[detection] model` may point anywhere) are
//! read or refused, never a panic; a model that reads writes the same bytes back and
//! gives finite probabilities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scamguard_engine::detect::model::Model;
use scamguard_engine::detect::{Signal, SignalId};

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::from_bytes(data) {
        assert_eq!(model.to_bytes(), data);
        let signal = Signal::new(SignalId::ExtortionNarrative, "");
        let reading = model.read(&[signal], &[0, 1, 2, 3, u32::MAX]);
        assert!(reading.probabilities.iter().all(|p| p.is_finite()));
    }
});
