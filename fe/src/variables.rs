//! Session and global variables (StarRocks SessionVariable / GlobalVariable / VariableMgr).

/// A connection's session variables.
#[derive(Debug, Clone, Default)]
pub struct SessionVariables {}
