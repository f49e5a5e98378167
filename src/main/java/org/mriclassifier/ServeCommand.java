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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("Stopping");
            try {
                server.stop().eventually(vertx::close).await(
                        config.getJsonObject("http").getInteger("shutdown_grace_seconds", 20) + 10L, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Stopped uncleanly: {}", e.toString());
            }
            stopped.countDown();
        }, "mri-shutdown"));
        LOG.info("Ready");
        stopped.await();
        return 0;
    }
}
