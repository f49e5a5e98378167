package org.mriclassifier.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ModelBundles;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
@DisplayName("The model registry: list, checked uploads, atomic activation under load, rollback, restart")
class ModelRegistryTest {

    static TestServer server;
    static String admin;
    static String doctor;
    static final AtomicLong SEED = new AtomicLong(140_000);

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(admin, "regdoc", TestServer.ADMIN_HOSPITAL, "doctor");
        }).compose(u -> server.tokenOf("regdoc")).onSuccess(t -> doctor = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static Future<HttpResponse<Buffer>> uploadBundle(TestServer s, String token, byte[] zip) {
        return s.client.post("/models").bearerTokenAuthentication(token)
                .sendMultipartForm(MultipartForm.create().binaryFileUpload("bundle", "bundle.zip", Buffer.buffer(zip), "application/zip"));
    }

    static Future<JsonArray> models(TestServer s, String token) {
        return s.client.get("/models").bearerTokenAuthentication(token).send().map(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET /models answered " + r.statusCode() + " " + r.bodyAsString());
            }
            return r.bodyAsJsonObject().getJsonArray("items");
        });
    }

    static JsonObject entry(JsonArray items, String version) {
        return items.stream().map(JsonObject.class::cast).filter(i -> i.getString("version").equals(version)).findFirst().orElse(null);
    }

    static Future<HttpResponse<Buffer>> activate(TestServer s, String token, String version) {
        return s.client.post("/models/" + version + "/activate").bearerTokenAuthentication(token).send();
    }

    static Future<JsonObject> registered(TestServer s, String token, String version) {
        return uploadBundle(s, token, ModelBundles.zip(ModelBundles.copyWithVersion(version))).map(r -> {
            if (r.statusCode() != 201) {
                throw new IllegalStateException("upload of " + version + " answered " + r.statusCode() + " " + r.bodyAsString());
            }
            return r.bodyAsJsonObject();
        });
    }

    static String active(JsonArray items) {
        List<String> active = items.stream().map(JsonObject.class::cast).filter(i -> i.getBoolean("active"))
                .map(i -> i.getString("version")).toList();
        assertEquals(1, active.size(), "exactly one model is active: " + items.encode());
        return active.get(0);
    }

    @Test
    @DisplayName("GET /models lists the shipped model, registered at start, with its architecture, creation time and validation figures")
    void listsTheShippedModel(VertxTestContext ctx) {
        models(server, doctor).onComplete(ctx.succeeding(items -> ctx.verify(() -> {
            JsonObject shipped = entry(items, ModelBundles.shippedVersion());
            assertNotNull(shipped, items.encode());
            assertEquals("shipped", shipped.getString("source"));
            assertEquals("bncnn", shipped.getString("architecture"));
            assertNotNull(shipped.getString("created"));
            assertTrue(shipped.getJsonObject("metrics").getJsonObject("all").getDouble("accuracy") > 0.9, shipped.encode());
            active(items);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("an admin uploads a copy of the shipped model with a new version: 201, registered but not active, audited; the same version again is 409")
    void uploadsAValidBundle(Vertx vertx, VertxTestContext ctx) {
        String version = "up-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] zip = ModelBundles.zip(ModelBundles.copyWithVersion(version));
        uploadBundle(server, admin, zip)
                .compose(created -> {
                    ctx.verify(() -> {
                        assertEquals(201, created.statusCode(), created.bodyAsString());
                        assertEquals("/models/" + version, created.getHeader("Location"));
                        JsonObject body = created.bodyAsJsonObject();
                        assertEquals(version, body.getString("version"));
                        assertEquals("upload", body.getString("source"));
                        assertFalse(body.getBoolean("active"));
                        assertEquals("admin", body.getString("registered_by"));
                    });
                    return uploadBundle(server, admin, zip);
                })
                .compose(again -> {
                    ctx.verify(() -> {
                        assertEquals(409, again.statusCode(), again.bodyAsString());
                        assertEquals("application/problem+json", again.getHeader("Content-Type"));
                    });
                    return models(server, admin);
                })
                .compose(items -> {
                    ctx.verify(() -> assertFalse(entry(items, version).getBoolean("active")));
                    return SharedPostgres.queryUntil(vertx, server.dbUri, c -> count(c.prepareStatement(
                            "SELECT count(*) FROM audit_log WHERE action = 'model.upload' AND target_id = ? AND outcome = 'success'"), version),
                            n -> n == 1);
                })
                .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
                    assertEquals(1L, n);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("bundles that are not servable models are refused with a problem saying why: bad checksum, wrong signature, not a model, not a zip, an entry outside its folder")
    void refusesBadBundles(VertxTestContext ctx) throws Exception {
        Path badChecksum = ModelBundles.copyWithVersion("bad-sum");
        List<String> lines = Files.readAllLines(badChecksum.resolve("checksums.sha256"));
        lines.set(0, "0".repeat(64) + lines.get(0).substring(64));
        Files.write(badChecksum.resolve("checksums.sha256"), lines);
        Path noChecksum = ModelBundles.copyWithVersion("no-sum");
        Files.delete(noChecksum.resolve("checksums.sha256"));
        Path wrongInput = ModelBundles.copy("bad-input", json -> json.getJsonObject("input").put("name", "pixels"));
        Path wrongOutput = ModelBundles.copy("bad-output", json -> json.getJsonObject("output").put("name", "logits"));
        Path wrongShape = ModelBundles.copy("bad-shape", json -> json.getJsonObject("preprocessing").put("outputSize", 64)
                .put("workingSize", 256));
        Path badVersion = ModelBundles.copy("bad-version", json -> json.put("version", "../escape"));
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("does not match checksums.sha256", ModelBundles.zip(badChecksum));
        cases.put("no checksums.sha256", ModelBundles.zip(noChecksum));
        cases.put("model.json expects pixels", ModelBundles.zip(wrongInput));
        cases.put("model.json expects image -> logits", ModelBundles.zip(wrongOutput));
        cases.put("input shape", ModelBundles.zip(wrongShape));
        cases.put("not a model", ModelBundles.zip(Map.of("notes.txt", ModelBundles.text("hello"))));
        cases.put("not a zip", ModelBundles.text("this is not a zip at all, just text that goes on"));
        cases.put("outside its folder", ModelBundles.zip(Map.of("../../evil.txt", ModelBundles.text("x"))));
        cases.put("version must be", ModelBundles.zip(badVersion));
        // one after another: the server checks one bundle at a time (503 for a second one meanwhile)
        Future<Void> checks = Future.succeededFuture();
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            checks = checks.compose(previous -> uploadBundle(server, admin, c.getValue()).map(r -> {
                ctx.verify(() -> {
                    assertEquals(422, r.statusCode(), c.getKey() + ": " + r.bodyAsString());
                    assertEquals("application/problem+json", r.getHeader("Content-Type"));
                    String detail = r.bodyAsJsonObject().getString("detail");
                    assertTrue(detail.contains(c.getKey()), c.getKey() + " not in: " + detail);
                    assertFalse(detail.contains("/tmp/") || detail.contains("Exception") || detail.contains("org."), detail);
                });
                return null;
            }));
        }
        checks.compose(v -> models(server, admin)).onComplete(ctx.succeeding(items -> ctx.verify(() -> {
            for (String v : List.of("bad-sum", "no-sum", "bad-input", "bad-output", "bad-shape")) {
                assertTrue(entry(items, v) == null, v + " must not be registered");
            }
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("a doctor may list models but not upload (403, body unread), activate (403) or classify with a named version (403); an unknown version is 404")
    void onlyAdminsManageModels(VertxTestContext ctx) {
        // small, so that the refused body is drained and the 403 heard on an open connection (a large one is cut off)
        byte[] zip = ModelBundles.zip(Map.of("doc/model.json", ModelBundles.text("{}")));
        uploadBundle(server, doctor, zip)
                .compose(r -> {
                    ctx.verify(() -> assertEquals(403, r.statusCode(), r.bodyAsString()));
                    return activate(server, doctor, ModelBundles.shippedVersion());
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(403, r.statusCode(), r.bodyAsString()));
                    return activate(server, admin, "no-such-version");
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(404, r.statusCode(), r.bodyAsString()));
                    return server.uploaded(admin, TestImages.png(SEED.incrementAndGet()), TestServer.ADMIN_HOSPITAL);
                })
                .compose(row -> server.client.post("/MRI/" + row.getString("id") + "/classify?model_version=" + ModelBundles.shippedVersion())
                        .bearerTokenAuthentication(doctor).send())
                .compose(r -> {
                    ctx.verify(() -> assertEquals(403, r.statusCode(), "naming a version is for admins: " + r.bodyAsString()));
                    return server.client.post("/models").send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(401, r.statusCode());
                    ctx.completeNow();
                })));
    }

    static Future<JsonObject> patch(JsonObject row, JsonObject changes) {
        return server.client.patch("/MRI/" + row.getString("id")).bearerTokenAuthentication(admin)
                .putHeader("If-Match", "\"" + row.getInteger("version") + "\"").sendJsonObject(changes).map(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("PATCH answered " + r.statusCode() + " " + r.bodyAsString());
                    }
                    return r.bodyAsJsonObject();
                });
    }

    @Test
    @DisplayName("a class is confirmed when a person sets it (at upload or by PATCH), stays confirmed through other changes, and is not once cleared")
    void classConfirmation(VertxTestContext ctx) {
        server.upload(admin, TestImages.png(SEED.incrementAndGet()), "image/png", "male", "conf-H", "tumor")
                .map(r -> r.bodyAsJsonObject())
                .compose(row -> {
                    ctx.verify(() -> assertTrue(row.getBoolean("class_confirmed"), row.encode()));
                    return patch(row, new JsonObject().put("gender", "female"));
                })
                .compose(row -> {
                    ctx.verify(() -> assertTrue(row.getBoolean("class_confirmed"), "a gender change keeps it"));
                    return patch(row, new JsonObject().putNull("class"));
                })
                .compose(row -> {
                    ctx.verify(() -> assertFalse(row.getBoolean("class_confirmed"), "cleared"));
                    return patch(row, new JsonObject().put("class", "healthy"));
                })
                .compose(row -> {
                    ctx.verify(() -> assertTrue(row.getBoolean("class_confirmed"), "set by PATCH"));
                    return server.uploaded(admin, TestImages.png(SEED.incrementAndGet()), "conf-H");
                })
                .onComplete(ctx.succeeding(row -> ctx.verify(() -> {
                    assertFalse(row.getBoolean("class_confirmed"), "no class at upload");
                    ctx.completeNow();
                })));
    }

    private record Sent(long sentNanos, long answeredNanos, int status, String version, String body) {
    }

    @Test
    @DisplayName("activation during concurrent uploads (8 at a time): none fails, each row is classified by the old or the new model as its timing says; rollback serves the old one again and the new one is unloaded")
    void activationUnderLoadAndRollback(Vertx vertx, VertxTestContext ctx) {
        String fresh = "hot-" + UUID.randomUUID().toString().substring(0, 8);
        String[] old = new String[1];
        List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
        long[] activation = new long[2];
        AtomicInteger answered = new AtomicInteger();
        Future<Void>[] activated = new Future[1];
        models(server, admin)
                .compose(items -> {
                    old[0] = active(items);
                    return registered(server, admin, fresh);
                })
                .compose(entry -> {
                    // 8 lanes upload one image after another; the activation is asked for after the 12th answer, and
                    // each lane goes on until it has sent 3 uploads after the activation was answered
                    AtomicInteger afterActivation = new AtomicInteger();
                    List<Future<Void>> lanes = new ArrayList<>();
                    for (int lane = 0; lane < 8; lane++) {
                        lanes.add(lane(() -> activation[1] == 0 || afterActivation.getAndIncrement() < 24, () -> {
                            long start = System.nanoTime();
                            return server.upload(admin, TestImages.png(SEED.incrementAndGet()), "image/png", "female",
                                    TestServer.ADMIN_HOSPITAL, null).map(r -> {
                                sent.add(new Sent(start, System.nanoTime(), r.statusCode(),
                                        r.statusCode() == 201 ? r.bodyAsJsonObject().getString("model_version") : null, r.bodyAsString()));
                                if (answered.incrementAndGet() == 12) {
                                    activation[0] = System.nanoTime();
                                    activated[0] = activate(server, admin, fresh).map(a -> {
                                        activation[1] = System.nanoTime();
                                        if (a.statusCode() != 200) {
                                            throw new IllegalStateException("activate answered " + a.statusCode() + " " + a.bodyAsString());
                                        }
                                        return null;
                                    });
                                }
                                return null;
                            });
                        }));
                    }
                    return Future.all(lanes).compose(v -> activated[0]);
                })
                .compose(v -> {
                    ctx.verify(() -> {
                        assertTrue(sent.size() >= 36, "uploads: " + sent.size());
                        int before = 0;
                        int after = 0;
                        for (Sent s : sent) {
                            assertEquals(201, s.status(), s.body());
                            assertTrue(s.version().equals(old[0]) || s.version().equals(fresh), s.version());
                            if (s.answeredNanos() < activation[0]) {
                                assertEquals(old[0], s.version(), "answered before the activation was asked for");
                                before++;
                            }
                            if (s.sentNanos() > activation[1]) {
                                assertEquals(fresh, s.version(), "sent after the activation was answered");
                                after++;
                            }
                        }
                        assertTrue(before >= 12 && after > 0, "before " + before + ", after " + after);
                    });
                    return models(server, admin);
                })
                .compose(items -> {
                    ctx.verify(() -> assertEquals(fresh, active(items)));
                    return activate(server, admin, old[0]);
                })
                .compose(rollback -> {
                    ctx.verify(() -> assertEquals(200, rollback.statusCode(), rollback.bodyAsString()));
                    return server.uploaded(admin, TestImages.png(SEED.incrementAndGet()), TestServer.ADMIN_HOSPITAL);
                })
                .compose(row -> {
                    ctx.verify(() -> assertEquals(old[0], row.getString("model_version")));
                    // the row can still be classified by the registered version by name, loading it for the call
                    return server.client.post("/MRI/" + row.getString("id") + "/classify?model_version=" + fresh)
                            .bearerTokenAuthentication(admin).send();
                })
                .compose(reclassified -> {
                    ctx.verify(() -> {
                        assertEquals(200, reclassified.statusCode(), reclassified.bodyAsString());
                        assertEquals(fresh, reclassified.bodyAsJsonObject().getString("model_version"));
                    });
                    return models(server, admin);
                })
                .compose(items -> {
                    ctx.verify(() -> {
                        assertEquals(old[0], active(items));
                        assertFalse(entry(items, fresh).getBoolean("loaded"), "closed after its last classification");
                    });
                    return SharedPostgres.queryUntil(vertx, server.dbUri, c -> count(c.prepareStatement(
                            "SELECT count(*) FROM audit_log WHERE action = 'model.activate' AND target_id = ?"), fresh), n -> n == 1);
                })
                .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
                    assertEquals(1L, n);
                    ctx.completeNow();
                })));
    }

    private static Future<Void> lane(java.util.function.BooleanSupplier more, java.util.function.Supplier<Future<Void>> work) {
        if (!more.getAsBoolean()) {
            return Future.succeededFuture();
        }
        return work.get().compose(v -> lane(more, work));
    }

    private static long count(PreparedStatement statement, String arg) throws java.sql.SQLException {
        statement.setString(1, arg);
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
