package org.mriclassifier.db;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds or starts the database and brings its schema up to date. Blocking: the entry point runs it on a
 * worker before any verticle that needs the database is deployed.
 */
public final class DatabaseBootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseBootstrap.class);

    /**
     * The database in use: the role requests run as ({@code target}); the embedded server, when there is one,
     * is stopped by {@link #close()}.
     */
    public record Prepared(DatabaseTarget target, Optional<EmbeddedDatabase> embedded) implements AutoCloseable {
        @Override
        public void close() {
            embedded.ifPresent(EmbeddedDatabase::close);
        }
    }

    private DatabaseBootstrap() {
    }

    public static Prepared prepare(JsonObject dbConfig, Path dataDir) {
        String url = dbConfig.getString("url", "");
        Prepared prepared;
        DatabaseTarget owner;
        if (url.isBlank()) {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir, dbConfig.getInteger("embedded_port", 0));
            owner = embedded.ownerTarget();
            prepared = new Prepared(embedded.serviceTarget(), Optional.of(embedded));
        } else {
            // a configured database is used with its one role; give it a non-owner role in production
            owner = DatabaseTarget.fromUri(url);
            LOG.info("Using the configured database {}", owner.description());
            prepared = new Prepared(owner, Optional.empty());
        }
        try {
            Migrations.migrate(owner);
            prepared.embedded().ifPresent(EmbeddedDatabase::grantServiceRole);
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return prepared;
    }
}
