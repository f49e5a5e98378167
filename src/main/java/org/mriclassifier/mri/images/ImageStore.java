package org.mriclassifier.mri.images;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import java.util.Optional;
import java.util.UUID;

/**
 * Where the bytes of the data set's images live, content-addressed by their SHA-256. Two implementations:
 * {@link PostgresImageStore} (the default: the {@code mri_image} table, in the row's own transaction) and
 * {@link S3ImageStore} (any S3-compatible object store: one object per distinct image, shared by the rows that
 * hold the same bytes). Either way a row never exists without its bytes, and bytes no row references do not stay:
 * <ul>
 *   <li>{@link #write} runs inside the row's transaction, after its INSERT and before its commit: a failed write
 *       rolls the row back;</li>
 *   <li>{@link #release} runs after a row's delete committed or its transaction failed: the bytes go when no
 *       committed row references them any more;</li>
 *   <li>{@link #sweep} runs at start-up: it removes what a crash between the two writes left behind.</li>
 * </ul>
 */
public interface ImageStore {

    /** "postgres" or "s3", for logs and health. */
    String kind();

    /** True when the bytes are in the database, next to their row (they can be joined in SQL). */
    boolean inDatabase();

    /** Stores the bytes of row {@code id} inside its transaction {@code tx}, before the commit. */
    Future<Void> write(SqlConnection tx, UUID id, String sha256, byte[] bytes);

    /** The bytes of row {@code id}, or empty when there are none. */
    Future<Optional<byte[]>> read(SqlClient db, UUID id, String sha256);

    /** After a delete or a failed transaction: removes the bytes if no committed row references them. */
    Future<Void> release(io.vertx.sqlclient.Pool pool, String sha256);

    /** Removes every stored image no row references; completes with how many. */
    Future<Long> sweep(io.vertx.sqlclient.Pool pool);

    /** Releases the store's own resources (clients, threads). */
    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
