package org.mriclassifier;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mriclassifier.config.ConfigLoader;
import org.mriclassifier.lifecycle.Observability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mriclassifier.cluster.ClusterSetup;
import org.mriclassifier.cluster.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve} (the default): runs the server until the process is asked to stop. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the server (configuration: conf/application.json and MRI_* environment variables).")
public final class ServeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--role", description = "all (default: everything in one process), api (HTTP and the services; "
            + "classifications on inference nodes) or inference (the OpenCV and TensorFlow workers); overrides MRI_ROLE")
    String role;

    @Override
    public Integer call() throws InterruptedException {
        // first of all, so that a signal at any moment of the start stops what was started (the embedded
        // PostgreSQL above all) instead of leaving it behind the JVM's default exit
        AtomicBoolean stopRequested = new AtomicBoolean();
        CompletableFuture<Started> outcome = new CompletableFuture<>();
        Thread hook = new Thread(() -> onSignal(stopRequested, outcome), "mri-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Vertx vertx = null;
        JsonObject config = null;
        try {
            config = configuration(role);
            vertx = newVertx(config);
            Server server = Server.start(vertx, config, stopRequested::get).await();
            outcome.complete(new Started(vertx, server, config));
        } catch (RuntimeException e) {
            outcome.complete(new Started(vertx, null, config));
            if (stopRequested.get() || !removeHook(hook)) {
                // a signal came during the start: the hook stops the rest and ends the process
                new CountDownLatch(1).await();
            }
            System.err.println("The server did not start: " + e.getMessage());
            if (vertx != null) {
                vertx.close().await();
            }
            return 1;
        }
        LOG.info("Ready");
        new CountDownLatch(1).await();
        return 0;
    }

    /** Defaults, file and environment (read with a Vert.x instance of their own), then {@code --role}. */
    static JsonObject configuration(String roleOption) {
        Vertx reader = Vertx.vertx();
        try {
            JsonObject config = ConfigLoader.load(reader, System.getenv()).await();
            if (roleOption != null) {
                config.put("role", roleOption);
            }
            Role role = Role.parse(config.getString("role"));
            config.put("role", role.wire());
            if (role != Role.ALL && !ClusterSetup.enabled(config)) {
                throw new IllegalArgumentException("role " + role.wire() + " needs cluster.enabled (MRI_CLUSTER_ENABLED=true) "
                        + "and the cluster's members and key; see docs/DEPLOYMENT.md");
            }
            return config;
        } finally {
            reader.close();
        }
    }

    /** A plain Vert.x for one process, or one joined to the cluster (membership first, then the event bus). */
    private static Vertx newVertx(JsonObject config) {
        if (!ClusterSetup.enabled(config)) {
            return Observability.newVertx(new VertxOptions());
        }
        JsonObject cluster = config.getJsonObject("cluster");
        VertxOptions options = new VertxOptions().setEventBusOptions(ClusterSetup.eventBus(cluster));
        Vertx vertx = Observability.newClusteredVertx(options, ClusterSetup.clusterManager(cluster)).await();
        LOG.info("Joined the cluster {} as {} (event bus on {}:{}, TLS with client certificates)",
                cluster.getString("name"), config.getString("role"), cluster.getString("host"), cluster.getInteger("bus_port"));
        return vertx;
    }

    /** What the start left to stop: a Vert.x instance always, a server when it got that far. */
    private record Started(Vertx vertx, Server server, JsonObject config) {
    }

    private static boolean removeHook(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }

    /**
     * The shutdown hook: during start-up, it tells the start to give up at its next step and waits for it to
     * undo what it had done (the embedded database is stopped last, after the verticles); once started, it
     * stops the server ({@link #stop}). Either way the process exits with 0.
     */
    private static void onSignal(AtomicBoolean stopRequested, CompletableFuture<Started> outcome) {
        stopRequested.set(true);
        Started started;
        try {
            // the longest step that cannot be interrupted is the embedded database's start (60 s at most)
            started = outcome.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Stopping during start-up: the start did not settle: {}", e.toString());
            halt(1);
            return;
        }
        if (started.server() == null) {
            LOG.info("Stopped during start-up");
            try {
                if (started.vertx() != null) {
                    started.vertx().close().await(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.warn("Stopped uncleanly: {}", e.toString());
            }
            halt(0);
            return;
        }
        stop(started.server(), started.vertx(), started.config());
    }

    /**
     * On SIGTERM (or Ctrl-C): readiness turns 503 at once, then HTTP stops taking connections and lets in-flight
     * requests finish (up to {@code http.shutdown_grace_seconds}), then the services, the model and the database
     * stop. Every transaction either committed or rolled back, so no row is half written. The process then exits
     * with 0 (the JVM would otherwise report 143 for a SIGTERM), or 1 when the grace period ran out.
     */
    private static void stop(Server server, Vertx vertx, JsonObject config) {
        LOG.info("Stopping: not ready any more, finishing in-flight requests");
        server.lifecycle().stopAccepting();
        JsonObject http = config.getJsonObject("http");
        long grace = http.getInteger("shutdown_grace_seconds", 20);
        int status = 0;
        try {
            // time for load balancers to see readiness fail before connections close
            Thread.sleep(http.getInteger("shutdown_drain_seconds", 0) * 1000L);
            server.stop().eventually(vertx::close).await(grace + 10, TimeUnit.SECONDS);
            LOG.info("Stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 1;
        } catch (Exception e) {
            LOG.warn("Stopped uncleanly: {}", e.toString());
            status = 1;
        }
        halt(status);
    }

    private static void halt(int status) {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
            logback.stop();
        }
        Runtime.getRuntime().halt(status);
    }
}
