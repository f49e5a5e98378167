package org.mriclassifier.models;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelChecksums;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelDescriptors;
import org.mriclassifier.inference.ServedModel;
import org.mriclassifier.inference.ServingModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this server can serve: folders by version under {@code <data dir>/models}, rows in
 * {@code model_registry}, and the activations in {@code model_activation} (the latest one is served, after a
 * restart too). The shipped model ({@code model.dir}) is registered at start, and activated when it is new to the
 * registry (a release that ships a new model serves it); otherwise the last activation stands. Leases on loaded
 * models come from here ({@link #lease}); loading a model that is not loaded runs on a worker.
 */
public final class ModelRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    static final String STAGING_PREFIX = ".staging-";

    private final Vertx vertx;
    private final Path root;
    private final ServingModels serving;
    private final int intraOpThreads;
    private final int interOpThreads;
    /** Activations run one after another, so the database's order is the serving order. */
    private Future<?> activations = Future.succeededFuture();

    public ModelRegistry(Vertx vertx, Path root, ServingModels serving, int intraOpThreads, int interOpThreads) {
        this.vertx = vertx;
        this.root = root;
        this.serving = serving;
        this.intraOpThreads = intraOpThreads;
        this.interOpThreads = interOpThreads;
    }

    public static Path root(Path dataDir) {
        return dataDir.resolve("models");
    }

    public ServingModels serving() {
        return serving;
    }

    Path root() {
        return root;
    }

    Path folder(String version) {
        return root.resolve(version);
    }

    // ---- start -------------------------------------------------------------------------------------------

    /**
     * Blocking, before anything serves: copies the shipped model into the registry's folder (once), and removes
     * staging folders an interrupted upload left behind.
     *
     * @throws IllegalStateException when the registry already holds this version with other weights
     */
    public static void installShipped(Path root, Path shipped, ModelDescriptor descriptor) {
        try {
            Files.createDirectories(root);
            try (Stream<Path> list = Files.list(root)) {
                list.filter(p -> p.getFileName().toString().startsWith(STAGING_PREFIX)).forEach(ModelBundle::delete);
            }
            String version = descriptor.version();
            if (version == null || !ModelBundle.VERSION.matcher(version).matches()) {
                throw new IllegalStateException("the shipped model's version \"" + version + "\" cannot name a folder");
            }
            Path target = root.resolve(version);
            if (Files.isDirectory(target)) {
                if (!sameWeights(shipped, target)) {
                    throw new IllegalStateException("model.dir " + shipped + " is version " + version + ", but the registry's "
                            + "version " + version + " (" + target + ") has other weights: give the new model a new version");
                }
                return;
            }
            Path staging = root.resolve(STAGING_PREFIX + UUID.randomUUID());
            copyTree(shipped, staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the shipped model in " + root + ": " + e.getMessage(), e);
        }
    }

    private static boolean sameWeights(Path a, Path b) throws IOException {
        Path ca = a.resolve(ModelChecksums.FILE_NAME);
        Path cb = b.resolve(ModelChecksums.FILE_NAME);
        return Files.isRegularFile(ca) && Files.isRegularFile(cb)
                && Files.readString(ca, StandardCharsets.UTF_8).equals(Files.readString(cb, StandardCharsets.UTF_8));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /**
     * Registers the shipped model (the active one at this point), activates it when it is new, and otherwise
     * switches to the last activated version before anything serves.
     */
    public Future<Void> bootstrap(Pool pool) {
        ModelDescriptor shipped = serving.activeDescriptor();
        Actor system = Actor.system("start");
        return pool.withTransaction(tx -> insert(tx, shipped, "shipped", system)
                        .compose(isNew -> isNew ? insertActivation(tx, shipped.version(), system, null) : Future.succeededFuture()))
                .compose(v -> activeVersion(pool))
                .compose(active -> {
                    if (active.isEmpty() || active.get().equals(shipped.version())) {
                        return Future.succeededFuture();
                    }
                    LOG.info("Serving model {}, the last one activated (the shipped one is {})", active.get(), shipped.version());
                    // a node of a cluster that joined after an activation elsewhere fetches the version first
                    return fetchIfMissing(active.get())
                            .recover(error -> Future.failedFuture(new IllegalStateException("the registry's active model "
                                    + "version " + active.get() + " is not in " + folder(active.get()) + " on this node and "
                                    + "could not be fetched from an api node (" + (error instanceof io.vertx.core.eventbus.ReplyException
                                    ? org.mriclassifier.bus.Services.asReplyFailure(error).detail() : error.getMessage()) + "): put its bundle "
                                    + "there (docs/DEPLOYMENT.md, Models in a cluster)")))
                            .compose(v -> lease(active.get())).map(serving::activate).mapEmpty();
                });
    }

    /**
     * An inference node's way of following activations made elsewhere: serves the registry's latest activated version
     * when it is not the one served here (loading it from this node's registry folder; a version whose folder is
     * missing here fails, and the node keeps serving what it served). Runs after any activation in progress.
     */
    public Future<Void> follow(Pool pool) {
        Future<Void> done = activations.transform(ignored -> activeVersion(pool).compose(active -> {
            if (active.isEmpty() || active.get().equals(serving.activeDescriptor().version())) {
                return Future.<Void>succeededFuture();
            }
            String previous = serving.activeDescriptor().version();
            return fetchIfMissing(active.get()).compose(v -> lease(active.get())).map(model -> {
                serving.activate(model);
                LOG.info("Serving model {}, activated in the registry (was {})", active.get(), previous);
                return (Void) null;
            });
        }));
        activations = done;
        return done;
    }

    /**
     * When this node lacks a registered version's folder (an inference node; the api node that took the upload has it):
     * asks a node that holds it ({@code models.bundle}) for the zip, then unpacks and checks it on a worker exactly as an
     * upload is checked (bounded unpacking, the weights' checksums, the signature, the probe image) and moves it into
     * place. A bundle that fails a check, or names another version, is refused.
     */
    Future<Void> fetchIfMissing(String version) {
        if (!ModelBundle.VERSION.matcher(version).matches()) {
            return Future.failedFuture(ServiceException.notFound("no model version " + version + " is registered"));
        }
        if (Files.isDirectory(folder(version))) {
            return Future.succeededFuture();
        }
        LOG.info("Model {} is not on this node: fetching it from an api node", version);
        return requestBundle(version, 8)
                .compose(reply -> vertx.executeBlocking(() -> {
                    Path staging = root.resolve(STAGING_PREFIX + UUID.randomUUID());
                    try {
                        Path unpacked = ModelBundle.unpack(new java.io.ByteArrayInputStream(reply.body().getBytes()), staging,
                                new ModelBundle.Limits(1000, 1L << 30));
                        try (Classifier checked = ModelBundle.check(unpacked)) {
                            if (!version.equals(checked.descriptor().version())) {
                                throw new IllegalStateException("the bundle fetched for " + version + " is version "
                                        + checked.descriptor().version());
                            }
                        }
                        if (!Files.isDirectory(folder(version))) {
                            Files.move(unpacked, folder(version), StandardCopyOption.ATOMIC_MOVE);
                        }
                        LOG.info("Model {} fetched and checked", version);
                        return (Void) null;
                    } catch (ModelBundle.Refused e) {
                        throw new IllegalStateException("the bundle fetched for " + version + " was refused: " + e.getMessage());
                    } finally {
                        ModelBundle.delete(staging);
                    }
                }, false));
    }

    /**
     * Requests go round the api nodes in turn, and only those that took the upload (or fetched it) hold the folder: one
     * that answers 404 is followed by the next, a few times.
     */
    private Future<io.vertx.core.eventbus.Message<io.vertx.core.buffer.Buffer>> requestBundle(String version, int tries) {
        return vertx.eventBus().<io.vertx.core.buffer.Buffer>request(org.mriclassifier.bus.Addresses.MODELS_BUNDLE,
                        new JsonObject().put("version", version), new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(120_000))
                .recover(error -> tries > 1 && error instanceof io.vertx.core.eventbus.ReplyException reply
                        && reply.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == 404
                        ? requestBundle(version, tries - 1) : Future.failedFuture(error));
    }

    // ---- leases ------------------------------------------------------------------------------------------

    /** A lease on this version (null: the active one), loading it on a worker when it is not loaded. */
    public Future<ServedModel> lease(String version) {
        if (version == null) {
            return Future.succeededFuture(serving.acquireActive());
        }
        Optional<ServedModel> loaded = serving.acquire(version);
        if (loaded.isPresent()) {
            return Future.succeededFuture(loaded.get());
        }
        if (!ModelBundle.VERSION.matcher(version).matches() || !Files.isDirectory(folder(version))) {
            return Future.failedFuture(ServiceException.notFound("no model version " + version + " is registered"));
        }
        return vertx.executeBlocking(() -> Classifier.load(folder(version), intraOpThreads, interOpThreads), false)
                .recover(error -> {
                    LOG.error("Cannot load registered model {}: {}", version, error.getMessage());
                    return Future.failedFuture(new ServiceException(500, "model version " + version + " cannot be loaded"));
                })
                .map(serving::addAndAcquire);
    }

    /**
     * As {@link #lease}, fetching a registered version this node lacks from a node that holds it first (an inference
     * node asked to classify with a version uploaded through an api node).
     */
    public Future<ServedModel> leaseFetching(String version) {
        if (version == null || serving.loadedVersions().contains(version) || Files.isDirectory(folder(version))) {
            return lease(version);
        }
        return fetchIfMissing(version)
                .recover(error -> Future.failedFuture(error instanceof ServiceException se ? se
                        : ServiceException.notFound("no model version " + version + " is registered")))
                .compose(v -> lease(version));
    }

    public void release(ServedModel model) {
        serving.release(model);
    }

    // ---- registry rows -----------------------------------------------------------------------------------

    /** @return true when the row is new */
    static Future<Boolean> insert(SqlClient tx, ModelDescriptor descriptor, String source, Actor actor) {
        JsonObject json = new JsonObject(ModelDescriptors.mapper().convertValue(descriptor, java.util.Map.class));
        return tx.preparedQuery("""
                        INSERT INTO model_registry (version, name, architecture, created, source, registered_by, descriptor)
                        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (version) DO NOTHING RETURNING version""")
                .execute(Tuple.of(descriptor.version(), descriptor.name(), descriptor.architecture(), descriptor.createdAt(),
                        source, actor.userName(), json))
                .map(rows -> rows.size() == 1);
    }

    static Future<Void> insertActivation(SqlClient tx, String version, Actor actor, String previous) {
        return tx.preparedQuery("INSERT INTO model_activation (version, activated_by) VALUES ($1, $2)")
                .execute(Tuple.of(version, actor.userName()))
                .compose(v -> AuditTrail.append(tx, new AuditTrail.Entry(null, actor.toJson(), actor.hospital(), "model.activate",
                        "model", version, "success", null, new JsonObject().put("previous", previous))));
    }

    static Future<Optional<String>> activeVersion(SqlClient db) {
        return db.preparedQuery("SELECT version FROM model_activation ORDER BY id DESC LIMIT 1").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("version")));
    }

    /** Every registered model, newest registration first, with which one is active. */
    static Future<JsonArray> list(SqlClient db, ServingModels serving) {
        return db.preparedQuery("""
                        SELECT r.version, r.name, r.architecture, r.created, r.source, r.registered_at, r.registered_by,
                               r.descriptor -> 'validation' AS metrics,
                               (SELECT max(a.activated_at) FROM model_activation a WHERE a.version = r.version) AS last_activated_at,
                               r.version = (SELECT a.version FROM model_activation a ORDER BY a.id DESC LIMIT 1) AS active
                        FROM model_registry r ORDER BY r.registered_at DESC, r.version DESC""")
                .execute()
                .map(rows -> {
                    JsonArray items = new JsonArray();
                    var loaded = serving.loadedVersions();
                    for (Row row : rows) {
                        items.add(toJson(row, loaded.contains(row.getString("version"))));
                    }
                    return items;
                });
    }

    static Future<Optional<JsonObject>> find(SqlClient db, String version, ServingModels serving) {
        return list(db, serving).map(items -> items.stream().map(JsonObject.class::cast)
                .filter(item -> item.getString("version").equals(version)).findFirst());
    }

    private static JsonObject toJson(Row row, boolean loaded) {
        Object metrics = row.getValue("metrics");
        return new JsonObject()
                .put("version", row.getString("version"))
                .put("name", row.getString("name"))
                .put("architecture", row.getString("architecture"))
                .put("created", row.getString("created"))
                .put("source", row.getString("source"))
                .put("registered_at", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.getOffsetDateTime("registered_at")))
                .put("registered_by", row.getString("registered_by"))
                .put("metrics", metrics instanceof JsonObject m ? m : new JsonObject())
                .put("active", Boolean.TRUE.equals(row.getBoolean("active")))
                .put("last_activated_at", row.getOffsetDateTime("last_activated_at") == null ? null
                        : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.getOffsetDateTime("last_activated_at")))
                .put("loaded", loaded);
    }

    // ---- activation --------------------------------------------------------------------------------------

    /**
     * Makes {@code version} the served model: loads it (if needed), records the activation and its audit row in
     * one transaction, then switches serving (new classifications take the new model; those in flight finish on
     * the old one, which closes after them).
     *
     * @return the previous active version
     */
    Future<String> activate(Pool pool, String version, Actor actor) {
        Future<String> done = activations.transform(ignored -> pool.preparedQuery("SELECT 1 FROM model_registry WHERE version = $1")
                .execute(Tuple.of(version))
                .compose(rows -> rows.size() == 0
                        ? Future.failedFuture(ServiceException.notFound("no model version " + version + " is registered"))
                        : lease(version))
                .compose(model -> {
                    String previous = serving.activeDescriptor().version();
                    return pool.withTransaction(tx -> insertActivation(tx, version, actor, previous))
                            .map(v -> serving.activate(model))
                            .recover(error -> {
                                serving.release(model);
                                return Future.failedFuture(error);
                            });
                }));
        activations = done;
        return done;
    }
}
