package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.mri.images.ImageStores;
import org.mriclassifier.mri.images.S3ImageStore;
import org.mriclassifier.testing.S3MockProcess;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import org.mriclassifier.vision.Sha256;

/**
 * images.store = s3 against a real S3 API server (S3Mock, a child process): objects named by SHA-256, written before
 * the row commits, removed with the last row that references them or when their transaction fails, and swept at
 * start-up after a crash between the two writes.
 */
@DisplayName("Images in an S3-compatible object store: content-addressed, never orphaned, never dangling")
class S3ImageStoreTest {

    static Vertx vertx;
    static S3MockProcess s3;
    static S3ImageStore bucket;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        s3 = S3MockProcess.start("mri-images");
        bucket = (S3ImageStore) ImageStores.create(vertx, images()).await();
    }

    @AfterAll
    static void stop() {
        bucket.close().await();
        vertx.close().await();
        s3.close();
    }

    static JsonObject images() {
        return new JsonObject().put("store", "s3").put("s3_endpoint", s3.endpoint).put("s3_bucket", s3.bucket)
                .put("s3_prefix", "images/").put("s3_region", "us-east-1").put("s3_access_key_id", "test")
                .put("s3_secret_access_key", "test").put("s3_path_style", true).put("s3_workers", 4);
    }

    @Test
    @DisplayName("an upload stores one object named by its SHA-256 (none in mri_image); the image and the export read it back; two hospitals share it; it goes with the last row; a failed transaction leaves none")
    void roundTrip() {
        TestServer server = TestServer.startWith(vertx, new JsonObject().put("images", images())).await();
        try {
            String admin = server.adminToken().await();
            JsonObject a = server.uploaded(admin, TestImages.png(39000), "S3 A").await();
            String sha = a.getString("image_sha256");
            assertTrue(bucket.keys().await().contains("images/" + sha));
            assertEquals(0L, scalar(server.dbUri, "SELECT count(*) FROM mri_image"));

            HttpResponse<Buffer> image = get(server, "/MRI/" + a.getString("id") + "/image", admin);
            assertEquals(200, image.statusCode());
            assertEquals(sha, Sha256.hex(image.body().getBytes()));
            HttpResponse<Buffer> tar = get(server, "/MRI/export?hospital=S3%20A&images=true", admin);
            assertArrayEquals(image.body().getBytes(), MriExportTest.untar(tar.body().getBytes()).get("images/" + a.getString("id") + ".png"));

            // the same bytes at a second hospital: a second row, the same object
            JsonObject b = server.uploaded(admin, TestImages.png(39000), "S3 B").await();
            assertEquals(sha, b.getString("image_sha256"));
            assertEquals(1, bucket.keys().await().stream().filter(k -> k.endsWith(sha)).count());
            assertEquals(204, delete(server, a, admin));
            assertTrue(bucket.keys().await().contains("images/" + sha), "still referenced by the second row");
            assertEquals(200, get(server, "/MRI/" + b.getString("id") + "/image", admin).statusCode());
            assertEquals(204, delete(server, b, admin));
            assertTrue(!bucket.keys().await().contains("images/" + sha), "gone with the last row");

            // a transaction that fails after the object was written (its audit row is refused) leaves no object
            sql(server.dbUri, """
                    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.hospital = 'S3 Refused' THEN RAISE EXCEPTION 'refused for the test'; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();""");
            byte[] refused = TestImages.png(39001);
            HttpResponse<Buffer> failed = server.upload(admin, refused, "image/png", "female", "S3 Refused", null).await();
            assertEquals(500, failed.statusCode(), failed.bodyAsString());
            assertEquals(0L, scalar(server.dbUri, "SELECT count(*) FROM mri WHERE hospital = 'S3 Refused'"));
            assertEquals(List.of(), bucket.keys().await().stream().filter(k -> !k.isEmpty()).filter(k -> orphan(server.dbUri, k)).toList());
        } finally {
            server.stop().await();
        }
    }

    @Test
    @DisplayName("a server killed between the object's write and the row's commit leaves an object that the next start removes; no row is left without its object")
    void killBetweenTheTwoWrites() throws Exception {
        String db = SharedPostgres.newDatabase();
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_DB_URL", db);
        env.put("MRI_IMAGES_STORE", "s3");
        env.put("MRI_IMAGES_S3_ENDPOINT", s3.endpoint);
        env.put("MRI_IMAGES_S3_BUCKET", s3.bucket);
        env.put("MRI_IMAGES_S3_PREFIX", "killed/");
        env.put("MRI_IMAGES_S3_ACCESS_KEY_ID", "test");
        env.put("MRI_IMAGES_S3_SECRET_ACCESS_KEY", "test");
        S3ImageStore killed = (S3ImageStore) ImageStores.create(vertx, images().put("s3_prefix", "killed/")).await();
        ServerProcess first = ServerProcess.start(env);
        WebClient client = first.client(vertx);
        try {
            first.ready(vertx, client, 360).await();
            String admin = first.login(client).await();
            // one row that commits, then one whose transaction stalls after its PUT (its audit row waits)
            assertEquals(201, upload(client, admin, TestImages.png(39100), "Kept").statusCode());
            sql(db, """
                    CREATE FUNCTION stall_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.hospital = 'Stalled' THEN PERFORM pg_sleep(60); END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER stall_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION stall_audit();""");
            byte[] stalled = TestImages.png(39101);
            client.post("/MRI").bearerTokenAuthentication(admin).sendMultipartForm(MultipartForm.create()
                    .binaryFileUpload("file", "scan", Buffer.buffer(stalled), "image/png")
                    .attribute("gender", "male").attribute("hospital", "Stalled"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (killed.keys().await().size() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(2, killed.keys().await().size(), "the stalled upload's object is written");
            first.kill();
            first.waitFor(30);
        } finally {
            client.close();
        }
        // PostgreSQL notices a dead client when it next talks to it; the stalled backend is still sleeping, so end it
        // as that would (its transaction, never committed, rolls back), then lift the stall
        scalar(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
        sql(db, "DROP TRIGGER stall_audit ON audit_log");
        // the uncommitted row is gone with its connection; its object is the orphan
        assertEquals(0L, scalar(db, "SELECT count(*) FROM mri WHERE hospital = 'Stalled'"));

        ServerProcess second = ServerProcess.start(env);
        WebClient again = second.client(vertx);
        try {
            second.ready(vertx, again, 360).await();
            long deadline = System.currentTimeMillis() + 30_000;
            while (killed.keys().await().size() > 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            List<String> keys = killed.keys().await();
            String kept = scalarText(db, "SELECT image_sha256 FROM mri WHERE hospital = 'Kept'");
            assertEquals(List.of("killed/" + kept), keys, "only the committed row's object is left");
            // and every row has its object: the kept one reads back
            String admin = second.login(again).await();
            String id = scalarText(db, "SELECT id::text FROM mri WHERE hospital = 'Kept'");
            assertEquals(200, again.get("/MRI/" + id + "/image").bearerTokenAuthentication(admin).send().await().statusCode());
        } finally {
            again.close();
            second.terminate();
            second.waitFor(60);
            killed.close().await();
        }
    }

    private static HttpResponse<Buffer> upload(WebClient client, String token, byte[] image, String hospital) {
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(MultipartForm.create()
                .binaryFileUpload("file", "scan", Buffer.buffer(image), "image/png")
                .attribute("gender", "female").attribute("hospital", hospital)).await();
    }

    private static boolean orphan(String db, String key) {
        String sha = key.substring(key.lastIndexOf('/') + 1);
        return scalar(db, "SELECT count(*) FROM mri WHERE image_sha256 = '" + sha + "'") == 0;
    }

    private static HttpResponse<Buffer> get(TestServer server, String uri, String token) {
        return server.client.get(uri).bearerTokenAuthentication(token).send().await();
    }

    private static int delete(TestServer server, JsonObject row, String token) {
        return server.client.delete("/MRI/" + row.getString("id")).bearerTokenAuthentication(token).send().await().statusCode();
    }

    private static long scalar(String db, String query) {
        return SharedPostgres.query(db, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(query)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static String scalarText(String db, String query) {
        return SharedPostgres.query(db, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(query)) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    private static void sql(String db, String statement) {
        SharedPostgres.query(db, c -> {
            c.createStatement().execute(statement);
            return null;
        });
    }
}
