package org.mriclassifier.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.mriclassifier.db.DatabaseTarget;
import org.mriclassifier.db.EmbeddedDatabase;

/**
 * One real PostgreSQL for the whole test run (the server's own embedded one, started once), and a fresh,
 * empty database in it for each test server, so every test class owns its data.
 */
public final class SharedPostgres {

    private static EmbeddedDatabase instance;

    private SharedPostgres() {
    }

    static synchronized EmbeddedDatabase instance() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("mri-test-pg");
                instance = EmbeddedDatabase.start(dir, 0);
                Runtime.getRuntime().addShutdownHook(new Thread(instance::close));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** A new empty database; returns its postgresql:// URI (with credentials). */
    public static String newDatabase() {
        DatabaseTarget admin = instance().ownerTarget();
        String name = "t_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.jdbcProperties());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        var o = admin.connectOptions();
        return "postgresql://" + o.getUser() + ":" + o.getPassword() + "@" + o.getHost() + ":" + o.getPort() + "/" + name;
    }

    /** Runs SQL against a test database (for assertions on what was, or was not, written). */
    public static <T> T query(String uri, SqlWork<T> work) {
        DatabaseTarget target = DatabaseTarget.fromUri(uri);
        try (Connection c = DriverManager.getConnection(target.jdbcUrl(), target.jdbcProperties())) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the query every 100 ms, on a worker, until its answer passes {@code done} or 10 s have gone by,
     * and completes with the last answer: for what the server writes after it has replied (the audit trail
     * is written in batches), without a fixed sleep that a busy machine can outrun.
     */
    public static <T> Future<T> queryUntil(Vertx vertx, String uri, SqlWork<T> work, Predicate<T> done) {
        return queryUntil(vertx, uri, work, done, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    private static <T> Future<T> queryUntil(Vertx vertx, String uri, SqlWork<T> work, Predicate<T> done, long deadline) {
        return vertx.executeBlocking(() -> query(uri, work)).compose(answer ->
                done.test(answer) || System.nanoTime() > deadline ? Future.succeededFuture(answer)
                        : vertx.timer(100).compose(t -> queryUntil(vertx, uri, work, done, deadline)));
    }

    /** JDBC work in a test. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }
}
