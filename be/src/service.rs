//! tonic implementation of BackendService: translate proto to internal types, no logic.
