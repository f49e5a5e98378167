package org.mriclassifier.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.SharedPostgres;

/** V4 on a database that already holds look-alike user names (as the schema before it allowed). */
@DisplayName("Migration V4 makes user names unique by their normalised form and renames the look-alikes already there")
class UserNameMigrationTest {

    @Test
    @DisplayName("the oldest keeps its name, later look-alikes get the first free name-n, each rename is audited")
    void renamesLookAlikes() throws Exception {
        String uri = SharedPostgres.newDatabase();
        DatabaseTarget target = DatabaseTarget.fromUri(uri);
        Flyway.configure().dataSource(target.jdbcUrl(), target.connectOptions().getUser(), target.connectOptions().getPassword())
                .locations("classpath:db/migration").target("2").load().migrate();
        SharedPostgres.query(uri, c -> {
            // created in this order; "admin-2" already exists, so the second look-alike skips it
            insert(c, "admin", "2026-01-01", "HQ");
            insert(c, "Admin", "2026-01-02", "B");
            insert(c, "admin-2", "2026-01-03", "C");
            insert(c, "admin.", "2026-01-04", "B");
            insert(c, "jdoe", "2026-01-05", "B");
            return null;
        });

        Migrations.migrate(target);

        List<String> users = SharedPostgres.query(uri, c -> rows(c, """
                SELECT user_name || ' ' || hospital || ' ' || token_version FROM users ORDER BY created_at"""));
        assertEquals(List.of("admin HQ 1", "Admin-3 B 2", "admin-2 C 1", "admin.-4 B 2", "jdoe B 1"), users);
        List<String> trail = SharedPostgres.query(uri, c -> rows(c, """
                SELECT action || ' ' || target_id || ' was ' || (details->>'old_user_name') || ' ' || hospital
                FROM audit_log ORDER BY id"""));
        assertEquals(List.of("user.rename Admin-3 was Admin B", "user.rename admin.-4 was admin. B"), trail);
        // and from now on the database itself refuses a look-alike
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SharedPostgres.query(uri, c -> {
            insert(c, "ADMIN", "2026-02-01", "D");
            return null;
        }));
        assertEquals("23505", ((SQLException) refused.getCause()).getSQLState());
    }

    private static void insert(Connection c, String name, String createdAt, String hospital) throws SQLException {
        boolean keyed;
        try (ResultSet rs = c.getMetaData().getColumns(null, null, "users", "user_name_key")) {
            keyed = rs.next();
        }
        try (PreparedStatement s = c.prepareStatement(keyed
                ? "INSERT INTO users (user_name, email, password_hash, hospital, role, created_at, user_name_key)"
                        + " VALUES (?, ?, 'x', ?, 'doctor', ?::timestamptz, ?)"
                : "INSERT INTO users (user_name, email, password_hash, hospital, role, created_at)"
                        + " VALUES (?, ?, 'x', ?, 'doctor', ?::timestamptz)")) {
            s.setString(1, name);
            s.setString(2, name.replace('.', 'd') + "-" + createdAt + "@test.example");
            s.setString(3, hospital);
            s.setString(4, createdAt);
            if (keyed) {
                s.setString(5, org.mriclassifier.users.UserNames.key(name));
            }
            s.executeUpdate();
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
