package org.mriclassifier.db;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the jar when no database is configured. Its files live in
 * {@code <data dir>/postgres} and survive restarts.
 *
 * <p>Hardening over the library's defaults: it listens on loopback only, every connection needs a password
 * (random, kept in {@code <data dir>/postgres*.password}, readable by the owner only), and fsync stays on, so a
 * write that was acknowledged survives a crash. Two roles: the superuser owns the schema and runs the
 * migrations; the server's requests run as {@code mri_app}, which may insert into the audit trail but never
 * change or delete it (and, not being a superuser or the owner, cannot disable its trigger). A postmaster left
 * behind by a killed JVM is stopped before a new one starts on the same files.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "mri";
    private static final String SUPERUSER = "postgres";
    static final String SERVICE_ROLE = "mri_app";
    private static final String SECURED_MARKER = "mri-passwords-required";

    private final EmbeddedPostgres postgres;
    private final Path pgData;
    private final String password;
    private final String servicePassword;
    private final DataDirLock lock;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path pgData, String password, String servicePassword,
                             DataDirLock lock) {
        this.postgres = postgres;
        this.pgData = pgData;
        this.password = password;
        this.servicePassword = servicePassword;
        this.lock = lock;
    }

    /** Blocking: starts (initialising on first use) the server whose files are under {@code dataDir}. */
    public static EmbeddedDatabase start(Path dataDir, int port) {
        DataDirLock lock = DataDirLock.acquire(dataDir);
        try {
            Path pgData = dataDir.resolve("postgres");
            String password = readOrCreatePassword(dataDir.resolve("postgres.password"));
            String servicePassword = readOrCreatePassword(dataDir.resolve("postgres.app.password"));
            // safe: holding the lock means no live process of ours owns a postmaster on these files
            stopOrphanedPostmaster(pgData);
            LOG.info("Starting the embedded PostgreSQL on the files in {}", pgData);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "100")
                    .setConnectConfig("password", password)
                    .setLocaleConfig("locale", "C")
                    .setDataDirectoryCustomizer(EmbeddedDatabase::requirePasswordsOnceSet);
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            EmbeddedDatabase db = new EmbeddedDatabase(postgres, pgData, password, servicePassword, lock);
            try {
                db.secureAndCreateDatabase();
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
            LOG.info("Embedded PostgreSQL ready on 127.0.0.1:{}, files in {}", postgres.getPort(), pgData);
            return db;
        } catch (IOException e) {
            lock.release();
            throw new UncheckedIOException("the embedded PostgreSQL did not start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.release();
            throw e;
        }
    }

    /** The schema's owner (a superuser): for migrations, and for tests that inspect the database. */
    public DatabaseTarget ownerTarget() {
        return target(SUPERUSER, password);
    }

    /** The role the server's requests run as. */
    public DatabaseTarget serviceTarget() {
        return target(SERVICE_ROLE, servicePassword);
    }

    private DatabaseTarget target(String user, String secret) {
        PgConnectOptions options = new PgConnectOptions()
                .setHost("127.0.0.1")
                .setPort(postgres.getPort())
                .setDatabase(DATABASE)
                .setUser(user)
                .setPassword(secret);
        return new DatabaseTarget(options, user + "@embedded PostgreSQL on 127.0.0.1:" + postgres.getPort());
    }

    /**
     * Blocking; after the migrations: what {@code mri_app} may do, table by table. Run at every start, so a
     * migration that adds a table only needs a line here.
     */
    public void grantServiceRole() {
        try (Connection c = DriverManager.getConnection(ownerTarget().jdbcUrl(), ownerTarget().jdbcProperties());
             Statement s = c.createStatement()) {
            s.execute("GRANT USAGE ON SCHEMA public TO " + SERVICE_ROLE);
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON users, mri, mri_image TO " + SERVICE_ROLE);
            s.execute("GRANT SELECT, INSERT ON model_registry, model_activation TO " + SERVICE_ROLE);
            s.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM " + SERVICE_ROLE);
            s.execute("GRANT SELECT, INSERT ON audit_log TO " + SERVICE_ROLE);
            // kept by the mri table's triggers only (V6): the service reads them
            s.execute("GRANT SELECT ON mri_counts, mri_counts_total TO " + SERVICE_ROLE);
            s.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + SERVICE_ROLE);
        } catch (SQLException e) {
            throw new IllegalStateException("could not grant the service role its rights: " + e.getMessage(), e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("The embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        } finally {
            lock.release();
        }
    }

    /**
     * The first start runs with the trust authentication initdb leaves behind; this gives the superuser its
     * password and then switches every connection to scram-sha-256.
     */
    private void secureAndCreateDatabase() {
        try (Connection c = postgres.getPostgresDatabase(Map.of("password", password)).getConnection();
             Statement s = c.createStatement()) {
            // the passwords are random base64url text made here, never user input: safe inside the statements
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "'");
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + SERVICE_ROLE + "'")) {
                s.execute((rs.next() ? "ALTER ROLE " : "CREATE ROLE ") + SERVICE_ROLE
                        + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + servicePassword + "'");
            }
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (!rs.next()) {
                    s.execute("CREATE DATABASE " + DATABASE + " ENCODING 'UTF8'");
                }
            }
            requirePasswords(pgData.toFile());
            Files.writeString(pgData.resolve(SECURED_MARKER), "pg_hba.conf requires scram-sha-256\n");
            s.execute("SELECT pg_reload_conf()");
            checkDurability(s);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("the embedded PostgreSQL could not be prepared: " + e.getMessage(), e);
        }
    }

    private static void checkDurability(Statement s) throws SQLException {
        for (String setting : List.of("fsync", "synchronous_commit", "full_page_writes")) {
            try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
                rs.next();
                if (!"on".equals(rs.getString(1))) {
                    throw new IllegalStateException("PostgreSQL runs with " + setting + "=" + rs.getString(1)
                            + "; acknowledged writes could be lost in a crash");
                }
            }
        }
    }

    /**
     * Before a start: switches to password authentication once the superuser has a password (the marker file
     * says so); on the very first start initdb's trust rules stay until {@link #secureAndCreateDatabase}.
     */
    private static void requirePasswordsOnceSet(File pgData) {
        if (Files.exists(pgData.toPath().resolve(SECURED_MARKER))) {
            requirePasswords(pgData);
        }
    }

    private static void requirePasswords(File pgData) {
        Path hba = pgData.toPath().resolve("pg_hba.conf");
        String rules = """
                # written by the MRI classification server: every connection needs a password
                local   all   all                  scram-sha-256
                host    all   all   127.0.0.1/32   scram-sha-256
                host    all   all   ::1/128        scram-sha-256
                """;
        try {
            if (Files.isDirectory(pgData.toPath())) {
                Files.writeString(hba, rules, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hba, e);
        }
    }

    private static String readOrCreatePassword(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        SecretFiles.writeOwnerOnly(file, password);
        return password;
    }

    /**
     * A JVM killed with -9 leaves its postmaster running on the data directory; the next start would fail on
     * its lock file. Stop it if, and only if, the pid in postmaster.pid is a live postgres process.
     */
    private static void stopOrphanedPostmaster(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (RuntimeException e) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (process.isEmpty()) {
            return;
        }
        LOG.warn("Stopping PostgreSQL (pid {}) left running by a previous process on {}", pid, pgData);
        process.get().destroy();
        try {
            process.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.get().destroyForcibly();
        }
    }

}
