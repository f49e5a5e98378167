package org.mriclassifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.db.EmbeddedDatabase;
import org.mriclassifier.testing.TestServer;

/** The default set-up: no database configured, so the server runs its own PostgreSQL in the data directory. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("With the embedded database, users, keys and tokens survive a restart")
class RestartTest {

    /** The role requests run as may add to the audit trail, never change it, nor switch its guard off. */
    static void assertServiceRoleCannotRewriteTheAuditTrail(Path dataDir) throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, 0);
        try (Connection c = DriverManager.getConnection(db.serviceTarget().jdbcUrl(), db.serviceTarget().jdbcProperties());
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO audit_log (action, outcome) VALUES ('probe', 'success')");
            for (String sql : new String[] {"UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log",
                "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER ALL", "SET session_replication_role = replica"}) {
                assertThrows(SQLException.class, () -> s.execute(sql), sql);
            }
        } finally {
            db.close();
        }
    }

    @Test
    @DisplayName("first start prints a random admin password once; after a restart the admin, a new user and old tokens still work")
    void restartKeepsEverything(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path dataDir = TestServer.tempDir();
        JsonObject config = TestServer.config(dataDir, "",
                new JsonObject().put("jwt", new JsonObject().put("key", ""))
                        .put("admin", new JsonObject().put("password", "").put("email", "root@restart.example")));
        PrintStream console = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        TestServer first;
        try {
            first = TestServer.startConfigured(vertx, config).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        } finally {
            System.setOut(console);
        }
        Matcher printed = Pattern.compile("with the password\\s+(\\S+)").matcher(captured.toString(StandardCharsets.UTF_8));
        assertTrue(printed.find(), "the generated admin password is printed");
        String password = printed.group(1);

        String adminToken = first.login("root@restart.example", password).toCompletionStage().toCompletableFuture().get();
        first.createUser(adminToken, "survivor", "R", "doctor").toCompletionStage().toCompletableFuture().get();
        String survivorToken = first.tokenOf("survivor").toCompletionStage().toCompletableFuture().get();
        first.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

        for (String secret : new String[] {"jwt.key", "postgres.password"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve(secret))),
                    secret + " is readable by its owner only");
        }
        assertTrue(Files.readString(dataDir.resolve("postgres/pg_hba.conf")).contains("scram-sha-256"));
        assertServiceRoleCannotRewriteTheAuditTrail(dataDir);

        captured.reset();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        TestServer second;
        try {
            second = TestServer.startConfigured(vertx, config).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        } finally {
            System.setOut(console);
        }
        assertTrue(!captured.toString(StandardCharsets.UTF_8).contains("with the password"), "printed only once");
        TestServer server = second;
        server.client.get("/users/survivor").bearerTokenAuthentication(survivorToken).send()
                .compose(r -> {
                    ctx.verify(() -> assertEquals(200, r.statusCode(), "a token from before the restart still works"));
                    return server.login("root@restart.example", password);
                })
                .compose(token -> server.tokenOf("survivor"))
                .compose(token -> server.stop())
                .onComplete(ctx.succeedingThenComplete());
    }
}
