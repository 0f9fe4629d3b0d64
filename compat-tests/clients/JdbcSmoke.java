// Smoke test of Debian's MariaDB JDBC driver (libmariadb-java) against a running starload FE.
//
//   javac -cp /usr/share/java/mariadb-java-client.jar -d OUT JdbcSmoke.java
//   java -cp OUT:/usr/share/java/mariadb-java-client.jar JdbcSmoke 127.0.0.1 9030
//
// Connects as root (the driver's connect-time probes), reads VERSION(), creates a database with
// the seed's example_tbl1 and a PRIMARY KEY table, checks DESC and DatabaseMetaData.getTables /
// getColumns (names, JDBC types, nullability) / getPrimaryKeys, and drops it.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

public class JdbcSmoke {
    static void check(boolean cond, String what) {
        if (!cond) throw new AssertionError(what);
    }

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        String port = args.length > 1 ? args[1] : "9030";
        String db = "smoke_jdbc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        List<String> want = Arrays.asList("order_id", "pay_dt", "customer_name", "nationality", "price");
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + host + ":" + port + "/", "root", "");
             Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT VERSION()")) {
                check(rs.next() && rs.getString(1).startsWith("8.0.33"), "VERSION()");
            }
            st.execute("CREATE DATABASE " + db);
            try {
                st.execute("CREATE TABLE " + db + ".example_tbl1 (\n"
                        + "    `order_id` bigint NOT NULL COMMENT \"Order ID\",\n"
                        + "    `pay_dt` date NOT NULL COMMENT \"Payment date\",\n"
                        + "    `customer_name` varchar(26) NULL COMMENT \"Customer name\",\n"
                        + "    `nationality` varchar(26) NULL COMMENT \"Nationality\",\n"
                        + "    `price`double NULL COMMENT \"Price\"\n"
                        + ")\nENGINE=OLAP\nDUPLICATE KEY (order_id,pay_dt)\nDISTRIBUTED BY HASH(`order_id`)");
                List<String> cols = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("DESC " + db + ".example_tbl1")) {
                    while (rs.next()) cols.add(rs.getString(1));
                }
                check(cols.equals(want), "DESC: " + cols);
                st.execute("CREATE TABLE " + db + ".users (\n"
                        + "    `id` bigint NOT NULL COMMENT \"User ID\",\n"
                        + "    `name` varchar(32) NULL,\n"
                        + "    `score` int NULL\n"
                        + ")\nPRIMARY KEY (id)\nDISTRIBUTED BY HASH(`id`)");
                DatabaseMetaData md = c.getMetaData();
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = md.getTables(db, null, "%", null)) {
                    while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
                }
                check(tables.equals(Arrays.asList("example_tbl1", "users")), "getTables: " + tables);
                List<String> mdCols = new ArrayList<>();
                List<String> mdTypes = new ArrayList<>();
                try (ResultSet rs = md.getColumns(db, null, "example_tbl1", "%")) {
                    while (rs.next()) {
                        mdCols.add(rs.getString("COLUMN_NAME"));
                        mdTypes.add(rs.getInt("DATA_TYPE") + ":" + rs.getString("IS_NULLABLE"));
                    }
                }
                check(mdCols.equals(want), "getColumns: " + mdCols);
                List<String> wantTypes = Arrays.asList(Types.BIGINT + ":NO", Types.DATE + ":NO",
                        Types.VARCHAR + ":YES", Types.VARCHAR + ":YES", Types.DOUBLE + ":YES");
                check(mdTypes.equals(wantTypes), "getColumns DATA_TYPE:IS_NULLABLE: " + mdTypes);
                List<String> pk = new ArrayList<>();
                try (ResultSet rs = md.getPrimaryKeys(db, null, "users")) {
                    while (rs.next()) pk.add(rs.getString("COLUMN_NAME") + "#" + rs.getInt("KEY_SEQ"));
                }
                // The driver joins information_schema.COLUMNS (COLUMN_KEY 'PRI') with STATISTICS
                // (INDEX_NAME 'PRIMARY'); StarRocks 3.4 declares STATISTICS but leaves it empty,
                // so there the call succeeds with no rows. Rows, when present, must be right.
                check(pk.isEmpty() || pk.equals(Arrays.asList("id#1")), "getPrimaryKeys(users): " + pk);
                List<String> noPk = new ArrayList<>();
                try (ResultSet rs = md.getPrimaryKeys(db, null, "example_tbl1")) {
                    while (rs.next()) noPk.add(rs.getString("COLUMN_NAME"));
                }
                check(noPk.isEmpty(), "getPrimaryKeys(example_tbl1), a DUPLICATE KEY table: " + noPk);
            } finally {
                st.execute("DROP DATABASE " + db);
            }
        } catch (Throwable t) {
            System.out.println("FAIL jdbc: " + t);
            System.exit(1);
        }
        System.out.println("ok   jdbc");
    }
}
