//! The node's diagnostics wing: what turns chain data into answers for people.
//!
//! | file | concern |
//! | --- | --- |
//! | `trace_rpc.rs` | the `contracts_trace*` methods: re-execute a block or a dry run with a trace collector |
//! | `frames.rs` | what they return (call frames, traps, dry-run results) |
//! | `requests.rs` | what they take (dry-run requests, amounts, accounts, gas limits) |
//! | `render.rs` | raw traces to frames, traps located in the source |
//! | `errors.rs` | their error codes and messages |
//! | `trace_store.rs` | traced blocks kept in memory and on disk |
//! | `debug_rpc.rs` | `contracts_registerDebugInfo`: debug info for this node's traces |
//! | `trace_cli.rs` | `callisto trace`: a block's call tree in a terminal |

pub mod debug_rpc;
mod errors;
mod frames;
mod render;
mod requests;
pub mod trace_cli;
pub mod trace_rpc;
pub mod trace_store;
