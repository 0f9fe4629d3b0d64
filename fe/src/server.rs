//! The MySQL protocol (opensrv-mysql): listener, handshake, authentication, COM_* commands,
//! result and error packets. Never opens `meta/`.
