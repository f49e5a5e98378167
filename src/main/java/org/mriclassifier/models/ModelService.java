package org.mriclassifier.models;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mriclassifier.audit.AuditTrail;
import io.vertx.sqlclient.Tuple;
import org.mriclassifier.auth.AccessPolicy;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.lifecycle.Observability;
import org.mriclassifier.mri.Times;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's service (event loop, one instance): {@code models.list}, {@code models.upload} (admins; the
 * bundle unpacked and checked on a worker, one upload at a time, then moved into place and registered with its
 * audit row) and {@code models.activate} (admins; see {@link ModelRegistry#activate}).
 */
public final class ModelService extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(ModelService.class);

    private final ModelRegistry registry;
    private final AtomicBoolean uploading = new AtomicBoolean();
    private Pool pool;
    private ModelBundle.Limits limits;
    private PerformanceGauges gauges;
    private int performanceMaxRows;

    public ModelService(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        JsonObject models = config().getJsonObject("models", new JsonObject());
        limits = new ModelBundle.Limits(models.getInteger("max_bundle_entries", 1000),
                models.getLong("max_unpacked_bytes", 1L << 30));
        performanceMaxRows = models.getInteger("performance_max_rows", 500_000);
        gauges = new PerformanceGauges(Observability.registry(vertx));
        long refreshMs = Math.max(1, models.getLong("performance_refresh_seconds", 300L)) * 1000;
        vertx.setTimer(1_000, first -> refreshActive());
        vertx.setPeriodic(refreshMs, id -> refreshActive());
        return Future.all(List.of(
                Services.serve(vertx.eventBus(), Addresses.MODELS_LIST, this::list, DbErrors::asServiceException),
                Services.serve(vertx.eventBus(), Addresses.MODELS_PERFORMANCE, this::performance, DbErrors::asServiceException),
                Services.serve(vertx.eventBus(), Addresses.MODELS_ACTIVATE, this::activate, DbErrors::asServiceException),
                vertx.eventBus().<ModelUpload>localConsumer(Addresses.MODELS_UPLOAD, this::upload).completion(),
                // clustered: inference nodes fetch a registered version they lack from here
                vertx.eventBus().<JsonObject>consumer(Addresses.MODELS_BUNDLE, this::bundle).completion()));
    }

    /** A registered version's folder, zipped on a worker, for an inference node that will check it itself. */
    private void bundle(Message<JsonObject> message) {
        String version = message.body() == null ? null : message.body().getString("version");
        if (version == null || !ModelBundle.VERSION.matcher(version).matches() || !Files.isDirectory(registry.folder(version))) {
            message.fail(404, ServiceException.notFound("no model version " + version + " is held here").toWire());
            return;
        }
        vertx.executeBlocking(() -> io.vertx.core.buffer.Buffer.buffer(ModelBundle.zip(registry.folder(version))), false)
                .onSuccess(message::reply)
                .onFailure(error -> {
                    LOG.error("Cannot zip model {} for another node: {}", version, error.toString());
                    message.fail(500, new ServiceException(500, "the model could not be read").toWire());
                });
    }

    private Future<JsonObject> list(JsonObject command) {
        return ModelRegistry.list(pool, registry.serving()).map(items -> new JsonObject().put("items", items));
    }

    /**
     * The version's figures on confirmed rows, overall, per hospital and per gender, with its prediction mix per
     * day and per week. A non-admin sees their own hospital only.
     */
    private Future<JsonObject> performance(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        String version = command.getString("version");
        String hospital = command.getString("hospital");
        String scope = AccessPolicy.hospitalScope(actor).orElse(null);
        if (scope != null && hospital != null && !hospital.equals(scope)) {
            return Future.failedFuture(ServiceException.forbidden("you may read the figures of your own hospital only"));
        }
        PerformanceRepository.Filter filter = new PerformanceRepository.Filter(version, scope, hospital,
                command.getString("gender"), Times.parseOrNull(command.getString("from"), "from"),
                Times.parseOrNull(command.getString("to"), "to"));
        return measure(filter).map(report -> {
            if (filter.none()) {
                gauges.update(version, report.getJsonObject("confirmed"));
            }
            return report;
        });
    }

    private Future<JsonObject> measure(PerformanceRepository.Filter filter) {
        String version = filter.version();
        return pool.preparedQuery("SELECT 1 FROM model_registry WHERE version = $1").execute(Tuple.of(version))
                .compose(found -> found.size() == 0
                        ? Future.failedFuture(ServiceException.notFound("no model version " + version + " is registered"))
                        : PerformanceRepository.confirmed(pool, filter, performanceMaxRows))
                .compose(cases -> {
                    if (cases.size() > performanceMaxRows) {
                        return Future.failedFuture(new ServiceException(422, "more than " + performanceMaxRows
                                + " confirmed rows match: narrow the period (from, to) or name a hospital"));
                    }
                    // the statistics of half a million rows take a few hundred milliseconds: not on the event loop
                    Future<JsonObject> figures = cases.size() < 20_000
                            ? Future.succeededFuture(Performance.report(cases))
                            : vertx.executeBlocking(() -> Performance.report(cases), false);
                    return Future.all(figures, PerformanceRepository.mix(pool, filter, "day"), PerformanceRepository.mix(pool, filter, "week"));
                })
                .map(all -> new JsonObject()
                        .put("version", version)
                        .put("filters", new JsonObject().put("hospital", filter.hospital() != null ? filter.hospital() : filter.scope())
                                .put("gender", filter.gender())
                                .put("from", filter.from() == null ? null : filter.from().toString())
                                .put("to", filter.to() == null ? null : filter.to().toString()))
                        .put("confirmed", all.<JsonObject>resultAt(0))
                        .put("prediction_mix", new JsonObject().put("by_day", all.resultAt(1)).put("by_week", all.resultAt(2))));
    }

    /** The active model's unfiltered figures into the gauges. */
    private void refreshActive() {
        String version = registry.serving().activeDescriptor().version();
        measure(new PerformanceRepository.Filter(version, null, null, null, null, null))
                .onSuccess(report -> gauges.update(version, report.getJsonObject("confirmed")))
                .onFailure(error -> LOG.warn("Performance gauges of model {} not refreshed: {}", version, error.getMessage()));
    }

    private Future<JsonObject> activate(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        String version = command.getString("version");
        if (!actor.isAdmin()) {
            return Future.failedFuture(deny(actor, "model.activate", version));
        }
        return registry.activate(pool, version, actor)
                .compose(previous -> {
                    LOG.info("Model {} activated by {} (was {})", version, actor.userName(), previous);
                    // inference nodes of a cluster switch too (and read the registry now and then, for a lost event)
                    vertx.eventBus().publish(Addresses.MODELS_EVENTS_ACTIVATED, new JsonObject().put("version", version));
                    return ModelRegistry.find(pool, version, registry.serving());
                })
                .map(found -> found.orElseThrow().copy());
    }

    private void upload(Message<ModelUpload> message) {
        Actor actor = message.body().actor();
        Future<JsonObject> result;
        if (!actor.isAdmin()) {
            result = Future.failedFuture(deny(actor, "model.upload", null));
        } else if (!uploading.compareAndSet(false, true)) {
            result = Future.failedFuture(ServiceException.retryLater(503, "another model bundle is being checked; try again shortly", 5));
        } else {
            result = register(actor, message.body().zip()).eventually(() -> {
                uploading.set(false);
                return Future.succeededFuture();
            });
        }
        result.onSuccess(message::reply).onFailure(error -> {
            ServiceException failure = DbErrors.asServiceException(error);
            if (failure.status() >= 500 && failure.status() != 503) {
                LOG.error("Model upload failed for request {}", actor.requestId(), error);
            }
            message.fail(failure.status(), failure.toWire());
        });
    }

    private record Checked(ModelDescriptor descriptor, Path folder) {
    }

    /** Unpack and check on a worker; move into place; register with the audit row; answer the registry entry. */
    private Future<JsonObject> register(Actor actor, byte[] zip) {
        Path staging = registry.root().resolve(ModelRegistry.STAGING_PREFIX + UUID.randomUUID());
        return vertx.<Checked>executeBlocking(() -> {
                    Path folder = ModelBundle.unpack(new ByteArrayInputStream(zip), staging, limits);
                    try (Classifier classifier = ModelBundle.check(folder)) {
                        ModelDescriptor descriptor = classifier.descriptor();
                        Path target = registry.folder(descriptor.version());
                        if (Files.exists(target)) {
                            throw new ServiceException(409, "model version " + descriptor.version() + " is already registered", "version");
                        }
                        Files.move(folder, target, StandardCopyOption.ATOMIC_MOVE);
                        return new Checked(descriptor, target);
                    }
                }, false)
                .eventually(() -> vertx.executeBlocking(() -> {
                    ModelBundle.delete(staging);
                    return null;
                }, false))
                .recover(error -> Future.failedFuture(error instanceof ModelBundle.Refused refused
                        ? new ServiceException(422, refused.getMessage(), "bundle") : error))
                .compose(checked -> pool.withTransaction(tx -> ModelRegistry.insert(tx, checked.descriptor(), "upload", actor)
                                .compose(isNew -> {
                                    if (!isNew) {
                                        throw new ServiceException(409, "model version " + checked.descriptor().version()
                                                + " is already registered", "version");
                                    }
                                    return AuditTrail.append(tx, new AuditTrail.Entry(null, actor.toJson(), actor.hospital(),
                                            "model.upload", "model", checked.descriptor().version(), "success", 201,
                                            new JsonObject().put("architecture", checked.descriptor().architecture())
                                                    .put("bytes", zip.length)));
                                }))
                        .recover(error -> vertx.executeBlocking(() -> {
                            // not registered: the folder must not stay, or the version could never be uploaded again
                            ModelBundle.delete(checked.folder());
                            return null;
                        }, false).transform(ignored -> Future.failedFuture(DbErrors.isUniqueViolation(error, "model_registry_pkey")
                                ? new ServiceException(409, "model version " + checked.descriptor().version() + " is already registered", "version")
                                : error)))
                        .compose(v -> ModelRegistry.find(pool, checked.descriptor().version(), registry.serving()))
                        .map(found -> found.orElseThrow()));
    }

    private ServiceException deny(Actor actor, String action, String version) {
        vertx.eventBus().publish(Addresses.SECURITY_EVENTS_DENIED, new JsonObject()
                .put("actor", actor.toJson()).put("action", action)
                .put("target_type", "model").put("target_id", version)
                .put("status", 403).put("reason", "only admins manage models").put("at", Instant.now().toString()));
        return ServiceException.forbidden("only admins manage models");
    }
}
