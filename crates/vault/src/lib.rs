//! Personal data at rest: field encryption, blind index, masking, and the key ring behind them.
//!
//! Owns the SM4 data keys and the blind-index key ([`KeyRing`], loaded from a key file or the
//! `YIWANG_MASTER_KEYS` environment value), sealing a field with SM4-GCM into a self-describing
//! ASCII string (`v1.<key id>.<base64url>`, see [`field`]), re-encrypting values after a key
//! rotation ([`KeyRing::rewrap`], [`KeyRing::rewrap_batch`]), the keyed blind index
//! (HMAC-SM3) through which sealed columns are searched, the same two for many values of one
//! column with the per-call setup done once ([`batch`]: [`Sealer`], [`Indexer`]), and the
//! masks shown in every response and page ([`mask`]).
//!
//! Must not know: SQL, HTTP, any domain. Which columns are sealed, the rewrap loop over the
//! rows and the swap of the ring in a running server belong to the callers.
//!
//! A sealed column comes with its blind index; look up by the index, open the match, show
//! the mask:
//!
//! ```
//! # fn main() -> Result<(), yiwang_vault::VaultError> {
//! use yiwang_vault::{KeyRing, mask_id_number};
//!
//! let ring = KeyRing::generate()?; // in the server: KeyRing::load_or_create(&data_dir.join("keys.json"))
//! let id = "440802199001011234"; // normalized
//! let id_number_enc = ring.seal("citizen.id_number", id)?; // "v1.k1.…"
//! let id_number_idx = ring.blind_index("citizen.id_number", id)?; // 32 hex characters
//! // SELECT … WHERE id_number_idx = $1, with the index of the number searched for:
//! assert_eq!(ring.blind_index("citizen.id_number", id)?, id_number_idx);
//! let opened = ring.open("citizen.id_number", &id_number_enc)?;
//! assert_eq!(mask_id_number(&opened), "440802********1234");
//! # Ok(())
//! # }
//! ```

pub mod batch;
pub mod error;
pub mod field;
pub mod keys;
pub mod mask;
pub mod passphrase;

pub use batch::{Indexer, Sealer};
pub use error::VaultError;
pub use field::{RewrapBatch, Rewrapped, key_id_of};
pub use keys::{ENV_VAR, IndexKey, KeyRing};
pub use mask::{mask_id_number, mask_name, mask_phone};
pub use passphrase::{open_with_passphrase, seal_with_passphrase};
pub use zeroize::Zeroizing;
