package org.mriclassifier;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mriclassifier.api.HttpVerticle;
import org.mriclassifier.audit.AuditVerticle;
import org.mriclassifier.auth.AuthService;
import org.mriclassifier.auth.JwtKey;
import org.mriclassifier.auth.PasswordHasher;
import org.mriclassifier.auth.PasswordWork;
import org.mriclassifier.auth.TokenIssuer;
import org.mriclassifier.db.DatabaseBootstrap;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.lifecycle.Lifecycle;
import org.mriclassifier.users.FirstStart;
import org.mriclassifier.users.UserService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the server in order, each step on the previous one's success: the database (embedded or configured)
 * and its migrations, the keys, the services, the first admin, and HTTP last. Readiness turns green only
 * when all of it is up. {@link #stop()} undoes it in reverse.
 */
public final class Server {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final Vertx vertx;
    private final Lifecycle lifecycle;
    private final DatabaseBootstrap.Prepared database;
    private final PasswordWork passwords;
    private final List<String> deployments;

    private Server(Vertx vertx, Lifecycle lifecycle, DatabaseBootstrap.Prepared database, PasswordWork passwords,
                   List<String> deployments) {
        this.vertx = vertx;
        this.lifecycle = lifecycle;
        this.database = database;
        this.passwords = passwords;
        this.deployments = deployments;
    }

    /** The pieces built before any verticle is deployed (blocking work, done on a worker). */
    private record Foundation(DatabaseBootstrap.Prepared database, byte[] jwtKey, PasswordHasher hasher) {
    }

    public static Future<Server> start(Vertx vertx, JsonObject config) {
        Path dataDir = Path.of(config.getString("data_dir", "./data"));
        return vertx.executeBlocking(() -> {
            DatabaseBootstrap.Prepared database = DatabaseBootstrap.prepare(config.getJsonObject("db"), dataDir);
            try {
                byte[] key = JwtKey.resolve(config.getJsonObject("jwt").getString("key"), dataDir);
                PasswordHasher hasher = new PasswordHasher(config.getJsonObject("auth").getInteger("bcrypt_cost", 12));
                return new Foundation(database, key, hasher);
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
        }).compose(foundation -> deploy(vertx, config, foundation));
    }

    private static Future<Server> deploy(Vertx vertx, JsonObject config, Foundation foundation) {
        JsonObject verticleConfig = config.copy()
                .put("db", PoolFactory.describe(foundation.database().target(), config.getJsonObject("db")));
        int cores = Runtime.getRuntime().availableProcessors();
        PasswordWork passwords = new PasswordWork(vertx, foundation.hasher(), Math.max(1, cores), 64);
        TokenIssuer tokens = new TokenIssuer(vertx, foundation.jwtKey(), config.getJsonObject("jwt"));
        Lifecycle lifecycle = new Lifecycle();
        List<String> deployments = new ArrayList<>();
        DeploymentOptions single = new DeploymentOptions().setConfig(verticleConfig);
        Pool pool = PoolFactory.shared(vertx, verticleConfig.getJsonObject("db"));

        Future<Server> started = vertx.deployVerticle(new AuditVerticle(), single).onSuccess(deployments::add)
                .compose(id -> vertx.deployVerticle(new UserService(passwords), single)).onSuccess(deployments::add)
                .compose(id -> vertx.deployVerticle(new AuthService(passwords, tokens), single)).onSuccess(deployments::add)
                .compose(id -> FirstStart.ensureAdmin(pool, passwords, vertx.eventBus(), config.getJsonObject("admin")))
                .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(tokens, lifecycle, null),
                        new DeploymentOptions().setConfig(verticleConfig)
                                .setInstances(config.getJsonObject("http").getInteger("instances", 2))))
                .onSuccess(deployments::add)
                .map(id -> new Server(vertx, lifecycle, foundation.database(), passwords, deployments));
        return started
                .eventually(pool::close)
                .recover(error -> {
                    LOG.error("Start-up failed: {}", error.getMessage());
                    return undeployAll(vertx, deployments)
                            .eventually(() -> vertx.executeBlocking(() -> {
                                foundation.database().close();
                                return null;
                            }))
                            .transform(ignored -> Future.failedFuture(error));
                });
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /** Stops accepting, undeploys every verticle (HTTP first), then stops the embedded database. */
    public Future<Void> stop() {
        lifecycle.stopAccepting();
        return undeployAll(vertx, deployments)
                .eventually(() -> {
                    passwords.close();
                    return vertx.executeBlocking(() -> {
                        database.close();
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
