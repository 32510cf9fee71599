//! Shared pieces of the runnable ikesuite programs.

#![forbid(unsafe_code)]
