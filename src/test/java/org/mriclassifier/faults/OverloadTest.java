package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/** Past capacity the server says "later" (503, or 429 for one client's excess) with Retry-After, and loses nothing. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("Beyond capacity: 503 or 429 with Retry-After, at once; the accepted uploads all succeed")
class OverloadTest {

    @Test
    @DisplayName("past the server's total of classifications in progress, 503 before the body is even read")
    void serverFull(Vertx vertx, VertxTestContext ctx) {
        // one account alone: past the total it is told the server is full (with several, the one above its share hears 429)
        burst(vertx, ctx, 4, 1, 24, 503);
    }

    /**
     * {@code users} users send {@code uploads} at once to a server allowing {@code inFlight} classifications: some are
     * refused with {@code refusal} and Retry-After, the rest stored; nothing else happens. (One account's share of a
     * full server, 429, is FairShareTest's.)
     */
    private static void burst(Vertx vertx, VertxTestContext ctx, int inFlight, int users, int uploads, int refusal) {
        JsonObject tight = new JsonObject().put("mri", new JsonObject().put("max_classifications_in_flight", inFlight));
        TestServer.startWith(vertx, tight).compose(server -> server.adminToken()
                        .compose(admin -> server.createUser(admin, "burst-a", "O", "doctor")
                                .compose(u -> server.createUser(admin, "burst-b", "O", "doctor"))
                                .compose(u -> server.createUser(admin, "burst-c", "O", "doctor"))
                                .compose(u -> Future.all(server.tokenOf("burst-a"), server.tokenOf("burst-b"),
                                        server.tokenOf("burst-c"))))
                        .compose(tokens -> {
                            List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
                            for (int i = 0; i < uploads; i++) {
                                String token = tokens.resultAt(i % users);
                                burst.add(server.upload(token, TestImages.png(50_000 + i), "image/png", "male", "O", null));
                            }
                            return Future.join(burst).map(v -> burst);
                        })
                        .map(burst -> {
                            Map<Integer, Integer> statuses = new HashMap<>();
                            statuses.put(201, 0);
                            for (Future<HttpResponse<Buffer>> f : burst) {
                                HttpResponse<Buffer> r = f.result();
                                statuses.merge(r.statusCode(), 1, Integer::sum);
                                if (r.statusCode() == refusal) {
                                    ctx.verify(() -> {
                                        assertEquals("1", r.getHeader("Retry-After"));
                                        assertEquals("application/problem+json", r.getHeader("Content-Type"));
                                    });
                                }
                            }
                            ctx.verify(() -> {
                                assertTrue(statuses.get(201) >= inFlight, statuses.toString());
                                assertTrue(statuses.getOrDefault(refusal, 0) > 0, statuses.toString());
                                assertEquals(uploads, statuses.get(201) + statuses.getOrDefault(refusal, 0),
                                        "nothing but 201 and " + refusal + ": " + statuses);
                            });
                            return statuses;
                        })
                        .compose(statuses -> server.adminToken()
                                .compose(admin -> server.request(HttpMethod.GET, "/MRI?hospital=O", admin).send())
                                .map(list -> {
                                    ctx.verify(() -> assertEquals(statuses.get(201), list.bodyAsJsonObject()
                                            .getJsonObject("summary").getInteger("total"),
                                            "every 201 stored, nothing refused stored"));
                                    return server;
                                }))
                        .compose(TestServer::stop))
                .onComplete(ctx.succeedingThenComplete());
    }
}
