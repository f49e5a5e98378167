package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * Issue 13 items 3 and 4: fair shares instead of a fixed per-user cap, and refusals that read no body. An account
 * alone may use the whole capacity (a hospital's integration engine has one service account and many
 * connections); when several accounts compete for a full server, only the one above its equal share is told 429.
 * A refusal is decided from the headers: its answer arrives before the client sent a byte of the body.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("Fair shares of the classification capacity; refusals before the body")
class FairShareTest {

    final Vertx vertx = Vertx.vertx();
    TestServer server;
    WebClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            await(server.stop());
        }
        await(vertx.close());
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(200, TimeUnit.SECONDS);
    }

    private void start(JsonObject overrides) throws Exception {
        server = await(TestServer.startWith(vertx, overrides));
        client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port),
                new PoolOptions().setHttp1MaxSize(64));
    }

    private String userToken(String name, String hospital) throws Exception {
        String admin = await(server.adminToken());
        await(server.createUser(admin, name, hospital, "doctor"));
        return await(server.tokenOf(name));
    }

    private static final AtomicLong SEEDS = new AtomicLong(130_000);

    private Future<HttpResponse<Buffer>> upload(String token, String hospital) {
        MultipartForm form = MultipartForm.create()
                .binaryFileUpload("file", "scan", Buffer.buffer(TestImages.png(SEEDS.incrementAndGet())), "image/png")
                .attribute("gender", "female").attribute("hospital", hospital);
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(form);
    }

    /**
     * {@code connections} clients of one account, each sending its next upload as soon as the last is answered
     * (after a refusal, {@code pauseAfterRefusalMs} later), until {@code uploads} answers in all or {@code stop}.
     */
    private Future<Map<Integer, Integer>> closedLoop(String token, String hospital, int connections, int uploads,
                                                    Future<?> stop, long pauseAfterRefusalMs) {
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicInteger left = new AtomicInteger(uploads);
        List<Future<Void>> clients = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Promise<Void> done = Promise.promise();
            clients.add(done.future());
            next(token, hospital, statuses, left, stop, pauseAfterRefusalMs, done);
        }
        return Future.all(clients).map(v -> new TreeMap<>(statuses));
    }

    private void next(String token, String hospital, Map<Integer, Integer> statuses, AtomicInteger left, Future<?> stop,
                      long pauseAfterRefusalMs, Promise<Void> done) {
        if ((stop != null && stop.isComplete()) || left.getAndDecrement() <= 0) {
            done.complete();
            return;
        }
        upload(token, hospital).onComplete(answer -> {
            int status = answer.succeeded() ? answer.result().statusCode() : -1;
            statuses.merge(status, 1, Integer::sum);
            long pause = status == 201 ? 0 : pauseAfterRefusalMs;
            Runnable again = () -> next(token, hospital, statuses, left, stop, pauseAfterRefusalMs, done);
            if (pause > 0) {
                vertx.setTimer(pause, id -> again.run());
            } else {
                again.run();
            }
        });
    }

    @Test
    @DisplayName("one account with 32 connections (the server's whole capacity) is never refused")
    void oneAccountUsesTheWholeCapacity() throws Exception {
        start(new JsonObject());
        String token = userToken("engine", "E");
        Map<Integer, Integer> statuses = await(closedLoop(token, "E", 32, 256, null, 0));
        assertEquals(Map.of(201, 256), statuses, "every upload stored, no 429, no 503: " + statuses);
    }

    @Test
    @DisplayName("two accounts compete for a full server: the one above its equal share is told 429, the other is never refused")
    void twoAccountsShare() throws Exception {
        start(new JsonObject().put("mri", new JsonObject().put("max_classifications_in_flight", 4)));
        String greedy = userToken("greedy", "G");
        String modest = userToken("modest", "M");
        Promise<Void> modestDone = Promise.promise();
        // 12 connections against a capacity of 4, for as long as the modest account works
        Future<Map<Integer, Integer>> greedyRun = closedLoop(greedy, "G", 12, Integer.MAX_VALUE, modestDone.future(), 20);
        Map<Integer, Integer> modestStatuses = await(vertx.timer(300)
                .compose(v -> closedLoop(modest, "M", 2, 60, null, 20)));
        modestDone.complete();
        Map<Integer, Integer> greedyStatuses = await(greedyRun);
        assertEquals(Map.of(201, 60), modestStatuses, "the account within its share: " + modestStatuses);
        assertTrue(greedyStatuses.getOrDefault(429, 0) > 0, "the account above its share: " + greedyStatuses);
        assertTrue(greedyStatuses.getOrDefault(201, 0) > 0, "it still gets the rest of the capacity: " + greedyStatuses);
        for (int status : greedyStatuses.keySet()) {
            assertTrue(status == 201 || status == 429 || status == 503, "nothing but 201, 429, 503: " + greedyStatuses);
        }
    }

    /** What a raw HTTP/1.1 client read: the status, the headers (lower case) and the body. */
    record Raw(int status, Map<String, String> headers, String body, long millis) {
    }

    /** Sends the head of an upload declaring {@code contentLength} bytes of body and reads the answer, no body sent. */
    static Raw headOnly(Socket socket, String token, long contentLength) throws IOException {
        long started = System.nanoTime();
        OutputStream out = socket.getOutputStream();
        out.write(("POST /MRI HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: " + contentLength
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the answer's head: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8),
                (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    @DisplayName("at capacity, the account above its share is answered 429 before it sends a byte of the body, small or large; a retry that ignores Retry-After waits for its answer")
    void refusalReadsNoBody() throws Exception {
        // two classifications at once; each waits 3 s in the batcher for company, so both slots stay taken
        start(new JsonObject().put("mri", new JsonObject().put("max_classifications_in_flight", 2))
                .put("inference", new JsonObject().put("max_delay_ms", 3_000).put("max_batch", 8)));
        String first = userToken("first", "F");
        String second = userToken("second", "S");
        Future<HttpResponse<Buffer>> held1 = upload(first, "F");
        Future<HttpResponse<Buffer>> held2 = upload(second, "S");
        await(vertx.timer(1_000));
        try (Socket socket = new Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(5_000);
            // a small body, not sent: answered at once, and the connection is kept for the rest of the body
            Raw small = headOnly(socket, first, 100_000);
            assertEquals(429, small.status(), small.body());
            assertEquals("1", small.headers().get("retry-after"));
            assertEquals("application/problem+json", small.headers().get("content-type"));
            assertTrue(small.body().contains("equal share"), small.body());
            assertTrue(small.millis() < 1_000, "answered in " + small.millis() + " ms");
            assertTrue(!"close".equals(small.headers().get("connection")), small.headers().toString());
            // the body follows (dropped unread) and the connection takes the next request, sent at once, ignoring
            // Retry-After: that refusal is answered only half a Retry-After after the first
            socket.getOutputStream().write(new byte[100_000]);
            Raw impatient = headOnly(socket, first, 100_000);
            assertEquals(429, impatient.status(), impatient.body());
            assertTrue(impatient.millis() >= 300 && impatient.millis() < 2_000, "paced: " + impatient.millis() + " ms");
        }
        try (Socket socket = new Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(5_000);
            // a large one (5 MB declared, none sent): answered at once, then the connection closes
            Raw large = headOnly(socket, first, 5_000_000);
            assertEquals(429, large.status(), large.body());
            assertEquals("close", large.headers().get("connection"));
            assertTrue(large.millis() < 1_000, "answered in " + large.millis() + " ms");
            // the server closes it within the lingering time, not at an idle timeout
            long waited = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read());
            assertTrue((System.nanoTime() - waited) / 1_000_000 < 3_000, "closed late");
        }
        assertEquals(201, await(held1).statusCode());
        assertEquals(201, await(held2).statusCode());
    }
}
