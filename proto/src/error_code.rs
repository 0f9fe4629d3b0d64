//! The one error-code table shared by FE and BE: MySQL errno, SQLSTATE and StarRocks message
//! template. Source: StarRocks `fe/fe-core/src/main/java/com/starrocks/common/ErrorCode.java`.
//! Decision (issue 14): the numbers StarRocks 3.4 sends, also where MySQL has another standard
//! number for the condition (unknown database 5501, unknown table 5502); compat-tests/ERRORS.md
//! maps each condition to its entry and lists where 3.4 and newer releases differ.

/// One entry of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub errno: u16,
    pub sqlstate: &'static str,
    /// Message template; `%s` placeholders are filled in order by [`ErrorCode::format`].
    pub template: &'static str,
}

impl ErrorCode {
    /// Fills the `%s`/`%d` placeholders of the template in order.
    pub fn format(&self, args: &[&str]) -> String {
        let mut out = String::with_capacity(self.template.len() + 16);
        let mut args = args.iter();
        let mut rest = self.template;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let tail = &rest[pos + 1..];
            if tail.starts_with('s') || tail.starts_with('d') {
                out.push_str(args.next().copied().unwrap_or(""));
                rest = &tail[1..];
            } else {
                out.push('%');
                rest = tail;
            }
        }
        out.push_str(rest);
        out
    }
}

macro_rules! codes {
    ($($(#[$m:meta])* $name:ident = ($errno:expr, $state:expr, $tpl:expr);)*) => {
        $( $(#[$m])* pub const $name: ErrorCode = ErrorCode { errno: $errno, sqlstate: $state, template: $tpl }; )*
        /// Every entry, for tests that pin texts.
        pub const ALL: &[(&str, ErrorCode)] = &[ $( (stringify!($name), $name) ),* ];
    };
}

codes! {
    /// ErrorCode.ERR_CANT_CREATE_TABLE
    ERR_CANT_CREATE_TABLE = (1005, "HY000", "Can't create table '%s' (errno: %s)");
    /// ErrorCode.ERR_DB_CREATE_EXISTS
    ERR_DB_CREATE_EXISTS = (1007, "HY000", "Can't create database '%s'; database exists");
    /// ErrorCode.ERR_DB_DROP_EXISTS
    ERR_DB_DROP_EXISTS = (1008, "HY000", "Can't drop database '%s'; database doesn't exist");
    /// ErrorCode.ERR_AUTHENTICATION_FAIL (MySQL standard 1045/28000)
    ERR_AUTHENTICATION_FAIL = (1045, "28000", "Access denied for user '%s' (using password: %s)");
    /// ErrorCode.ERR_NO_DB_ERROR
    ERR_NO_DB_ERROR = (1046, "3D000", "No database selected");
    /// ErrorCode.ERR_UNKNOWN_COM_ERROR
    ERR_UNKNOWN_COM_ERROR = (1047, "08S01", "Unknown command");
    /// ErrorCode.ERR_BAD_DB_ERROR in 3.4's "5500 - 5599: DDL operation failure" block (<= 3.3:
    /// 1049/42000).
    ERR_BAD_DB_ERROR = (5501, "3F000", "Unknown database '%s'");
    /// ErrorCode.ERR_NO_SUCH_THREAD (KILL of an unknown connection id)
    ERR_NO_SUCH_THREAD = (1094, "HY000", "Unknown thread id: %s");
    /// ErrorCode.ERR_KILL_DENIED_ERROR
    ERR_KILL_DENIED_ERROR = (1095, "HY000", "You are not owner of thread %s");
    /// ErrorCode.ERR_WRONG_DB_NAME
    ERR_WRONG_DB_NAME = (1102, "42000", "Incorrect database name '%s'");
    /// ErrorCode.ERR_WRONG_TABLE_NAME (StarRocks numbers it 1104, not MySQL's 1103)
    ERR_WRONG_TABLE_NAME = (1104, "42000", "Incorrect table name '%s'");
    /// ErrorCode.ERR_TABLE_EXISTS_ERROR (MySQL standard 1050/42S01)
    ERR_TABLE_EXISTS_ERROR = (1050, "42S01", "Table '%s' already exists");
    /// ErrorCode.ERR_DUP_FIELDNAME
    ERR_DUP_FIELDNAME = (1060, "42S21", "Duplicate column name '%s'");
    /// ErrorCode.ERR_WRONG_OBJECT (DROP VIEW of a table, DROP TABLE of a view)
    ERR_WRONG_OBJECT = (1347, "HY000", "'%s'.'%s' is not '%s'");
    /// Parser/analyzer/DDL failures without a specific code (StarRocks default 1064/HY000).
    ERR_COMMON_1064 = (1064, "HY000", "%s");
    /// ErrorCode.ERR_UNKNOWN_ERROR
    ERR_UNKNOWN_ERROR = (1105, "HY000", "Unknown error");
    /// ErrorCode.ERR_TABLE_MUST_HAVE_COLUMNS
    ERR_TABLE_MUST_HAVE_COLUMNS = (1113, "42000", "A table must have at least 1 column");
    /// ErrorCode.ERR_UNKNOWN_CHARACTER_SET
    ERR_UNKNOWN_CHARACTER_SET = (1115, "42000", "Unknown character set: '%s'");
    /// ErrorCode.ERR_BAD_TABLE_ERROR in 3.4's 5500 block (<= 3.3: 1051/42S02).
    ERR_BAD_TABLE_ERROR = (5502, "42602", "Unknown table '%s'");
    /// ErrorCode.ERR_UNKNOWN_SYSTEM_VARIABLE
    ERR_UNKNOWN_SYSTEM_VARIABLE = (1193, "HY000", "Unknown system variable '%s', the most similar variables are %s");
    /// ErrorCode.ERR_LOCAL_VARIABLE
    ERR_LOCAL_VARIABLE = (1228, "HY000", "Variable '%s' is a SESSION variable and can't be used with SET GLOBAL");
    /// ErrorCode.ERR_GLOBAL_VARIABLE
    ERR_GLOBAL_VARIABLE = (1229, "HY000", "Variable '%s' is a GLOBAL variable and should be set with SET GLOBAL");
    /// ErrorCode.ERR_WRONG_VALUE_FOR_VAR
    ERR_WRONG_VALUE_FOR_VAR = (1231, "42000", "Variable '%s' can't be set to the value of '%s'");
    /// ErrorCode.ERR_WRONG_TYPE_FOR_VAR
    ERR_WRONG_TYPE_FOR_VAR = (1232, "42000", "Incorrect argument type to variable '%s'");
    /// MySQL ER_UNKNOWN_STMT_HANDLER: COM_STMT_EXECUTE of a statement id never prepared
    /// (StarRocks has no entry; MySQL's `sql/share/messages_to_clients.txt`).
    ERR_UNKNOWN_STMT_HANDLER = (1243, "HY000", "Unknown prepared statement handler (%s) given to %s");
    /// ErrorCode.ERR_UNKNOWN_TIME_ZONE
    ERR_UNKNOWN_TIME_ZONE = (1298, "HY000", "Unknown or incorrect time zone: '%s'");
    /// MySQL ER_QUERY_INTERRUPTED: the statement was stopped by KILL QUERY.
    ERR_QUERY_INTERRUPTED = (1317, "70100", "Query execution was interrupted");
    /// ErrorCode.ERR_VARIABLE_IS_READONLY
    ERR_VARIABLE_IS_READONLY = (1621, "HY000", "Variable '%s' is a read only variable");
    /// ErrorCode.ERR_WRONG_PROC_PATH
    ERR_WRONG_PROC_PATH = (5001, "HY000", "Proc path '%s' doesn't exist");
    /// ErrorCode.ERR_OLAP_KEY_MUST_BEFORE_VALUE
    ERR_OLAP_KEY_MUST_BEFORE_VALUE = (5003, "HY000", "Key column must before value column");
    /// ErrorCode.ERR_TABLE_MUST_HAVE_KEYS
    ERR_TABLE_MUST_HAVE_KEYS = (5004, "HY000", "Table must have at least 1 key column");
    /// ErrorCode.ERR_WRONG_NAME_FORMAT
    ERR_WRONG_NAME_FORMAT = (5063, "42000", "Incorrect %s name '%s'");
    /// ErrorCode.ERR_COMMON_ERROR
    ERR_COMMON_ERROR = (5064, "42000", "%s");
    /// ErrorCode.ERR_PRIVILEGE_ROUTINELODE_JOB_NOT_FOUND
    ERR_PRIVILEGE_ROUTINELOAD_JOB_NOT_FOUND = (5089, "42000", "Routine load job [%s] not found when checking privilege");
    /// ErrorCode.ERROR_SET_CONFIG_FAILED
    ERROR_SET_CONFIG_FAILED = (5101, "F0000", "Set config failed: %s");
    /// ErrorCode.ERROR_CONFIG_NOT_EXIST
    ERROR_CONFIG_NOT_EXIST = (5102, "F0000", "Config '%s' does not exist or is not mutable");
    /// ErrorCode.ERR_PASSWD_LENGTH (3.x numbering, 5201)
    ERR_PASSWD_LENGTH = (5201, "HY000", "Password hash should be a %d-digit hexadecimal number");
    /// ErrorCode.ERR_ACCESS_DENIED
    ERR_ACCESS_DENIED = (5203, "42000", "Access denied; you need (at least one of) the %s privilege(s) on %s%s for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): %s. Inactivated role(s): %s.");
    /// ErrorCode.ERR_SECURE_TRANSPORT_REQUIRED
    ERR_SECURE_TRANSPORT_REQUIRED = (5205, "HY000", "Connections using insecure transport are prohibited");
    /// ErrorCode.ERR_TXN_NOT_EXIST
    ERR_TXN_NOT_EXIST = (5302, "25P01", "Transaction %s does not exist");
    /// ErrorCode.ERR_CHANGE_TO_SSL_CONNECTION_FAILED: the client's HandshakeResponse asks for
    /// TLS (CLIENT_SSL) and the FE cannot switch (MysqlProto.negotiate).
    ERR_CHANGE_TO_SSL_CONNECTION_FAILED = (5400, "XX000", "Failed to change to SSL connection");
    /// ErrorCode.ERR_NOT_OLAP_TABLE
    ERR_NOT_OLAP_TABLE = (5503, "42000", "Table '%s' is not a OLAP table");
    /// ErrorCode.ERR_BAD_FIELD_ERROR
    ERR_BAD_FIELD_ERROR = (5509, "42S22", "Unknown column '%s' in '%s'");
    /// ErrorCode.ERR_TOO_MANY_BUCKETS
    ERR_TOO_MANY_BUCKETS = (5510, "42000", "The number of buckets is too large, the maximum is %d. Please reduce the number of buckets or increase frontend config max_bucket_number_per_partition.");
    /// ErrorCode.ERR_LOAD_DATA_PARSE_ERROR: a routine load job paused by a fatal parse error
    /// (`pause_on_fatal_parse_error`; RoutineLoadJob.afterAborted passes the plain code to
    /// ErrorReason).
    ERR_LOAD_DATA_PARSE_ERROR = (5611, "22000", "%s. Check the 'TrackingSQL' field for detailed information.");
    /// ErrorCode.ERR_UNKNOWN_PROPERTY
    ERR_UNKNOWN_PROPERTY = (5803, "42000", "Unknown property %s");
    /// ErrorCode.ERR_INVALID_PARAMETER
    ERR_INVALID_PARAMETER = (6013, "42000", "Invalid parameter %s");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_fills_placeholders_in_order() {
        assert_eq!(
            ERR_AUTHENTICATION_FAIL.format(&["bob", "YES"]),
            "Access denied for user 'bob' (using password: YES)"
        );
        assert_eq!(ERR_BAD_DB_ERROR.format(&["x"]), "Unknown database 'x'");
    }

    #[test]
    fn entries_once_written_at_their_sites_keep_their_texts() {
        // Texts the FE sent before these entries existed (frontend.md §4, §9).
        assert_eq!(
            ERR_TABLE_MUST_HAVE_COLUMNS.format(&[]),
            "A table must have at least 1 column"
        );
        assert_eq!(ERR_TABLE_MUST_HAVE_COLUMNS.errno, 1113);
        assert_eq!(
            ERR_TOO_MANY_BUCKETS.format(&["1024"]),
            "The number of buckets is too large, the maximum is 1024. Please reduce the number of buckets or increase frontend config max_bucket_number_per_partition."
        );
        assert_eq!(
            ERR_UNKNOWN_STMT_HANDLER.format(&["7", "mysqld_stmt_execute"]),
            "Unknown prepared statement handler (7) given to mysqld_stmt_execute"
        );
        assert_eq!(
            (
                ERR_WRONG_DB_NAME.errno,
                ERR_WRONG_DB_NAME.format(&["1x"]).as_str()
            ),
            (1102, "Incorrect database name '1x'")
        );
        assert_eq!(
            (
                ERR_WRONG_TABLE_NAME.errno,
                ERR_WRONG_TABLE_NAME.format(&[""]).as_str()
            ),
            (1104, "Incorrect table name ''")
        );
        assert_eq!(
            ERR_LOAD_DATA_PARSE_ERROR.format(&["parse error. x"]),
            "parse error. x. Check the 'TrackingSQL' field for detailed information."
        );
        assert_eq!(ERR_LOAD_DATA_PARSE_ERROR.errno, 5611);
    }

    #[test]
    fn errnos_are_unique_except_common() {
        let mut seen = std::collections::HashSet::new();
        for (name, c) in ALL {
            assert!(
                seen.insert(c.errno),
                "duplicate errno {} at {name}",
                c.errno
            );
        }
    }
}
