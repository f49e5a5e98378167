package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("The MRI data set: upload and classify, read, list, change with If-Match, delete")
class MriApiTest {

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).onSuccess(t -> admin = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a real scan uploaded as multipart gets a prediction, its probability and the model version; its pixels come back identical, its bytes match the row's hash")
    void uploadRealScanAndReadItBack(VertxTestContext ctx) {
        byte[] scan = TestImages.real("brain-mri-253/yes/Y1.jpg");
        JsonObject[] stored = new JsonObject[1];
        server.upload(admin, scan, "image/jpeg", "male", TestServer.ADMIN_HOSPITAL, "tumor")
                .compose(created -> {
                    ctx.verify(() -> {
                        assertEquals(201, created.statusCode(), created.bodyAsString());
                        JsonObject row = created.bodyAsJsonObject();
                        assertEquals("/MRI/" + row.getString("id"), created.getHeader("Location"));
                        assertEquals("\"1\"", created.getHeader("ETag"));
                        assertTrue(Set.of("tumor", "healthy").contains(row.getString("prediction")));
                        double p = row.getDouble("probability");
                        assertTrue(p >= 0 && p <= 1);
                        assertNotNull(row.getString("model_version"));
                        assertEquals("tumor", row.getString("class"));
                        assertEquals("image/jpeg", row.getString("content_type"));
                        assertEquals("admin", row.getString("created_by"));
                        stored[0] = row;
                    });
                    return server.client.get(created.getHeader("Location")).bearerTokenAuthentication(admin).send();
                })
                .compose(read -> {
                    ctx.verify(() -> {
                        assertEquals(200, read.statusCode());
                        assertEquals("\"1\"", read.getHeader("ETag"));
                    });
                    return server.client.get(read.bodyAsJsonObject().getString("image_url")).bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(image -> ctx.verify(() -> {
                    assertEquals(200, image.statusCode());
                    // metadata is stripped before storing (MriMetadataTest); the pixels are never re-encoded
                    byte[] served = image.body().getBytes();
                    assertArrayEquals(TestImages.decodedPixels(scan), TestImages.decodedPixels(served));
                    assertEquals(org.mriclassifier.vision.Sha256.hex(served), stored[0].getString("image_sha256"));
                    assertEquals(served.length, stored[0].getInteger("size_bytes"));
                    assertEquals("image/jpeg", image.getHeader("Content-Type"));
                    assertEquals("no-store", image.getHeader("Cache-Control"));
                    assertEquals("nosniff", image.getHeader("X-Content-Type-Options"));
                    assertTrue(image.getHeader("Content-Disposition").startsWith("attachment"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("an image sent as base64 JSON is stored the same way; the same image again answers 409 with its row")
    void uploadJsonAndDuplicate(VertxTestContext ctx) {
        byte[] png = TestImages.png(1001);
        JsonObject body = new JsonObject().put("image", Base64.getEncoder().encodeToString(png))
                .put("gender", "other").put("hospital", TestServer.ADMIN_HOSPITAL);
        server.client.post("/MRI").bearerTokenAuthentication(admin).sendJsonObject(body)
                .compose(created -> {
                    ctx.verify(() -> {
                        assertEquals(201, created.statusCode(), created.bodyAsString());
                        assertEquals("image/png", created.bodyAsJsonObject().getString("content_type"));
                        assertNull(created.bodyAsJsonObject().getString("class"));
                    });
                    return server.client.post("/MRI").bearerTokenAuthentication(admin).sendJsonObject(body)
                            .map(again -> {
                                ctx.verify(() -> {
                                    assertEquals(409, again.statusCode());
                                    assertTrue(again.bodyAsJsonObject().getString("detail")
                                            .contains(created.bodyAsJsonObject().getString("id")));
                                });
                                return again;
                            });
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("lists filter by hospital, gender, class and prediction, page by cursor without gaps or repeats, and count all matches")
    void listFilterAndPage(VertxTestContext ctx) {
        String hospital = "List General";
        Future<Void> uploads = Future.succeededFuture();
        for (int i = 0; i < 7; i++) {
            int n = i;
            uploads = uploads.compose(v -> server.upload(admin, TestImages.png(2000 + n), "image/png",
                    n % 2 == 0 ? "female" : "male", hospital, n < 3 ? "tumor" : null).mapEmpty());
        }
        List<String> seen = new ArrayList<>();
        uploads.compose(v -> page(hospital, null))
                .compose(first -> {
                    ctx.verify(() -> {
                        JsonObject summary = first.getJsonObject("summary");
                        assertEquals(7, summary.getInteger("total"));
                        assertEquals(3, summary.getJsonObject("by_class").getInteger("tumor"));
                        assertEquals(4, summary.getJsonObject("by_class").getInteger("none"));
                        assertEquals(7, summary.getJsonObject("by_prediction").getInteger("tumor")
                                + summary.getJsonObject("by_prediction").getInteger("healthy"));
                        assertEquals(3, first.getJsonArray("items").size());
                    });
                    collect(first, seen);
                    // a row added between pages must not shift the next page
                    return server.upload(admin, TestImages.png(2999), "image/png", "female", hospital, null)
                            .compose(r -> page(hospital, first.getString("next_cursor")));
                })
                .compose(second -> {
                    collect(second, seen);
                    return page(hospital, second.getString("next_cursor"));
                })
                .compose(third -> {
                    collect(third, seen);
                    ctx.verify(() -> {
                        assertNull(third.getString("next_cursor"));
                        assertEquals(7, seen.size());
                        assertEquals(7, new HashSet<>(seen).size());
                    });
                    return server.client.get("/MRI?hospital=List%20General&gender=male&class=none")
                            .bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(filtered -> ctx.verify(() -> {
                    JsonArray items = filtered.bodyAsJsonObject().getJsonArray("items");
                    // males are the odd uploads (1, 3, 5); unlabelled are 3..6 → 3 and 5
                    assertEquals(2, items.size());
                    items.forEach(i -> {
                        assertEquals("male", ((JsonObject) i).getString("gender"));
                        assertNull(((JsonObject) i).getString("class"));
                    });
                    ctx.completeNow();
                })));
    }

    static Future<JsonObject> page(String hospital, String cursor) {
        String uri = "/MRI?limit=3&hospital=" + hospital.replace(" ", "%20") + (cursor == null ? "" : "&cursor=" + cursor)
                + "&to=2100-01-01T00:00:00Z";
        return server.client.get(uri).bearerTokenAuthentication(admin).send().map(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException(r.bodyAsString());
            }
            return r.bodyAsJsonObject();
        });
    }

    static void collect(JsonObject page, List<String> seen) {
        page.getJsonArray("items").forEach(i -> {
            JsonObject row = (JsonObject) i;
            if (!row.getString("id").isEmpty() && row.getString("image_sha256") != null
                    && !row.getString("created_at").isEmpty()) {
                seen.add(row.getString("id"));
            }
        });
    }

    @Test
    @DisplayName("a change needs If-Match: 428 without it, 412 when stale, 200 with the current ETag (which then moves on)")
    void optimisticConcurrency(VertxTestContext ctx) {
        server.uploaded(admin, TestImages.png(3001), TestServer.ADMIN_HOSPITAL)
                .compose(row -> {
                    String uri = "/MRI/" + row.getString("id");
                    JsonObject change = new JsonObject().put("class", "healthy");
                    return server.client.patch(uri).bearerTokenAuthentication(admin).sendJsonObject(change)
                            .compose(noTag -> {
                                ctx.verify(() -> assertEquals(428, noTag.statusCode()));
                                return server.client.patch(uri).bearerTokenAuthentication(admin)
                                        .putHeader("If-Match", "\"1\"").sendJsonObject(change);
                            })
                            .compose(ok -> {
                                ctx.verify(() -> {
                                    assertEquals(200, ok.statusCode(), ok.bodyAsString());
                                    assertEquals("\"2\"", ok.getHeader("ETag"));
                                    assertEquals("healthy", ok.bodyAsJsonObject().getString("class"));
                                });
                                return server.client.put(uri).bearerTokenAuthentication(admin).putHeader("If-Match", "\"1\"")
                                        .sendJsonObject(new JsonObject().put("gender", "male").put("class", null)
                                                .put("hospital", TestServer.ADMIN_HOSPITAL));
                            })
                            .compose(stale -> {
                                ctx.verify(() -> assertEquals(412, stale.statusCode()));
                                return server.client.put(uri).bearerTokenAuthentication(admin).putHeader("If-Match", "W/\"2\"")
                                        .sendJsonObject(new JsonObject().put("gender", "male").put("class", null)
                                                .put("hospital", TestServer.ADMIN_HOSPITAL));
                            })
                            .compose(weak -> {
                                ctx.verify(() -> assertEquals(412, weak.statusCode(), "a weak tag never matches"));
                                return server.client.put(uri).bearerTokenAuthentication(admin).putHeader("If-Match", "\"2\"")
                                        .sendJsonObject(new JsonObject().put("gender", "male").put("class", null)
                                                .put("hospital", TestServer.ADMIN_HOSPITAL));
                            });
                })
                .onComplete(ctx.succeeding(put -> ctx.verify(() -> {
                    assertEquals(200, put.statusCode(), put.bodyAsString());
                    assertEquals("male", put.bodyAsJsonObject().getString("gender"));
                    assertNull(put.bodyAsJsonObject().getString("class"));
                    assertEquals(3, put.bodyAsJsonObject().getInteger("version"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("two clients changing the same version at once: one wins, the other gets 412, nothing is lost")
    void concurrentChanges(VertxTestContext ctx) {
        server.uploaded(admin, TestImages.png(4001), TestServer.ADMIN_HOSPITAL)
                .compose(row -> {
                    String uri = "/MRI/" + row.getString("id");
                    Future<HttpResponse<Buffer>> a = server.client.patch(uri).bearerTokenAuthentication(admin)
                            .putHeader("If-Match", "\"1\"").sendJsonObject(new JsonObject().put("gender", "male"));
                    Future<HttpResponse<Buffer>> b = server.client.patch(uri).bearerTokenAuthentication(admin)
                            .putHeader("If-Match", "\"1\"").sendJsonObject(new JsonObject().put("class", "tumor"));
                    return Future.all(a, b).compose(both -> {
                        HttpResponse<Buffer> ra = both.resultAt(0);
                        HttpResponse<Buffer> rb = both.resultAt(1);
                        ctx.verify(() -> assertEquals(Set.of(200, 412), Set.of(ra.statusCode(), rb.statusCode())));
                        JsonObject winner = (ra.statusCode() == 200 ? ra : rb).bodyAsJsonObject();
                        return server.client.get(uri).bearerTokenAuthentication(admin).send().map(now -> {
                            ctx.verify(() -> {
                                assertEquals(winner, now.bodyAsJsonObject());
                                assertEquals(2, now.bodyAsJsonObject().getInteger("version"));
                            });
                            return now;
                        });
                    });
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("re-classifying a stored image records the current model's answer and moves the ETag on")
    void classifyAgain(VertxTestContext ctx) {
        server.uploaded(admin, TestImages.png(5001), TestServer.ADMIN_HOSPITAL)
                .compose(row -> server.client.post("/MRI/" + row.getString("id") + "/classify")
                        .bearerTokenAuthentication(admin).send().map(again -> {
                            ctx.verify(() -> {
                                assertEquals(200, again.statusCode(), again.bodyAsString());
                                assertEquals(row.getString("prediction"), again.bodyAsJsonObject().getString("prediction"));
                                assertEquals(row.getDouble("probability"), again.bodyAsJsonObject().getDouble("probability"), 1e-6);
                                assertEquals("\"2\"", again.getHeader("ETag"));
                            });
                            return again;
                        }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("moving a row to a hospital that already stores the same image answers 409 and changes nothing")
    void moveOntoDuplicate(VertxTestContext ctx) {
        byte[] image = TestImages.png(8001);
        server.uploaded(admin, image, "Move A")
                .compose(a -> server.uploaded(admin, image, "Move B").map(b -> a))
                .compose(a -> server.client.patch("/MRI/" + a.getString("id")).bearerTokenAuthentication(admin)
                        .putHeader("If-Match", "\"1\"").sendJsonObject(new JsonObject().put("hospital", "Move B")))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(409, r.statusCode(), r.bodyAsString());
                    assertEquals("hospital", r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("POST /MRI/ (trailing slash) is an upload like any other: token first, then the bytes")
    void trailingSlash(VertxTestContext ctx) {
        io.vertx.ext.web.multipart.MultipartForm form = io.vertx.ext.web.multipart.MultipartForm.create()
                .binaryFileUpload("file", "scan.png", Buffer.buffer(TestImages.png(8101)), "image/png")
                .attribute("gender", "male").attribute("hospital", TestServer.ADMIN_HOSPITAL);
        server.client.post("/MRI/").sendMultipartForm(form)
                .compose(anonymous -> {
                    ctx.verify(() -> assertEquals(401, anonymous.statusCode()));
                    return server.client.post("/MRI/").bearerTokenAuthentication(admin).sendMultipartForm(form);
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(201, r.statusCode(), r.bodyAsString());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("an id that is not a UUID answers 400 naming id, on every route that takes one")
    void badIds(VertxTestContext ctx) {
        List<Future<HttpResponse<Buffer>>> calls = List.of(
                server.client.get("/MRI/not-a-uuid").bearerTokenAuthentication(admin).send(),
                server.client.get("/MRI/not-a-uuid/image").bearerTokenAuthentication(admin).send(),
                server.client.delete("/MRI/not-a-uuid").bearerTokenAuthentication(admin).send(),
                server.client.post("/MRI/not-a-uuid/classify").bearerTokenAuthentication(admin).send(),
                server.client.patch("/MRI/not-a-uuid").bearerTokenAuthentication(admin).putHeader("If-Match", "*")
                        .sendJsonObject(new JsonObject().put("gender", "male")));
        Future.all(calls).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            for (Future<HttpResponse<Buffer>> call : calls) {
                HttpResponse<Buffer> r = call.result();
                assertEquals(400, r.statusCode(), r.bodyAsString());
                assertEquals("id", r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
            }
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("DELETE removes the row and its bytes")
    void delete(VertxTestContext ctx) {
        server.uploaded(admin, TestImages.png(6001), TestServer.ADMIN_HOSPITAL)
                .compose(row -> {
                    String uri = "/MRI/" + row.getString("id");
                    return server.client.delete(uri).bearerTokenAuthentication(admin).send()
                            .compose(deleted -> {
                                ctx.verify(() -> assertEquals(204, deleted.statusCode()));
                                return server.client.get(uri).bearerTokenAuthentication(admin).send();
                            })
                            .compose(gone -> {
                                ctx.verify(() -> assertEquals(404, gone.statusCode()));
                                return server.client.get(uri + "/image").bearerTokenAuthentication(admin).send();
                            });
                })
                .onComplete(ctx.succeeding(gone -> ctx.verify(() -> {
                    assertEquals(404, gone.statusCode());
                    assertNotEquals("", gone.bodyAsString());
                    ctx.completeNow();
                })));
    }
}
