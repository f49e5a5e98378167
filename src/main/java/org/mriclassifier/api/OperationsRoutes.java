package org.mriclassifier.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.mriclassifier.BuildInfo;
import org.mriclassifier.bus.ServiceException;

/** Health probes, the contract itself and its documentation (Swagger UI from its webjar). */
final class OperationsRoutes {

    static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/" + BuildInfo.swaggerUiVersion();
    private static final String DOCS_CSP =
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

    private final Readiness readiness;
    private final Buffer contract;
    private final Buffer docsPage;
    private final PrometheusMeterRegistry registry;

    OperationsRoutes(Readiness readiness, Buffer contract, Buffer docsPage, PrometheusMeterRegistry registry) {
        this.readiness = readiness;
        this.contract = contract;
        this.docsPage = docsPage;
        this.registry = registry;
    }

    void mount(RouterBuilder rb) {
        rb.getRoute("liveness").addHandler(this::liveness);
        rb.getRoute("readiness").addHandler(this::readiness);
        rb.getRoute("getContract").addHandler(this::getContract);
        rb.getRoute("getDocs").addHandler(this::getDocs);
        rb.getRoute("metrics").addHandler(this::metrics);
    }

    /** The Swagger UI assets under /docs/ (outside the contract: files of the documentation page). */
    void mountAssets(Router router) {
        router.get("/docs/init.js").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/javascript").end(SwaggerUi.INITIALIZER));
        router.get("/docs/*").handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", DOCS_CSP).putHeader("Cache-Control", "max-age=3600");
            ctx.next();
        }).handler(StaticHandler.create(SWAGGER_UI).setCachingEnabled(true).setDirectoryListing(false));
    }

    private void liveness(RoutingContext ctx) {
        Http.sendJson(ctx, 200, new JsonObject().put("status", "UP"));
    }

    private void readiness(RoutingContext ctx) {
        readiness.check()
                .onSuccess(body -> Http.sendJson(ctx, "UP".equals(body.getString("status")) ? 200 : 503, body))
                .onFailure(ctx::fail);
    }

    /**
     * Prometheus text format; admins only (the numbers describe every hospital's traffic), or a scraper with the
     * scrape token ({@link #scrape}).
     */
    private void metrics(RoutingContext ctx) {
        if (!Http.actor(ctx).isAdmin()) {
            ctx.fail(ServiceException.forbidden("only admins read the metrics"));
            return;
        }
        scrape(ctx);
    }

    void scrape(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(registry.scrape());
    }

    private void getContract(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/yaml").end(contract);
    }

    private void getDocs(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", DOCS_CSP)
                .end(docsPage);
    }
}
