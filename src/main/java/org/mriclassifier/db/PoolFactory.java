package org.mriclassifier.db;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * Builds the reactive pool. Every verticle asks for it by name, so all instances share one bounded set of
 * connections and one bounded wait queue: beyond it a query fails at once instead of queueing without end.
 */
public final class PoolFactory {

    public static final String SHARED_POOL_NAME = "mri-pool";

    private PoolFactory() {
    }

    /** The configuration slice a verticle needs to reach the shared pool. */
    public static JsonObject describe(DatabaseTarget target, JsonObject dbConfig) {
        return new JsonObject()
                .put("connect", target.connectOptions().toJson())
                .put("pool_size", dbConfig.getInteger("pool_size", 16))
                .put("wait_queue_size", dbConfig.getInteger("wait_queue_size", 256))
                .put("connect_timeout_ms", dbConfig.getInteger("connect_timeout_ms", 5000));
    }

    public static Pool shared(Vertx vertx, JsonObject description) {
        PgConnectOptions connect = new PgConnectOptions(description.getJsonObject("connect"))
                .setCachePreparedStatements(true)
                .setPreparedStatementCacheMaxSize(256)
                .setReconnectAttempts(0);
        PoolOptions pool = new PoolOptions()
                .setShared(true)
                .setName(SHARED_POOL_NAME)
                .setMaxSize(description.getInteger("pool_size", 16))
                .setMaxWaitQueueSize(description.getInteger("wait_queue_size", 256))
                .setConnectionTimeout(description.getInteger("connect_timeout_ms", 5000))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setIdleTimeout(5)
                .setIdleTimeoutUnit(TimeUnit.MINUTES)
                .setPoolCleanerPeriod(30_000);
        return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
    }
}
