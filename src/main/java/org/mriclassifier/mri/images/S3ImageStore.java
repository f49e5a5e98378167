package org.mriclassifier.mri.images;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Images as objects in an S3-compatible store (AWS S3, MinIO, Ceph RGW), one object per distinct image under
 * {@code <prefix><sha256>}: rows of several hospitals holding the same bytes share it. The SDK's synchronous client
 * runs on a worker pool of its own ({@code images.s3_workers}), never on an event loop.
 *
 * <p>Who may remove an object: its writers and removers agree through a PostgreSQL advisory lock on the SHA-256,
 * taken by an upload's transaction before its PUT (held to its commit) and by {@link #release} before it looks
 * for rows that reference the object. So a release never removes an object that a concurrent upload has just
 * written and is about to commit a row for; and an upload that commits after a release sees its PUT kept.
 * A crash between the PUT and the commit leaves an object no row references: {@link #sweep} (at every start)
 * removes it, through the same {@link #release}.
 */
public final class S3ImageStore implements ImageStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3ImageStore.class);
    private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1, 19))";
    private static final String REFERENCED = "SELECT EXISTS (SELECT 1 FROM mri WHERE image_sha256 = $1) AS referenced";

    private final S3Client s3;
    private final WorkerExecutor workers;
    private final String bucket;
    private final String prefix;

    private S3ImageStore(S3Client s3, WorkerExecutor workers, String bucket, String prefix) {
        this.s3 = s3;
        this.workers = workers;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** From the {@code images} configuration; checks the bucket is there (start-up fails with a message if not). */
    public static Future<ImageStore> create(Vertx vertx, JsonObject config) {
        String bucket = config.getString("s3_bucket", "");
        if (bucket.isBlank()) {
            return Future.failedFuture(new IllegalArgumentException("images.store is s3 but images.s3_bucket (MRI_IMAGES_S3_BUCKET) is empty"));
        }
        String accessKey = config.getString("s3_access_key_id", "");
        AwsCredentialsProvider credentials = accessKey.isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, config.getString("s3_secret_access_key", "")));
        var builder = S3Client.builder()
                .region(Region.of(config.getString("s3_region", "us-east-1")))
                .credentialsProvider(credentials)
                .forcePathStyle(config.getBoolean("s3_path_style", true))
                // what every S3-compatible store accepts: checksums only where the API requires them
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create());
        String endpoint = config.getString("s3_endpoint", "");
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        S3Client s3 = builder.build();
        WorkerExecutor workers = vertx.createSharedWorkerExecutor("mri-s3", config.getInteger("s3_workers", 8));
        S3ImageStore store = new S3ImageStore(s3, workers, bucket, config.getString("s3_prefix", "images/"));
        return workers.executeBlocking(() -> {
                    s3.headBucket(b -> b.bucket(bucket));
                    return (ImageStore) store;
                })
                .recover(error -> {
                    s3.close();
                    workers.close();
                    return Future.failedFuture(new IllegalStateException(
                            "the image bucket " + bucket + " cannot be reached: " + error.getMessage()));
                })
                .onSuccess(s -> LOG.info("Images in the S3 bucket {} under {}", bucket, store.prefix));
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public boolean inDatabase() {
        return false;
    }

    String key(String sha256) {
        return prefix + sha256;
    }

    @Override
    public Future<Void> write(SqlConnection tx, UUID id, String sha256, byte[] bytes) {
        return tx.preparedQuery(LOCK).execute(Tuple.of(sha256))
                .compose(locked -> workers.executeBlocking(() -> {
                    s3.putObject(p -> p.bucket(bucket).key(key(sha256)).contentLength((long) bytes.length),
                            RequestBody.fromBytes(bytes));
                    return null;
                }, false));
    }

    @Override
    public Future<Optional<byte[]>> read(SqlClient db, UUID id, String sha256) {
        return workers.executeBlocking(() -> {
            try {
                return Optional.of(s3.getObjectAsBytes(g -> g.bucket(bucket).key(key(sha256))).asByteArray());
            } catch (NoSuchKeyException e) {
                return Optional.<byte[]>empty();
            }
        }, false);
    }

    @Override
    public Future<Void> release(Pool pool, String sha256) {
        return pool.withTransaction(tx -> tx.preparedQuery(LOCK).execute(Tuple.of(sha256))
                .compose(locked -> tx.preparedQuery(REFERENCED).execute(Tuple.of(sha256)))
                .compose(rows -> rows.iterator().next().getBoolean("referenced") ? Future.<Void>succeededFuture()
                        : workers.executeBlocking(() -> {
                            s3.deleteObject(d -> d.bucket(bucket).key(key(sha256)));
                            return null;
                        }, false)));
    }

    @Override
    public Future<Long> sweep(Pool pool) {
        return sweepFrom(pool, null, 0L);
    }

    /** One listing page (up to 1000 keys) at a time: what is held does not grow with the bucket. */
    private Future<Long> sweepFrom(Pool pool, String continuation, long removed) {
        return workers.executeBlocking(() -> s3.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                        .continuationToken(continuation).build()), false)
                .compose(page -> unreferenced(pool, page).compose(orphans -> releaseAll(pool, orphans, 0)
                        .compose(n -> Boolean.TRUE.equals(page.isTruncated())
                                ? sweepFrom(pool, page.nextContinuationToken(), removed + n)
                                : Future.succeededFuture(removed + n))));
    }

    private Future<List<String>> unreferenced(Pool pool, ListObjectsV2Response page) {
        List<String> shas = page.contents().stream().map(S3Object::key).map(k -> k.substring(prefix.length()))
                .filter(sha -> sha.matches("[0-9a-f]{64}")).toList();
        if (shas.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        return pool.preparedQuery("SELECT DISTINCT image_sha256 FROM mri WHERE image_sha256 = ANY($1)")
                .execute(Tuple.of(shas.toArray(new String[0])))
                .map(rows -> {
                    Set<String> referenced = new java.util.HashSet<>();
                    for (Row row : rows) {
                        referenced.add(row.getString("image_sha256"));
                    }
                    return shas.stream().filter(sha -> !referenced.contains(sha)).collect(Collectors.toCollection(ArrayList::new));
                });
    }

    /** One after another: each takes the lock and looks again (a row may have been committed since the listing). */
    private Future<Long> releaseAll(Pool pool, List<String> shas, int from) {
        if (from == shas.size()) {
            return Future.succeededFuture(0L);
        }
        return release(pool, shas.get(from)).compose(v -> releaseAll(pool, shas, from + 1)).map(n -> n + 1);
    }

    /** The keys under the prefix (tests and the operator's checks; pages through the whole listing). */
    public Future<List<String>> keys() {
        return workers.executeBlocking(() -> s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()
                .stream().map(S3Object::key).toList(), false);
    }

    @Override
    public Future<Void> close() {
        s3.close();
        return workers.close();
    }
}
