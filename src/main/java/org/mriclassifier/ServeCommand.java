package org.mriclassifier;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mriclassifier.config.ConfigLoader;
import org.mriclassifier.lifecycle.Observability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code serve} (the default): runs the server until the process is asked to stop. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the server (configuration: conf/application.json and MRI_* environment variables).")
public final class ServeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Override
    public Integer call() throws InterruptedException {
        Vertx vertx = Observability.newVertx(new VertxOptions());
        JsonObject config;
        Server server;
        try {
            config = ConfigLoader.load(vertx, System.getenv()).await();
            server = Server.start(vertx, config).await();
        } catch (RuntimeException e) {
            System.err.println("The server did not start: " + e.getMessage());
            vertx.close().await();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, vertx, config), "mri-shutdown"));
        LOG.info("Ready");
        new CountDownLatch(1).await();
        return 0;
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
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
            logback.stop();
        }
        Runtime.getRuntime().halt(status);
    }
}
