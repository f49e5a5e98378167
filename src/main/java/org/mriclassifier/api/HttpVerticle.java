package org.mriclassifier.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.TimeoutHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.mriclassifier.auth.PrincipalCache;
import org.mriclassifier.auth.ScrapeToken;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.auth.TokenIssuer;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.lifecycle.Lifecycle;
import org.mriclassifier.mri.ClassificationLoad;
import org.mriclassifier.mri.images.ImageStore;
import org.mriclassifier.mri.images.ImageStores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP verticle (event loop, several instances): builds the router from openapi.yaml (one handler per
 * operationId, the contract's bearer scheme bound to the token check, bodies and parameters validated by
 * the contract) and turns requests into event-bus commands. It never decodes an image or runs a model.
 */
public final class HttpVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

    private final TokenIssuer tokens;
    private final Lifecycle lifecycle;
    private final Supplier<Future<JsonObject>> modelLoaded;
    private final PrometheusMeterRegistry registry;
    private final UploadBudget uploads;
    private final ClassificationLoad load;
    private final PrincipalCache principals;
    private final ScrapeToken scrapeToken;
    private HttpServer server;
    private Pool pool;
    private ImageStore images;

    /**
     * @param uploads the process-wide budget of upload bytes held in memory, shared by every instance
     * @param load    the classifications in progress, to refuse uploads early when the server is full
     * @param principals the token check's cache of users, shared by every instance (see {@link #principalCache})
     * @param scrapeToken the bearer secret that opens /metrics (and nothing else) to a Prometheus server
     */
    public HttpVerticle(TokenIssuer tokens, Lifecycle lifecycle, Supplier<Future<JsonObject>> modelLoaded,
                        PrometheusMeterRegistry registry, UploadBudget uploads, ClassificationLoad load,
                        PrincipalCache principals, ScrapeToken scrapeToken) {
        this.tokens = tokens;
        this.scrapeToken = scrapeToken;
        this.principals = principals;
        this.uploads = uploads;
        this.load = load;
        this.lifecycle = lifecycle;
        this.modelLoaded = modelLoaded;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        JsonObject http = config().getJsonObject("http");
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        // every instance listens (the consumer goes with its verticle); the cache is shared, so the repeats are no-ops
        vertx.eventBus().<JsonObject>consumer(Addresses.USERS_EVENTS_CHANGED,
                event -> principals.invalidate(event.body().getString("id")));
        Readiness readiness = new Readiness(vertx, pool, lifecycle, modelLoaded);
        return ImageStores.create(vertx, config().getJsonObject("images"))
                .compose(store -> {
                    images = store;
                    return Contract.load(vertx);
                })
                .compose(contract -> {
                    Router router = router(contract.forRouter(), contract.text(), principals, readiness, http);
                    server = vertx.createHttpServer(new HttpServerOptions()
                            .setHost(http.getString("host", "0.0.0.0"))
                            .setPort(http.getInteger("port", 8080))
                            .setCompressionSupported(false)
                            .setIdleTimeout(120));
                    return server.requestHandler(router).invalidRequestHandler(InvalidRequests::answer).listen();
                })
                .onSuccess(s -> LOG.info("HTTP listening on {}:{}", http.getString("host"), s.actualPort()));
    }

    private Router router(OpenAPIContract contract, Buffer contractText, PrincipalCache principals,
                          Readiness readiness, JsonObject http) {
        long bodyLimit = http.getLong("body_limit_bytes", 1L << 20);
        TokenAuth tokenAuth = new TokenAuth(tokens.verifier(), principals);
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(bodyLimit).setHandleFileUploads(false);
        RouterBuilder rb = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
        // uploads were read (into memory, after the token check) by UploadReader: no second body handler
        rb.rootHandler(ctx -> {
            if (ctx.get(UploadReader.BODY) != null || ctx.get(ModelUploadReader.BODY) != null) {
                ctx.next();
            } else {
                bodies.handle(ctx);
            }
        });
        rb.security("bearerAuth").httpHandler(JWTAuthHandler.create(tokenAuth));

        OperationsRoutes operations = new OperationsRoutes(readiness, contractText, Buffer.buffer(SwaggerUi.PAGE), registry);
        new AuthRoutes().mount(rb);
        new UserRoutes(principals).mount(rb);
        new MriRoutes(config().getJsonObject("vision").getLong("max_image_bytes", 10L << 20), uploads, pool, images,
                config().getJsonObject("mri").getInteger("max_concurrent_exports", 2)).mount(rb);
        operations.mount(rb);
        WebPage page = new WebPage();
        page.mount(rb);
        new ModelRoutes().mount(rb);

        Router router = rb.createRouter();
        router.route().order(-30).handler(new RequestLog(contract));
        // the scrape token is no JWT: it is recognised before the bearer checks, on /metrics only
        router.get("/metrics").order(-27).handler(ctx -> {
            if (scrapeToken != null && scrapeToken.matches(ctx.request().getHeader("Authorization"))) {
                operations.scrape(ctx);
            } else {
                ctx.next();
            }
        });
        router.route().order(-25).handler(new QueryString());
        router.route().order(-20).handler(new BearerFormat());
        // an export streams for as long as its rows take (minutes at millions of rows); the idle timeout still
        // closes one whose client stopped reading
        var timeout = TimeoutHandler.create(http.getLong("request_timeout_ms", 30_000L), 503);
        router.route().order(-10).handler(ctx -> {
            if ("/MRI/export".equals(ctx.normalizedPath())) {
                ctx.next();
            } else {
                timeout.handle(ctx);
            }
        });
        JsonObject vision = config().getJsonObject("vision");
        // a path-less route, so the metrics' route label stays the contract's "/MRI"
        UploadReader uploadReader = new UploadReader(tokenAuth, vision.getLong("max_image_bytes", 10L << 20), uploads, load,
                config().getJsonObject("mri").getBoolean("pace_impatient_refusals", true));
        ModelUploadReader modelUploadReader = new ModelUploadReader(tokenAuth,
                config().getJsonObject("models", new JsonObject()).getLong("max_upload_bytes", 128L << 20));
        router.route().order(-5).handler(ctx -> {
            if (UploadReader.isUpload(ctx)) {
                uploadReader.handle(ctx);
            } else if (ModelUploadReader.isModelUpload(ctx)) {
                modelUploadReader.handle(ctx);
            } else {
                ctx.next();
            }
        });
        operations.mountAssets(router);
        page.mountAssets(router);
        RouteInventory.check(contract, rb, router);

        FailureHandler failures = new FailureHandler(bodyLimit);
        router.route().failureHandler(failures);
        for (int status : List.of(400, 401, 403, 404, 405, 413, 415, 500, 503)) {
            router.errorHandler(status, failures);
        }
        return router;
    }

    /** The process's cache of token users, asking the auth service ({@code auth.principal}) on a miss. */
    public static PrincipalCache principalCache(Vertx vertx, JsonObject authConfig) {
        return new PrincipalCache(userId -> lookupPrincipal(vertx, userId),
                authConfig.getInteger("principal_cache_seconds", 30) * 1000L, 10_000, System::currentTimeMillis);
    }

    private static Future<Optional<PrincipalCache.Principal>> lookupPrincipal(Vertx vertx, String userId) {
        return Services.call(vertx.eventBus(), Addresses.AUTH_PRINCIPAL, new JsonObject().put("id", userId), 5_000)
                .map(json -> Optional.of(PrincipalCache.Principal.fromJson(json)))
                .recover(error -> error instanceof ServiceException se && se.status() == 404
                        ? Future.succeededFuture(Optional.empty())
                        : Future.failedFuture(error));
    }

    /** Stops taking connections and lets in-flight requests finish, up to the grace period. */
    @Override
    public Future<?> stop() {
        long grace = config().getJsonObject("http").getLong("shutdown_grace_seconds", 20L);
        return (server == null ? Future.<Void>succeededFuture() : server.shutdown(grace, TimeUnit.SECONDS))
                .eventually(() -> images == null ? Future.succeededFuture() : images.close());
    }
}
