package org.mriclassifier.mri.images;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;

/**
 * The bytes in {@code mri_image}, one row per {@code mri} row, written in the same transaction and deleted with it
 * (ON DELETE CASCADE): the database itself keeps the two together, so release and sweep have nothing to do.
 */
public final class PostgresImageStore implements ImageStore {

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public boolean inDatabase() {
        return true;
    }

    @Override
    public Future<Void> write(SqlConnection tx, UUID id, String sha256, byte[] bytes) {
        return tx.preparedQuery("INSERT INTO mri_image (mri_id, bytes) VALUES ($1, $2)")
                .execute(Tuple.of(id, Buffer.buffer(bytes))).mapEmpty();
    }

    @Override
    public Future<Optional<byte[]>> read(SqlClient db, UUID id, String sha256) {
        return db.preparedQuery("SELECT bytes FROM mri_image WHERE mri_id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next().getBuffer("bytes").getBytes()));
    }

    @Override
    public Future<Void> release(Pool pool, String sha256) {
        return Future.succeededFuture();
    }

    @Override
    public Future<Long> sweep(Pool pool) {
        return Future.succeededFuture(0L);
    }
}
