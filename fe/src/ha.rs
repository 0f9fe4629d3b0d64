//! Several frontends, one leader: which statements a follower forwards, how it keeps its
//! in-memory state in step with the replicated store, how a new leader takes over, and what
//! each FE knows about its peers (SHOW FRONTENDS). The replication itself is `meta::raft`.

pub mod forward;
pub mod join;
pub mod leadership;
pub mod peers;
pub mod route;
