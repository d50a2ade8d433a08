//! The bounds every stage keeps to. kmslint reads untrusted pull-request content: each limit turns
//! what would be a hang, a stack overflow or a memory blow-up into a KMS000 finding that names
//! the limit (the input was not checked), never a silent pass.

/// Files larger than this are not parsed, unless `[scan] max_file_size` raises it.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;
/// Deepest nesting any parser accepts; deeper input is a parse error, never a stack overflow.
pub const MAX_DEPTH: usize = 256;
/// Most statements one key policy may hold (AWS allows 32 KB of policy text: a few hundred).
pub const MAX_STATEMENTS: usize = 10_000;
/// Most elements (keys, values, list items) one resolved key policy may hold.
pub const MAX_POLICY_NODES: usize = 100_000;
/// Most keys one object in a key policy may hold.
pub const MAX_OBJECT_KEYS: usize = 1_000;
/// Most values one template or module may resolve (each intrinsic, reference or expression is
/// one step). Real templates need a few thousand; a crafted one that references the same value
/// over and over is cut off here instead of running for hours.
pub const MAX_EVAL_STEPS: usize = 250_000;
/// Longest string a template may build (`Fn::Sub`, `Fn::Join`, Terraform templates).
pub const MAX_VALUE_LEN: usize = 1 << 20;
/// Most nodes YAML aliases may add to a document when they are expanded (`aws cloudformation
/// package` and SAM write every copy out; a few nested aliases can ask for billions).
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Most alternatives one CloudFormation value may take (`Fn::If` inside `Fn::Sub`, ...).
pub const MAX_ALTERNATIVES: usize = 64;
/// Most values (scalars and containers) one JSON or YAML document may hold. A real plan has one
/// value per 40-odd bytes (a 32 MiB plan holds under a million); a file of `[0,0,0,…]` has one
/// per two bytes, and each costs a tree node of up to 200 bytes: this keeps one document's tree
/// near 200 MiB.
pub const MAX_DOCUMENT_VALUES: usize = 1_000_000;
/// Most bytes of HCL one Terraform module may hold (its `.tf` and tfvars files): the HCL syntax
/// tree takes up to 70 bytes of memory per byte of text. Real modules hold a few hundred KiB.
pub const MAX_MODULE_HCL_BYTES: u64 = 4 << 20;

/// The limits that a configuration may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes (`[scan] max_file_size`).
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

impl Limits {
    /// Why a file of `len` bytes is not read, if it is too large.
    pub fn too_large(&self, len: u64) -> Option<String> {
        (len > self.max_file_size).then(|| {
            format!(
                "file is larger than the {}-byte limit ([scan] max_file_size)",
                self.max_file_size
            )
        })
    }
}
/// Most instances one `count`/`for_each` (or `for` expression, `dynamic` block) may expand to;
/// more is a KMS000 naming this limit, never a silent partial check.
pub const MAX_INSTANCES: usize = 1_000;
/// Most resource and module instances one root module may expand to, across its modules.
pub const MAX_UNIT_INSTANCES: usize = 10_000;
/// Most module directories one root module may call (recursively).
pub const MAX_MODULE_DIRS: usize = 256;
/// Deepest chain of module calls followed from a root module.
pub const MAX_MODULE_DEPTH: usize = 32;
