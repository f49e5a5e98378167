package org.mriclassifier.users;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import org.mriclassifier.auth.Role;

/** All SQL on the users table. Callers pass the pool, or a connection inside a transaction. */
public final class UserRepository {

    /** Unique by {@link UserNames#key}, so look-alike names collide. */
    public static final String UNIQUE_NAME = "users_user_name_key";
    public static final String UNIQUE_EMAIL = "users_email_key";

    private static final String COLUMNS = "id, user_name, email, hospital, role, token_version, created_at, updated_at, version";

    /** A user row without its password hash; {@code passwordHash} is filled only by the login query. */
    public record UserRow(UUID id, String userName, String email, String hospital, Role role, int tokenVersion,
                          String createdAt, String updatedAt, int version) {

        /** The public view: the original API's field names, never a password or hash. */
        public JsonObject toJson() {
            return new JsonObject()
                    .put("id", id.toString())
                    .put("user_name", userName)
                    .put("user_email", email)
                    .put("user_hospital", hospital)
                    .put("user_role", role.wire())
                    .put("created_at", createdAt)
                    .put("updated_at", updatedAt)
                    .put("version", version);
        }
    }

    /** What login needs: the hash and the claims of the token it will issue. */
    public record Credentials(UserRow user, String passwordHash) {
    }

    /** Filters of the user list. Null means "any". */
    public record ListQuery(String scopeHospital, String hospital, String role, String nameContains,
                            UUID onlyId, int limit, int offset) {
    }

    public Future<UserRow> insert(SqlClient db, String userName, String email, String passwordHash, String hospital,
                                  Role role) {
        return db.preparedQuery("""
                        INSERT INTO users (user_name, user_name_key, email, password_hash, hospital, role)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        RETURNING %s""".formatted(COLUMNS))
                .execute(Tuple.of(userName, UserNames.key(userName), email, passwordHash, hospital, role.wire()))
                .map(rows -> toRow(rows.iterator().next()));
    }

    public Future<Optional<UserRow>> findByName(SqlClient db, String userName) {
        return db.preparedQuery("SELECT %s FROM users WHERE user_name = $1".formatted(COLUMNS))
                .execute(Tuple.of(userName))
                .map(UserRepository::first);
    }

    /** Locks the row until the transaction ends, so a check and the change that follows see the same row. */
    public Future<Optional<UserRow>> findByNameForUpdate(SqlClient tx, String userName) {
        return tx.preparedQuery("SELECT %s FROM users WHERE user_name = $1 FOR UPDATE".formatted(COLUMNS))
                .execute(Tuple.of(userName))
                .map(UserRepository::first);
    }

    public Future<Optional<UserRow>> findById(SqlClient db, UUID id) {
        return db.preparedQuery("SELECT %s FROM users WHERE id = $1".formatted(COLUMNS))
                .execute(Tuple.of(id))
                .map(UserRepository::first);
    }

    public Future<Optional<Credentials>> findCredentialsByEmail(SqlClient db, String email) {
        return db.preparedQuery("SELECT %s, password_hash FROM users WHERE lower(email) = lower($1)".formatted(COLUMNS))
                .execute(Tuple.of(email))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(new Credentials(toRow(rows.iterator().next()),
                        rows.iterator().next().getString("password_hash"))));
    }

    public Future<Optional<String>> passwordHash(SqlClient db, UUID id) {
        return db.preparedQuery("SELECT password_hash FROM users WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next().getString("password_hash")));
    }

    /** The hospital of the user whose name looks like this one, or whose email is this one (for the audit trail). */
    public Future<Optional<String>> hospitalOfConflict(SqlClient db, String userName, String email) {
        return db.preparedQuery("""
                        SELECT hospital FROM users
                        WHERE ($1::text IS NOT NULL AND user_name_key = $1)
                           OR ($2::text IS NOT NULL AND lower(email) = lower($2))
                        LIMIT 1""")
                .execute(Tuple.of(userName == null ? null : UserNames.key(userName), email))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next().getString("hospital")));
    }

    public Future<Boolean> anyUser(SqlClient db) {
        return db.query("SELECT EXISTS (SELECT 1 FROM users) AS any").execute()
                .map(rows -> rows.iterator().next().getBoolean("any"));
    }

    /** Held until the transaction ends: changes that could remove an admin take turns. */
    public Future<Void> lockAdmins(SqlClient tx) {
        return tx.query("SELECT pg_advisory_xact_lock(hashtext('mri.users.admins'))").execute().mapEmpty();
    }

    public Future<Long> countAdmins(SqlClient db) {
        return db.query("SELECT count(*) AS n FROM users WHERE role = 'admin'").execute()
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** A page of users sorted by name, and the number of users matching the filters. */
    public Future<JsonObject> list(SqlClient db, ListQuery q) {
        return db.preparedQuery("""
                        SELECT %s, count(*) OVER () AS total FROM users
                        WHERE ($1::text IS NULL OR hospital = $1)
                          AND ($2::text IS NULL OR hospital = $2)
                          AND ($3::text IS NULL OR role = $3)
                          AND ($4::text IS NULL OR strpos(lower(user_name), lower($4)) > 0)
                          AND ($5::uuid IS NULL OR id = $5)
                        ORDER BY user_name
                        LIMIT $6 OFFSET $7""".formatted(COLUMNS))
                .execute(Tuple.tuple()
                        .addString(q.scopeHospital()).addString(q.hospital()).addString(q.role())
                        .addString(q.nameContains()).addUUID(q.onlyId())
                        .addInteger(q.limit()).addInteger(q.offset()))
                .map(rows -> {
                    JsonArray items = new JsonArray();
                    long total = 0;
                    for (Row row : rows) {
                        items.add(toRow(row).toJson());
                        total = row.getLong("total");
                    }
                    return new JsonObject().put("items", items).put("total", total)
                            .put("limit", q.limit()).put("offset", q.offset());
                });
    }

    /**
     * Writes the new state of a locked row. {@code newPasswordHash} null keeps the password. The token
     * version moves on when the password, role or hospital change, which revokes every earlier token.
     */
    public Future<UserRow> update(SqlClient tx, UserRow current, String userName, String email, String hospital,
                                  Role role, String newPasswordHash) {
        boolean revoke = newPasswordHash != null || role != current.role() || !hospital.equals(current.hospital());
        return tx.preparedQuery("""
                        UPDATE users
                        SET user_name = $2, email = $3, hospital = $4, role = $5,
                            password_hash = COALESCE($6, password_hash),
                            token_version = token_version + $7,
                            user_name_key = $8,
                            version = version + 1, updated_at = now()
                        WHERE id = $1
                        RETURNING %s""".formatted(COLUMNS))
                .execute(Tuple.of(current.id(), userName, email, hospital, role.wire(), newPasswordHash, revoke ? 1 : 0,
                        UserNames.key(userName)))
                .map(rows -> toRow(rows.iterator().next()));
    }

    /** Replaces a hash made with a lower cost, after a successful login. */
    public Future<Void> rehash(SqlClient db, UUID id, String oldHash, String newHash) {
        return db.preparedQuery("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2")
                .execute(Tuple.of(id, oldHash, newHash))
                .mapEmpty();
    }

    public Future<Void> delete(SqlClient tx, UUID id) {
        return tx.preparedQuery("DELETE FROM users WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
    }

    private static Optional<UserRow> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(toRow(rows.iterator().next()));
    }

    static UserRow toRow(Row row) {
        return new UserRow(row.getUUID("id"), row.getString("user_name"), row.getString("email"),
                row.getString("hospital"), Role.fromWire(row.getString("role")).orElseThrow(),
                row.getInteger("token_version"),
                DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.getOffsetDateTime("created_at")),
                DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.getOffsetDateTime("updated_at")),
                row.getInteger("version"));
    }
}
