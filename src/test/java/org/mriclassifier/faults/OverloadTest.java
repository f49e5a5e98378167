package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
    @DisplayName("one user over their share of classifications gets 429; past the server's total, 503")
    void limits(Vertx vertx, VertxTestContext ctx) {
        JsonObject tight = new JsonObject().put("mri", new JsonObject()
                .put("max_classifications_in_flight", 4).put("max_classifications_per_user", 2));
        TestServer.startWith(vertx, tight).compose(server -> server.adminToken()
                        .compose(admin -> server.createUser(admin, "burst-a", "O", "doctor")
                                .compose(u -> server.createUser(admin, "burst-b", "O", "doctor"))
                                .compose(u -> server.createUser(admin, "burst-c", "O", "doctor"))
                                .compose(u -> Future.all(server.tokenOf("burst-a"), server.tokenOf("burst-b"),
                                        server.tokenOf("burst-c"))))
                        .compose(tokens -> {
                            List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
                            for (int i = 0; i < 24; i++) {
                                String token = tokens.resultAt(i % 3);
                                burst.add(server.upload(token, TestImages.png(50_000 + i), "image/png", "male", "O", null));
                            }
                            return Future.join(burst).map(v -> burst);
                        })
                        .map(burst -> {
                            Map<Integer, Integer> statuses = new HashMap<>();
                            for (Future<HttpResponse<Buffer>> f : burst) {
                                HttpResponse<Buffer> r = f.result();
                                statuses.merge(r.statusCode(), 1, Integer::sum);
                                if (r.statusCode() == 429 || r.statusCode() == 503) {
                                    ctx.verify(() -> {
                                        assertEquals("1", r.getHeader("Retry-After"));
                                        assertEquals("application/problem+json", r.getHeader("Content-Type"));
                                    });
                                }
                            }
                            ctx.verify(() -> {
                                assertTrue(statuses.getOrDefault(201, 0) >= 4, statuses.toString());
                                assertTrue(statuses.getOrDefault(429, 0) > 0, statuses.toString());
                                assertEquals(24, statuses.getOrDefault(201, 0) + statuses.getOrDefault(429, 0)
                                        + statuses.getOrDefault(503, 0), "nothing but 201, 429 and 503: " + statuses);
                            });
                            return server;
                        })
                        .compose(TestServer::stop))
                .onComplete(ctx.succeedingThenComplete());
    }
}
