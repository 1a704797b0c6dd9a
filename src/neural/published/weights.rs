//! Checked safetensors weights: a `VarBuilder` backend over one file's tensors that
//! remembers every tensor a network asked for and did not get, so that a failed build
//! says which tensor of which file is missing or misshapen and what shape the network
//! needs (candle's own backends name the tensor but not the expected shape).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;

use crate::neural::NeuralError;

/// A request the file could not answer.
#[derive(Debug, Clone)]
enum Failure {
    Missing {
        name: String,
        expected: Vec<usize>,
    },
    Shape {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
}

impl Failure {
    fn name(&self) -> &str {
        match self {
            Self::Missing { name, .. } | Self::Shape { name, .. } => name,
        }
    }
}

/// The tensors of one safetensors file, as a `VarBuilder` backend.
#[derive(Debug, Clone)]
pub struct CheckedWeights {
    file: String,
    tensors: Arc<HashMap<String, Tensor>>,
    failures: Arc<Mutex<Vec<Failure>>>,
}

impl CheckedWeights {
    /// Reads `path` (what the file is for goes in `what`, for the error of a missing file).
    ///
    /// # Errors
    /// A file that is missing, unreadable or not safetensors, naming the path.
    pub fn read(path: &Path, what: &str) -> Result<Self, NeuralError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            NeuralError::Data(if e.kind() == std::io::ErrorKind::NotFound {
                format!("{file}: missing file ({what})")
            } else {
                format!("{file}: cannot read {what}: {e}")
            })
        })?;
        Self::from_bytes(&bytes, &file)
    }

    /// Parses safetensors `bytes`; `file` names them in errors.
    ///
    /// # Errors
    /// Bytes that are not safetensors.
    pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Self, NeuralError> {
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
            .map_err(|e| NeuralError::Data(format!("{file}: not a safetensors file ({e})")))?;
        Ok(Self {
            file: file.into(),
            tensors: Arc::new(tensors),
            failures: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Whether the file holds `name`.
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Builds a network with `build` on these weights (as `f32`), turning a failure into
    /// [`NeuralError::MissingTensor`] or [`NeuralError::WrongShape`] when a tensor was at
    /// fault.
    ///
    /// Some of candle's constructors try one shape and fall back to another (the VAE's
    /// attention takes `[c, c]` or `[c, c, 1, 1]` projections): a failure that a later
    /// request for the same tensor recovered from is forgotten, and the tensor blamed is
    /// the one of the last failure, with the first shape the network asked it for.
    ///
    /// # Errors
    /// As above; other tensor errors as [`NeuralError::Candle`].
    pub fn build<T>(
        &self,
        build: impl FnOnce(VarBuilder<'_>) -> candle_core::Result<T>,
    ) -> Result<T, NeuralError> {
        if let Ok(mut f) = self.failures.lock() {
            f.clear();
        }
        let vb = VarBuilder::from_backend(Box::new(self.clone()), DType::F32, Device::Cpu);
        build(vb).map_err(|e| self.blame().unwrap_or(NeuralError::Candle(e)))
    }

    fn blame(&self) -> Option<NeuralError> {
        let failures = self.failures.lock().ok()?;
        let last = failures.last()?;
        let first = failures.iter().find(|f| f.name() == last.name())?;
        let file = self.file.clone();
        Some(match first.clone() {
            Failure::Missing { name, expected } => match self.tensors.get(&name) {
                // Asked for by name only, then found with another shape later.
                Some(t) => NeuralError::WrongShape {
                    file,
                    name,
                    expected,
                    found: t.dims().to_vec(),
                },
                None => NeuralError::MissingTensor {
                    file,
                    name,
                    expected,
                },
            },
            Failure::Shape {
                name,
                expected,
                found,
            } => NeuralError::WrongShape {
                file,
                name,
                expected,
                found,
            },
        })
    }

    /// Forgets the failures of `name`: a constructor asked again with another shape and
    /// got it.
    fn recovered(&self, name: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.retain(|x| x.name() != name);
        }
    }

    fn record(&self, failure: Failure) {
        if let Ok(mut f) = self.failures.lock() {
            f.push(failure);
        }
    }
}

impl SimpleBackend for CheckedWeights {
    fn get(
        &self,
        s: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let Some(t) = self.tensors.get(name) else {
            self.record(Failure::Missing {
                name: name.into(),
                expected: s.dims().to_vec(),
            });
            return Err(candle_core::Error::CannotFindTensor { path: name.into() });
        };
        if t.shape() != &s {
            self.record(Failure::Shape {
                name: name.into(),
                expected: s.dims().to_vec(),
                found: t.dims().to_vec(),
            });
            return Err(candle_core::Error::UnexpectedShape {
                msg: format!("{}: tensor {name}", self.file),
                expected: s,
                got: t.shape().clone(),
            });
        }
        self.recovered(name);
        t.to_dtype(dtype)?.to_device(dev)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        match self.tensors.get(name) {
            Some(t) => t.to_dtype(dtype)?.to_device(dev),
            None => {
                self.record(Failure::Missing {
                    name: name.into(),
                    expected: Vec::new(),
                });
                Err(candle_core::Error::CannotFindTensor { path: name.into() })
            }
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.has(name)
    }
}
