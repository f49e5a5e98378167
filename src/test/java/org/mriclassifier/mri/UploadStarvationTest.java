package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * Issue 12 item 2: a chunked upload used to reserve the whole image limit of the process-wide upload budget before
 * any byte arrived, so a few slow uploads from one technician (a byte a second) made every other hospital's
 * uploads answer 503. Bytes are reserved as they arrive, one user's open uploads and held bytes are capped, and a
 * body arriving slower than the minimum rate is dropped.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Slow uploads from one user neither starve the others nor hold the server")
class UploadStarvationTest {

    static final int MAX_IMAGE_BYTES = 1 << 20;
    static final String BOUNDARY = "slow-boundary";
    static TestServer server;
    static String technician;
    static String doctorElsewhere;
    static HttpClient raw;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        // room for about three whole uploads: before the fix, three slow chunked ones took all of it
        JsonObject tight = new JsonObject()
                .put("vision", new JsonObject().put("max_image_bytes", MAX_IMAGE_BYTES))
                .put("mri", new JsonObject().put("upload_buffer_bytes_max", 3 * (MAX_IMAGE_BYTES + 65_536))
                        .put("max_open_uploads_per_user", 5).put("upload_bytes_per_user_max", 2 * MAX_IMAGE_BYTES)
                        .put("upload_min_bytes_per_second", 1024).put("upload_rate_grace_ms", 3_000));
        TestServer.startWith(vertx, tight).compose(s -> {
            server = s;
            raw = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(s.port),
                    new PoolOptions().setHttp1MaxSize(32));
            return s.adminToken();
        }).compose(admin -> server.createUser(admin, "slow-tech", "A", "technician")
                .compose(u -> server.createUser(admin, "fast-doc", "B", "doctor")))
                .compose(u -> server.tokenOf("slow-tech")).compose(t -> {
                    technician = t;
                    return server.tokenOf("fast-doc");
                }).onSuccess(t -> doctorElsewhere = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        raw.close();
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    /** A multipart upload whose headers and first bytes are sent at once, then one byte a second. */
    record Slow(HttpClientRequest request, Future<Answer> response, long timer) {
    }

    /** A response and its body, read as it arrives. */
    record Answer(HttpClientResponse response, Buffer body) {
    }

    static Future<Slow> slowUpload(Vertx vertx, String token, Long contentLength) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI("/MRI")
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "multipart/form-data; boundary=" + BOUNDARY);
        return raw.request(options).map(request -> {
            if (contentLength == null) {
                request.setChunked(true);
            } else {
                request.putHeader("Content-Length", contentLength.toString());
            }
            Future<Answer> response = request.response().compose(r -> r.body().map(b -> new Answer(r, b)));
            request.write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan\"\r\n"
                    + "Content-Type: image/png\r\n\r\n");
            long timer = vertx.setPeriodic(1_000, id -> request.write(Buffer.buffer(new byte[] {0})));
            response.onComplete(done -> vertx.cancelTimer(timer));
            return new Slow(request, response, timer);
        });
    }

    @Test
    @DisplayName("five slow uploads (four chunked, one declaring a large Content-Length) from one technician: another hospital still uploads, the sixth is told 429, the slow ones get 408 and closed connections")
    void slowUploadsDoNotStarve(Vertx vertx, VertxTestContext ctx) {
        List<Future<Slow>> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            slow.add(slowUpload(vertx, technician, null));
        }
        slow.add(slowUpload(vertx, technician, (long) MAX_IMAGE_BYTES + 60_000));
        long started = System.nanoTime();
        Future.all(slow)
                .compose(v -> vertx.timer(800))
                // the technician's sixth, while five are open
                .compose(v -> server.upload(technician, TestImages.png(12_001), "image/png", "female", "A", null))
                .compose(sixth -> {
                    ctx.verify(() -> {
                        assertEquals(429, sixth.statusCode(), sixth.bodyAsString());
                        assertEquals("1", sixth.getHeader("Retry-After"));
                        assertTrue(sixth.bodyAsString().contains("uploads in progress"), sixth.bodyAsString());
                    });
                    // another hospital, meanwhile: before the fix, 503 until the request timeout
                    return server.upload(doctorElsewhere, TestImages.png(12_002), "image/png", "male", "B", null);
                })
                .compose(other -> {
                    ctx.verify(() -> assertEquals(201, other.statusCode(), other.bodyAsString()));
                    List<Future<Answer>> answers = slow.stream().map(f -> f.result().response()).toList();
                    return Future.all(answers).map(v -> answers);
                })
                .compose(answers -> {
                    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
                    for (Future<Answer> answer : answers) {
                        HttpClientResponse r = answer.result().response();
                        String body = answer.result().body().toString();
                        ctx.verify(() -> {
                            assertEquals(408, r.statusCode(), body);
                            assertEquals("close", r.getHeader("Connection"));
                            assertEquals("application/problem+json", r.getHeader("Content-Type"));
                            assertTrue(body.contains("slower than"), body);
                        });
                    }
                    ctx.verify(() -> assertTrue(seconds < 10, "dropped after " + seconds + " s, not at the grace period"));
                    // the slots and bytes were given back: the technician uploads again
                    return server.upload(technician, TestImages.png(12_003), "image/png", "female", "A", null);
                })
                .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
                    assertEquals(201, again.statusCode(), again.bodyAsString());
                    ctx.completeNow();
                })));
    }
}
