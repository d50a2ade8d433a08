//! Hash functions: md5, sha1, sha256, base64sha256 (hashicorp/terraform
//! `internal/lang/funcs/crypto.go`: the UTF-8 bytes of the string hashed, written in lowercase
//! hexadecimal), with the RustCrypto digests.

use super::{str_doc, string, Bad, R};
use crate::base::source::Loc;
use crate::ir::Doc;
use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub(super) fn apply(name: &str, a: &[Doc], loc: Loc) -> R {
    match (name, a) {
        ("md5", [x]) => Ok(str_doc(
            format!("{:x}", Md5::digest(string(x)?.as_bytes())),
            loc,
        )),
        ("sha1", [x]) => Ok(str_doc(
            format!("{:x}", Sha1::digest(string(x)?.as_bytes())),
            loc,
        )),
        ("sha256", [x]) => Ok(str_doc(
            format!("{:x}", Sha256::digest(string(x)?.as_bytes())),
            loc,
        )),
        ("base64sha256", [x]) => Ok(str_doc(
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(string(x)?.as_bytes())),
            loc,
        )),
        _ => Err(Bad::NoSuch),
    }
}
