package org.mriclassifier;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.mriclassifier.api.HealthVerticle;
import org.mriclassifier.api.HttpVerticle;
import org.mriclassifier.api.UploadBudget;
import org.mriclassifier.audit.AuditVerticle;
import org.mriclassifier.auth.AuthService;
import org.mriclassifier.auth.JwtKey;
import org.mriclassifier.auth.PasswordHasher;
import org.mriclassifier.auth.PasswordWork;
import org.mriclassifier.auth.PrincipalCache;
import org.mriclassifier.auth.ScrapeToken;
import org.mriclassifier.auth.TokenIssuer;
import org.mriclassifier.bridge.BridgeSettings;
import org.mriclassifier.bridge.BridgeVerticle;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.Services;
import org.mriclassifier.cluster.ClusterSetup;
import org.mriclassifier.cluster.Role;
import org.mriclassifier.db.DatabaseBootstrap;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.InferenceBatcher;
import org.mriclassifier.inference.InferenceEndpoint;
import org.mriclassifier.inference.InferenceNodes;
import org.mriclassifier.inference.InferenceMetrics;
import org.mriclassifier.inference.ModelRunner;
import org.mriclassifier.inference.HeatmapRunner;
import org.mriclassifier.inference.ServingModels;
import org.mriclassifier.models.ModelRegistry;
import org.mriclassifier.models.ModelService;
import org.mriclassifier.mri.HeatmapService;
import org.mriclassifier.lifecycle.Lifecycle;
import org.mriclassifier.lifecycle.Observability;
import org.mriclassifier.mri.ClassificationLoad;
import org.mriclassifier.mri.LoadReports;
import org.mriclassifier.mri.MriService;
import org.mriclassifier.users.FirstStart;
import org.mriclassifier.users.UserService;
import org.mriclassifier.vision.VisionVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the server in order, each step on the previous one's success: the database (embedded or configured)
 * and its migrations, the keys and the model, then the workers (OpenCV, TensorFlow), the services, the first
 * admin, and HTTP last. {@link #stop()} undoes it in reverse.
 *
 * <p>{@link #startBackend} starts everything but HTTP and the first admin: what the {@code import} command needs.
 */
public final class Server {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final Vertx vertx;
    private final Foundation foundation;
    private final Lifecycle lifecycle;
    private final PasswordWork passwords;
    private final List<String> deployments;

    private Server(Vertx vertx, Foundation foundation, Lifecycle lifecycle, PasswordWork passwords,
                   List<String> deployments) {
        this.vertx = vertx;
        this.foundation = foundation;
        this.lifecycle = lifecycle;
        this.passwords = passwords;
        this.deployments = deployments;
    }

    /** The pieces built before any verticle is deployed (blocking work, done on a worker). */
    private record Foundation(DatabaseBootstrap.Prepared database, byte[] jwtKey, ScrapeToken scrapeToken,
                              PasswordHasher hasher, ServingModels models, Path modelsRoot) implements AutoCloseable {
        @Override
        public void close() {
            if (models != null) {
                models.close();
            }
            database.close();
        }
    }

    public static Future<Server> start(Vertx vertx, JsonObject config) {
        return start(vertx, config, () -> false);
    }

    /**
     * As {@link #start(Vertx, JsonObject)}, giving up between any two steps once {@code cancelled} says so (a
     * SIGTERM during start-up): what was started is stopped in reverse, the embedded database included, and
     * the future fails with {@link StartCancelled}.
     */
    public static Future<Server> start(Vertx vertx, JsonObject config, BooleanSupplier cancelled) {
        boolean api = Role.parse(config.getString("role")).servesApi();
        return prepare(vertx, config, api, cancelled).compose(foundation -> deploy(vertx, config, foundation, api, cancelled));
    }

    /** Database, workers and services without HTTP: for commands that work on the data set directly. */
    public static Future<Server> startBackend(Vertx vertx, JsonObject config) {
        // the commands run everything in their own process, whatever role the environment names for serve
        JsonObject local = config.copy().put("role", Role.ALL.wire()).put("cluster", new JsonObject().put("enabled", false));
        return prepare(vertx, local, false, () -> false)
                .compose(foundation -> deploy(vertx, local, foundation, false, () -> false));
    }

    /** Start-up stopped on request (a signal) before it was done. */
    public static final class StartCancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartCancelled() {
            super("start-up cancelled by a stop request", null, false, false);
        }
    }

    private static void stopIfCancelled(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new StartCancelled();
        }
    }

    private static Future<Void> unlessCancelled(BooleanSupplier cancelled) {
        return cancelled.getAsBoolean() ? Future.failedFuture(new StartCancelled()) : Future.succeededFuture();
    }

    private static Future<Foundation> prepare(Vertx vertx, JsonObject config, boolean withAuth, BooleanSupplier cancelled) {
        Path dataDir = Path.of(config.getString("data_dir", "./data"));
        Path modelDir = Path.of(config.getJsonObject("model").getString("dir"));
        JsonObject inference = config.getJsonObject("inference");
        return vertx.executeBlocking(() -> {
            if (withAuth) {
                BridgeSettings.from(config); // a bridge that could reach a command address is refused before anything starts
            }
            stopIfCancelled(cancelled);
            DatabaseBootstrap.Prepared database = DatabaseBootstrap.prepare(config.getJsonObject("db"), dataDir);
            try {
                stopIfCancelled(cancelled);
                byte[] key = withAuth ? JwtKey.resolve(config.getJsonObject("jwt").getString("key"), dataDir) : null;
                ScrapeToken scrapeToken = withAuth ? ScrapeToken.resolve(
                        config.getJsonObject("metrics", new JsonObject()).getString("scrape_token"), dataDir) : null;
                PasswordHasher hasher = withAuth
                        ? new PasswordHasher(config.getJsonObject("auth").getInteger("bcrypt_cost", 12)) : null;
                stopIfCancelled(cancelled);
                Classifier classifier = Classifier.load(modelDir, inference.getInteger("intra_op_threads", 0),
                        inference.getInteger("inter_op_threads", 0));
                Path modelsRoot = ModelRegistry.root(dataDir);
                try {
                    ModelRegistry.installShipped(modelsRoot, modelDir, classifier.descriptor());
                } catch (RuntimeException e) {
                    classifier.close();
                    throw e;
                }
                if (cancelled.getAsBoolean()) {
                    classifier.close();
                    throw new StartCancelled();
                }
                ServingModels models = new ServingModels(classifier, close -> vertx.executeBlocking(() -> {
                    close.run();
                    return null;
                }, false));
                return new Foundation(database, key, scrapeToken, hasher, models, modelsRoot);
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
        });
    }

    private static Future<Server> deploy(Vertx vertx, JsonObject config, Foundation foundation, boolean withHttp,
                                         BooleanSupplier cancelled) {
        JsonObject verticleConfig = config.copy()
                .put("db", PoolFactory.describe(foundation.database().target(), config.getJsonObject("db")));
        Codecs.register(vertx.eventBus());
        Role role = Role.parse(config.getString("role"));
        boolean clustered = ClusterSetup.enabled(config);
        PrometheusMeterRegistry registry = Observability.registry(vertx);
        InferenceMetrics metrics = new InferenceMetrics(registry);
        Lifecycle lifecycle = new Lifecycle();
        List<String> deployments = new ArrayList<>();
        DeploymentOptions single = new DeploymentOptions().setConfig(verticleConfig);
        int visionInstances = config.getJsonObject("vision").getInteger("instances", 2);
        int runners = config.getJsonObject("inference").getInteger("runners", 1);
        AtomicInteger runnerIndex = new AtomicInteger();
        ServingModels models = foundation.models();
        JsonObject inferenceConfig = config.getJsonObject("inference");
        ModelRegistry modelRegistry = new ModelRegistry(vertx, foundation.modelsRoot(), models,
                inferenceConfig.getInteger("intra_op_threads", 0), inferenceConfig.getInteger("inter_op_threads", 0));
        ClassificationLoad load = new ClassificationLoad(config.getJsonObject("mri").getInteger("max_classifications_in_flight", 32));
        PasswordWork passwords = withHttp ? new PasswordWork(vertx, foundation.hasher(),
                Math.max(1, Runtime.getRuntime().availableProcessors()), 64) : null;
        Pool pool = PoolFactory.shared(vertx, verticleConfig.getJsonObject("db"));

        // role api: classifications go to the cluster's inference nodes (the model stays loaded here for the registry
        // and heat maps); role inference: the workers only, and the endpoint other nodes reach them through
        InferenceNodes remote = role == Role.API ? new InferenceNodes(vertx, config.getJsonObject("cluster")) : null;
        Future<Void> started = Future.succeededFuture()
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> role.servesApi() ? record(deployments, vertx.deployVerticle(new AuditVerticle(), single))
                        : Future.succeededFuture())
                .compose(v -> modelRegistry.bootstrap(pool));
        if (role.runsInference()) {
            started = started
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(
                        () -> new VisionVerticle(() -> models.activeDescriptor().preprocessing()),
                        workers(verticleConfig, "mri-vision", visionInstances))))
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(
                        () -> new ModelRunner(runnerIndex.getAndIncrement()),
                        workers(verticleConfig, "mri-inference", runners))))
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(
                        new InferenceBatcher(models, metrics), single)));
        }
        if (remote != null) {
            started = started.compose(v -> remote.start());
        }
        if (role.servesApi()) {
            started = started
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(new MriService(metrics, load, modelRegistry, remote), single)))
                .compose(v -> clustered ? record(deployments, vertx.deployVerticle(new LoadReports(load), single))
                        : Future.succeededFuture())
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(() -> new HeatmapRunner(models),
                        workers(verticleConfig, "mri-heatmap", 1))))
                .compose(v -> record(deployments, vertx.deployVerticle(new HeatmapService(models), single)));
        }
        if (clustered && role.runsInference()) {
            // last: its first heartbeat tells api nodes that this node serves
            started = started
                .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(new InferenceEndpoint(modelRegistry::leaseFetching,
                        modelRegistry::release, models::activeDescriptor,
                        role == Role.INFERENCE ? modelRegistry::follow : ignored -> Future.<Void>succeededFuture()), single)));
        }
        if (role == Role.INFERENCE) {
            started = started.compose(v -> record(deployments, vertx.deployVerticle(
                    new HealthVerticle(lifecycle, () -> modelLoaded(vertx)), single)));
        }
        if (withHttp) {
            TokenIssuer tokens = new TokenIssuer(vertx, foundation.jwtKey(), config.getJsonObject("jwt"));
            UploadBudget uploads = UploadBudget.fromConfig(config.getJsonObject("mri"));
            PrincipalCache principals = HttpVerticle.principalCache(vertx, config.getJsonObject("auth"));
            started = started
                    .compose(v -> unlessCancelled(cancelled))
                    // the registry's HTTP side (and its gauges): not needed by commands that work on the data set
                    .compose(v -> record(deployments, vertx.deployVerticle(new ModelService(modelRegistry), single)))
                    .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(new UserService(passwords), single)))
                    .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(new AuthService(passwords, tokens), single)))
                    .compose(v -> unlessCancelled(cancelled))
                    .compose(v -> FirstStart.ensureAdmin(pool, passwords, vertx.eventBus(), config.getJsonObject("admin")))
                    .compose(v -> unlessCancelled(cancelled))
                .compose(v -> record(deployments, vertx.deployVerticle(
                            () -> new HttpVerticle(tokens, lifecycle, remote != null ? () -> Future.succeededFuture(remote.status())
                                    : () -> modelLoaded(vertx), registry, uploads, load, principals,
                                    foundation.scrapeToken()),
                            new DeploymentOptions().setConfig(verticleConfig)
                                    .setInstances(config.getJsonObject("http").getInteger("instances", 2)))))
                    .compose(v -> unlessCancelled(cancelled))
                    // the TCP event-bus bridge, last (off by default): first to go at stop
                    .compose(v -> BridgeSettings.from(config).enabled() ? record(deployments, vertx.deployVerticle(
                            BridgeVerticle.create(BridgeSettings.from(config), tokens, principals, registry), single))
                            : Future.succeededFuture());
        }
        return started
                .compose(v -> unlessCancelled(cancelled))
                .map(v -> new Server(vertx, foundation, lifecycle, passwords, deployments))
                .eventually(pool::close)
                .recover(error -> {
                    if (error instanceof StartCancelled) {
                        LOG.info("Start-up cancelled: stopping what was started");
                    } else {
                        LOG.error("Start-up failed: {}", error.getMessage());
                    }
                    if (passwords != null) {
                        passwords.close();
                    }
                    return undeployAll(vertx, deployments)
                            .eventually(() -> vertx.executeBlocking(() -> {
                                foundation.close();
                                return null;
                            }))
                            .transform(ignored -> Future.failedFuture(error));
                });
    }

    private static DeploymentOptions workers(JsonObject config, String pool, int instances) {
        return new DeploymentOptions().setConfig(config)
                .setThreadingModel(ThreadingModel.WORKER)
                .setWorkerPoolName(pool)
                .setWorkerPoolSize(instances)
                .setInstances(instances)
                .setMaxWorkerExecuteTime(60)
                .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
    }

    private static Future<Void> record(List<String> deployments, Future<String> deployment) {
        return deployment.map(id -> {
            deployments.add(id);
            return null;
        });
    }

    private static Future<JsonObject> modelLoaded(Vertx vertx) {
        return Services.call(vertx.eventBus(), Addresses.MODEL_STATUS, new JsonObject(), 2_000)
                .map(status -> new JsonObject().put("loaded", status.getBoolean("loaded", false))
                        .put("version", status.getString("version")));
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /** Stops accepting, undeploys every verticle (HTTP first), then closes the model and the embedded database. */
    public Future<Void> stop() {
        lifecycle.stopAccepting();
        return undeployAll(vertx, deployments)
                .eventually(() -> {
                    if (passwords != null) {
                        passwords.close();
                    }
                    return vertx.executeBlocking(() -> {
                        foundation.close();
                        return null;
                    });
                })
                .mapEmpty();
    }

    private static Future<Void> undeployAll(Vertx vertx, List<String> deployments) {
        Future<Void> chain = Future.succeededFuture();
        for (int i = deployments.size() - 1; i >= 0; i--) {
            String id = deployments.get(i);
            chain = chain.eventually(() -> vertx.undeploy(id));
        }
        return chain;
    }
}
