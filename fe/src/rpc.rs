//! FrontendService: BE -> FE gRPC (task reports, transaction state queries).
