package db.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.mriclassifier.users.UserNames;

/**
 * User names become unique by {@link UserNames#key} (NFKC, case-folded, without separators) instead of
 * byte for byte. A Java migration, so the rows already there get exactly the key the server computes.
 *
 * <p>Look-alikes already stored: the oldest user keeps their name; each later one is renamed to the first free
 * {@code <name>-2}, {@code <name>-3}... (logins are by email, so nobody is locked out), their tokens revoked,
 * and each rename is written to the audit trail with the old and the new name, for an admin to tell them.
 */
public class V4__User_name_keys extends BaseJavaMigration {

    private static final int MAX_NAME = 64;

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE users ADD COLUMN user_name_key text");
        }
        Map<UUID, String> names = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, user_name FROM users ORDER BY created_at, id")) {
            while (rs.next()) {
                names.put(rs.getObject("id", UUID.class), rs.getString("user_name"));
            }
        }
        // first the keepers (the oldest of each key), so a rename never takes the name of a later keeper
        Set<String> taken = new HashSet<>();
        Set<UUID> keepers = new HashSet<>();
        for (Map.Entry<UUID, String> user : names.entrySet()) {
            if (taken.add(UserNames.key(user.getValue()))) {
                keepers.add(user.getKey());
            }
        }
        try (PreparedStatement setKey = c.prepareStatement("UPDATE users SET user_name_key = ? WHERE id = ?");
             PreparedStatement rename = c.prepareStatement("""
                     UPDATE users SET user_name = ?, user_name_key = ?, token_version = token_version + 1,
                                      version = version + 1, updated_at = now()
                     WHERE id = ?""");
             PreparedStatement audit = c.prepareStatement("""
                     INSERT INTO audit_log (actor_name, hospital, action, target_type, target_id, outcome, details)
                     SELECT 'system:migration V4', hospital, 'user.rename', 'user', ?, 'success',
                            jsonb_build_object('user_id', id::text, 'old_user_name', ?::text,
                                               'reason', 'looked like an older user''s name')
                     FROM users WHERE id = ?""")) {
            for (Map.Entry<UUID, String> user : names.entrySet()) {
                String name = user.getValue();
                if (keepers.contains(user.getKey())) {
                    setKey.setString(1, UserNames.key(name));
                    setKey.setObject(2, user.getKey());
                    setKey.executeUpdate();
                    continue;
                }
                String newName = freeName(name, taken, names);
                rename.setString(1, newName);
                rename.setString(2, UserNames.key(newName));
                rename.setObject(3, user.getKey());
                rename.executeUpdate();
                audit.setString(1, newName);
                audit.setString(2, name);
                audit.setObject(3, user.getKey());
                audit.executeUpdate();
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE users ALTER COLUMN user_name_key SET NOT NULL");
            s.execute("ALTER TABLE users DROP CONSTRAINT users_user_name_key");
            // the old name stays on the key's constraint, so a conflict is recognised as before
            s.execute("ALTER TABLE users ADD CONSTRAINT users_user_name_key UNIQUE (user_name_key)");
        }
    }

    /** The first {@code <name>-n} whose key is free (and which is not some other row's exact name). */
    private static String freeName(String name, Set<String> taken, Map<UUID, String> names) {
        for (int n = 2; ; n++) {
            String suffix = "-" + n;
            String base = name.length() + suffix.length() > MAX_NAME ? name.substring(0, MAX_NAME - suffix.length()) : name;
            String candidate = base + suffix;
            String key = UserNames.key(candidate);
            if (!taken.contains(key) && !names.containsValue(candidate)) {
                taken.add(key);
                return candidate;
            }
        }
    }
}
