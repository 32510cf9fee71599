//! The stable C ABI of ikesuite.
