package org.mriclassifier.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server as its own operating-system process ({@code java ... org.mriclassifier.Main}), for what a test
 * cannot do to its own JVM: SIGTERM and kill -9. Configured only through MRI_* environment variables, as an
 * operator would.
 */
public final class ServerProcess {

    public final int port;
    public final Map<String, String> env;
    public final Path log;
    private final Process process;

    private ServerProcess(int port, Map<String, String> env, Path log, Process process) {
        this.port = port;
        this.env = env;
        this.log = log;
        this.process = process;
    }

    /** The environment of a server on a free port with its own data directory; add MRI_DB_URL or not. */
    public static Map<String, String> environment(Path dataDir) {
        byte[] key = new byte[48];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = new HashMap<>();
        env.put("MRI_HTTP_PORT", Integer.toString(TestServer.freePort()));
        env.put("MRI_HTTP_HOST", "127.0.0.1");
        env.put("MRI_DATA_DIR", dataDir.toString());
        env.put("MRI_MODEL_DIR", Path.of(TestServer.modelDir()).toAbsolutePath().toString());
        env.put("MRI_JWT_KEY", Base64.getEncoder().encodeToString(key));
        env.put("MRI_ADMIN_EMAIL", TestServer.ADMIN_EMAIL);
        env.put("MRI_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD);
        env.put("MRI_INFERENCE_INTRA_OP_THREADS", "1");
        env.put("MRI_VISION_INSTANCES", "1");
        return env;
    }

    public static ServerProcess start(Map<String, String> env) {
        return start(env, "1g");
    }

    /** With this maximum heap ({@code -Xmx}), e.g. the README's 768m. */
    public static ServerProcess start(Map<String, String> env, String maxHeap) {
        try {
            Path log = Files.createTempFile("mri-server", ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), "org.mriclassifier.Main", "serve"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("MRI_"));
            builder.environment().putAll(env);
            return new ServerProcess(Integer.parseInt(env.get("MRI_HTTP_PORT")), env, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WebClient client(Vertx vertx) {
        return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    }

    /** Polls /health/ready until 200 (the process may take a while to start the database and load the model). */
    public Future<Void> ready(Vertx vertx, WebClient client, int attempts) {
        if (!process.isAlive()) {
            return Future.failedFuture("the server exited with " + process.exitValue() + "; log: " + tail());
        }
        return client.get("/health/ready").send().transform(r -> {
            if (r.succeeded() && r.result().statusCode() == 200) {
                return Future.succeededFuture();
            }
            if (attempts == 0) {
                return Future.failedFuture("never ready; log: " + tail());
            }
            return vertx.timer(500).compose(t -> ready(vertx, client, attempts - 1));
        });
    }

    public Future<String> login(WebClient client) {
        return client.post("/login").sendJsonObject(new JsonObject().put("email", TestServer.ADMIN_EMAIL)
                .put("password", TestServer.ADMIN_PASSWORD)).map(r -> r.bodyAsJsonObject().getString("access_token"));
    }

    /** SIGTERM. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: no shutdown hook runs. */
    public void kill() {
        process.destroyForcibly();
    }

    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not exit within " + seconds + " s; log: " + tail());
        }
        return process.exitValue();
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
