package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.TestServer;

/**
 * SIGTERM at several moments of the start (the default deployment: embedded PostgreSQL in the data directory):
 * each time the process exits with 0 and leaves no PostgreSQL behind, and the next start finds nothing to clean up.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 600, timeUnit = TimeUnit.SECONDS)
@DisplayName("SIGTERM at any moment of the start stops what was started, the embedded PostgreSQL first of all, and exits with 0")
class SignalDuringStartupTest {

    /** Log lines that mark the moments: the signal goes the moment each appears. */
    static final List<String> MOMENTS = List.of(
            "Starting the embedded PostgreSQL",       // while PostgreSQL starts (initdb on the first run)
            "Embedded PostgreSQL ready",              // while the migrations run
            "Database schema at version",             // while the model loads
            "Loaded model",                           // while the verticles deploy
            "HTTP listening");                        // while HTTP starts

    @Test
    @DisplayName("a signal while PostgreSQL starts, migrations run, the model loads, verticles deploy, HTTP starts, and once ready")
    void signalAtEachMoment(Vertx vertx) throws Exception {
        Path dataDir = TestServer.tempDir();
        Map<String, String> env = ServerProcess.environment(dataDir);
        List<String> wrong = new ArrayList<>();
        StringBuilder logs = new StringBuilder();
        for (String moment : MOMENTS) {
            ServerProcess server = ServerProcess.start(env);
            awaitLog(server, moment, 180);
            server.terminate();
            int status = server.waitFor(150);
            String log = Files.readString(server.log);
            logs.append(log);
            if (status != 0) {
                wrong.add("at '" + moment + "': exit " + status + "\n" + server.tail());
            }
            livePostmaster(dataDir).ifPresent(pid -> wrong.add("at '" + moment + "': PostgreSQL " + pid + " left running"));
        }
        // and once ready, as before
        ServerProcess server = ServerProcess.start(env);
        WebClient client = server.client(vertx);
        server.ready(vertx, client, 240).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
        client.close();
        server.terminate();
        assertEquals(0, server.waitFor(60), server.tail());
        logs.append(Files.readString(server.log));
        assertFalse(livePostmaster(dataDir).isPresent(), "PostgreSQL left running after a stop once ready");
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertFalse(logs.toString().contains("left running by a previous process"),
                "a start had to clean up a PostgreSQL left behind");
    }

    /** The pid in postmaster.pid when that process is still alive. */
    static Optional<Long> livePostmaster(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    }

    static void awaitLog(ServerProcess server, String marker, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.readString(server.log).contains(marker)) {
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("never logged '" + marker + "': " + server.tail());
    }
}
