package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/** Each bad upload: a clear 4xx that says what was wrong, nothing stored, the server unharmed. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("Bad uploads are refused with a clear 4xx and leave nothing behind")
class MriBadInputTest {

    static final int MAX_IMAGE_BYTES = 300_000;
    static TestServer server;
    static String admin;
    static String doctorOfA;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        JsonObject limits = new JsonObject().put("vision", new JsonObject().put("max_image_bytes", MAX_IMAGE_BYTES));
        TestServer.startWith(vertx, limits).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(t, "bad-doc-a", "A", "doctor");
        }).compose(u -> server.tokenOf("bad-doc-a")).onSuccess(t -> doctorOfA = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    record Bad(String what, Supplier<Future<HttpResponse<Buffer>>> request, int status, String says) {
    }

    static Future<HttpResponse<Buffer>> upload(byte[] bytes, String mediaType) {
        return server.upload(doctorOfA, bytes, mediaType, "female", "A", null);
    }

    static Future<HttpResponse<Buffer>> json(JsonObject body) {
        return server.client.post("/MRI").bearerTokenAuthentication(doctorOfA).sendJsonObject(body);
    }

    static JsonObject jsonUpload(byte[] bytes) {
        return new JsonObject().put("image", Base64.getEncoder().encodeToString(bytes)).put("gender", "male").put("hospital", "A");
    }

    @Test
    @DisplayName("not images, other formats, truncated, corrupt, empty, oversized, pixel bombs, bad fields, other hospitals")
    void badUploads(VertxTestContext ctx) {
        byte[] good = TestImages.png(7001);
        byte[] oversized = new byte[MAX_IMAGE_BYTES + 1000];
        System.arraycopy(good, 0, oversized, 0, good.length);
        List<Bad> cases = List.of(
                new Bad("text labelled as a JPEG", () -> upload("hello, I am not an image".getBytes(), "image/jpeg"), 415, "JPEG or a PNG"),
                new Bad("BMP labelled as a JPEG", () -> upload(TestImages.bmp(), "image/jpeg"), 415, "JPEG or a PNG"),
                new Bad("GIF", () -> upload(TestImages.gif(), "image/gif"), 415, "JPEG or a PNG"),
                new Bad("TIFF labelled as a PNG", () -> upload(TestImages.tiff(), "image/png"), 415, "JPEG or a PNG"),
                new Bad("JPEG 2000", () -> upload(TestImages.jpeg2000(), "image/jpeg"), 415, "JPEG or a PNG"),
                new Bad("truncated JPEG", () -> upload(TestImages.truncatedJpeg(7002), "image/jpeg"), 422, "truncated"),
                new Bad("corrupt PNG", () -> upload(TestImages.corruptPng(7003), "image/png"), 422, "cannot be"),
                new Bad("zero bytes", () -> upload(new byte[0], "image/png"), 400, "empty"),
                new Bad("over the size limit", () -> upload(oversized, "image/png"), 413, "larger than"),
                new Bad("over the size limit, as JSON", () -> json(jsonUpload(oversized)), 413, "larger than"),
                new Bad("a pixel bomb (65535x65535 declared)", () -> upload(TestImages.pngDeclaring(65535, 65535), "image/png"), 413, "declares"),
                new Bad("zero width declared", () -> upload(TestImages.pngDeclaring(0, 100), "image/png"), 422, "declares"),
                new Bad("unknown gender", () -> server.upload(doctorOfA, good, "image/png", "robot", "A", null), 400, "gender"),
                new Bad("unknown class", () -> server.upload(doctorOfA, good, "image/png", "male", "A", "maybe"), 400, "class"),
                new Bad("no hospital", () -> server.upload(doctorOfA, good, "image/png", "male", null, null), 400, "hospital"),
                new Bad("another hospital", () -> server.upload(doctorOfA, good, "image/png", "male", "B", null), 403, "own hospital"),
                new Bad("a server-side path, as the original API took", () -> json(new JsonObject()
                        .put("path", "/data/scans/y1.jpg").put("gender", "male").put("hospital", "A")), 400, "upload the image bytes"),
                new Bad("an unknown JSON field", () -> json(jsonUpload(good).put("patient_name", "Jane Doe")), 400, "not a known field"),
                new Bad("invalid base64", () -> json(new JsonObject().put("image", "***").put("gender", "male")
                        .put("hospital", "A")), 400, "base64"),
                new Bad("no image at all", () -> json(new JsonObject().put("gender", "male").put("hospital", "A")), 400, "required"),
                new Bad("neither multipart nor JSON", () -> server.client.post("/MRI").bearerTokenAuthentication(doctorOfA)
                        .putHeader("Content-Type", "image/png").sendBuffer(Buffer.buffer(good)), 415, "multipart"),
                new Bad("no token (nothing is read)", () -> server.client.post("/MRI")
                        .sendBuffer(Buffer.buffer(good)), 401, "token"));
        List<String> wrong = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (Bad bad : cases) {
            chain = chain.compose(v -> {
                long start = System.nanoTime();
                return bad.request().get().map(r -> {
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    String body = r.bodyAsString();
                    if (r.statusCode() != bad.status() || body == null || !body.contains(bad.says())) {
                        wrong.add(bad.what() + ": " + r.statusCode() + " " + body);
                    } else if (!"application/problem+json".equals(r.getHeader("Content-Type"))) {
                        wrong.add(bad.what() + ": content type " + r.getHeader("Content-Type"));
                    } else if (body.contains("Exception") || body.contains("cv::") || body.contains("io.vertx")) {
                        wrong.add(bad.what() + ": leaks internals: " + body);
                    } else if (bad.what().startsWith("a pixel bomb") && ms > 2_000) {
                        wrong.add(bad.what() + ": took " + ms + " ms (refused before decoding?)");
                    }
                    return null;
                });
            });
        }
        chain.compose(v -> server.client.get("/health/ready").send())
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
                    assertEquals(200, ready.statusCode(), "the server is unharmed");
                    assertEquals(0L, rowCount(), "nothing was stored");
                    assertFalse(Files.exists(Path.of("file-uploads")), "no upload was written to disk");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a small PNG declaring 4096x4096 16-bit RGBA (128 MiB once decoded) is refused from its header, fast")
    void decodedBytesAreBudgeted(VertxTestContext ctx) {
        byte[] deep = TestImages.blackPng(4096, 4096, 16, 6);
        ctx.verify(() -> assertTrue(deep.length < MAX_IMAGE_BYTES, "the file itself is small: " + deep.length));
        long start = System.nanoTime();
        upload(deep, "image/png").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(413, r.statusCode(), r.bodyAsString());
            assertTrue(r.bodyAsString().contains("decoded"), r.bodyAsString());
            assertTrue(ms < 1_000, "refused before decoding? took " + ms + " ms");
            ctx.completeNow();
        })));
    }

    static long rowCount() {
        return SharedPostgres.query(server.dbUri, c -> {
            try (ResultSet rs = c.createStatement().executeQuery("SELECT (SELECT count(*) FROM mri) + (SELECT count(*) FROM mri_image)")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Test
    @DisplayName("the upload field names of the contract are the ones the code accepts")
    void contractDescribesTheForm(VertxTestContext ctx) {
        server.client.get("/openapi.yaml").send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            String contract = r.bodyAsString();
            for (String field : List.of("file", "gender", "hospital", "class")) {
                assertTrue(contract.contains("        " + field + ":"), field);
            }
            ctx.completeNow();
        })));
    }
}
