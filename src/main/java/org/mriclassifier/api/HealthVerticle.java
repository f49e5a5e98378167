package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.lifecycle.Lifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inference node's only HTTP: the contract's {@code /health/live} and {@code /health/ready} on {@code http.port},
 * for an orchestrator or a load balancer's view of the cluster. Readiness: the database answers, the model is loaded
 * (and which version), the node is not stopping. Everything else is a 404 problem.
 */
public final class HealthVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);

    private final Lifecycle lifecycle;
    private final Supplier<Future<JsonObject>> modelStatus;
    private HttpServer server;

    public HealthVerticle(Lifecycle lifecycle, Supplier<Future<JsonObject>> modelStatus) {
        this.lifecycle = lifecycle;
        this.modelStatus = modelStatus;
    }

    @Override
    public Future<?> start() {
        JsonObject http = config().getJsonObject("http");
        Readiness readiness = new Readiness(vertx, PoolFactory.shared(vertx, config().getJsonObject("db")), lifecycle, modelStatus);
        Router router = Router.router(vertx);
        router.get("/health/live").handler(ctx -> Http.sendJson(ctx, 200, new JsonObject().put("status", "UP")));
        router.get("/health/ready").handler(ctx -> readiness.check()
                .onSuccess(body -> Http.sendJson(ctx, "UP".equals(body.getString("status")) ? 200 : 503, body))
                .onFailure(ctx::fail));
        router.route().handler(ctx -> Problem.of(404, "an inference node serves /health/live and /health/ready only").send(ctx));
        server = vertx.createHttpServer(new HttpServerOptions().setHost(http.getString("host", "0.0.0.0"))
                .setPort(http.getInteger("port", 8080)).setIdleTimeout(60));
        return server.requestHandler(router).listen()
                .onSuccess(s -> LOG.info("Health probes on {}:{}", http.getString("host"), s.actualPort()));
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
