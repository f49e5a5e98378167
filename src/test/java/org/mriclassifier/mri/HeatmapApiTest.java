package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Future;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.DrawnImages;
import org.mriclassifier.testing.ModelBundles;
import org.mriclassifier.testing.TestServer;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("GET /MRI/{id}/heatmap: Grad-CAM of a stored row")
class HeatmapApiTest {

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

    private static Mat png(HttpResponse<Buffer> response) {
        return Imgcodecs.imdecode(new MatOfByte(response.body().getBytes()), Imgcodecs.IMREAD_UNCHANGED);
    }

    @Test
    @DisplayName("a bright blob drawn into a plain brain puts the raw map's maximum on the blob; the overlay is a colour PNG of the image's size; re-classification draws it again")
    void blobDrawsTheMap(VertxTestContext ctx) {
        int size = 300;
        double blobX = 110;
        double blobY = 190;
        Mat drawn = DrawnImages.brainWithBlob(size, true, blobX, blobY);
        byte[] image = DrawnImages.png(drawn);
        drawn.release();
        String[] id = new String[1];
        server.uploaded(admin, image, "Heat General")
                .compose(row -> {
                    id[0] = row.getString("id");
                    return server.request(HttpMethod.GET, "/MRI/" + id[0] + "/heatmap?raw=true", admin).send();
                })
                .compose(raw -> {
                    ctx.verify(() -> {
                        assertEquals(200, raw.statusCode(), raw.bodyAsString());
                        assertEquals("image/png", raw.getHeader("Content-Type"));
                        assertEquals("no-store", raw.getHeader("Cache-Control"));
                        assertTrue(Double.parseDouble(raw.getHeader("X-Heatmap-Peak")) > 0);
                        Mat map = png(raw);
                        assertEquals(1, map.channels());
                        assertEquals(size, map.cols());
                        assertEquals(size, map.rows());
                        Core.MinMaxLocResult max = Core.minMaxLoc(map);
                        assertEquals(255.0, max.maxVal);
                        double distance = Math.hypot(max.maxLoc.x - blobX, max.maxLoc.y - blobY);
                        assertTrue(distance <= size / 10.0, "map maximum at " + max.maxLoc + ", blob at " + blobX + "," + blobY);
                        map.release();
                    });
                    return server.request(HttpMethod.GET, "/MRI/" + id[0] + "/heatmap", admin).send();
                })
                .compose(overlay -> {
                    ctx.verify(() -> {
                        assertEquals(200, overlay.statusCode());
                        Mat picture = png(overlay);
                        assertEquals(3, picture.channels());
                        assertEquals(size, picture.cols());
                        picture.release();
                    });
                    return server.request(HttpMethod.POST, "/MRI/" + id[0] + "/classify", admin).send();
                })
                .compose(classified -> {
                    ctx.verify(() -> assertEquals(200, classified.statusCode(), classified.bodyAsString()));
                    return server.request(HttpMethod.GET, "/MRI/" + id[0] + "/heatmap?raw=true", admin).send();
                })
                .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
                    assertEquals(200, again.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("another hospital's row answers 404 as a missing one does; no token 401; raw=maybe 400")
    void accessControl(VertxTestContext ctx) {
        Mat drawn = DrawnImages.brainWithBlob(200, true, 80, 90);
        byte[] image = DrawnImages.png(drawn);
        drawn.release();
        String[] id = new String[1];
        server.uploaded(admin, image, "Elsewhere")
                .compose(row -> {
                    id[0] = row.getString("id");
                    return server.createUser(admin, "heat-doctor", "Heat Clinic", "doctor");
                })
                .compose(user -> server.tokenOf("heat-doctor"))
                .compose(doctor -> server.request(HttpMethod.GET, "/MRI/" + id[0] + "/heatmap", doctor).send()
                        .compose(other -> {
                            ctx.verify(() -> assertEquals(404, other.statusCode(), other.bodyAsString()));
                            return server.request(HttpMethod.GET, "/MRI/00000000-0000-4000-8000-000000000000/heatmap", doctor).send();
                        }))
                .compose(missing -> {
                    ctx.verify(() -> {
                        assertEquals(404, missing.statusCode());
                        assertEquals("application/problem+json", missing.getHeader("Content-Type"));
                    });
                    return server.client.get("/MRI/" + id[0] + "/heatmap").send();
                })
                .compose(anonymous -> {
                    ctx.verify(() -> assertEquals(401, anonymous.statusCode()));
                    return server.request(HttpMethod.GET, "/MRI/" + id[0] + "/heatmap?raw=maybe", admin).send();
                })
                .onComplete(ctx.succeeding(bad -> ctx.verify(() -> {
                    assertEquals(400, bad.statusCode(), bad.bodyAsString());
                    ctx.completeNow();
                })));
    }

    private static byte[] drawn(int size, double x, double y) {
        Mat drawn = DrawnImages.brainWithBlob(size, true, x, y);
        byte[] image = DrawnImages.png(drawn);
        drawn.release();
        return image;
    }

    private static Future<String> heatmapModel(String id) {
        return server.request(HttpMethod.GET, "/MRI/" + id + "/heatmap?raw=true", admin).send().map(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("heat map answered " + r.statusCode() + " " + r.bodyAsString());
            }
            return r.getHeader("X-Model-Version");
        });
    }

    @Test
    @DisplayName("the map is drawn on the model that classified the row while that model is loaded, otherwise on the active one")
    void drawnOnTheClassifyingModel(VertxTestContext ctx) {
        String shipped = ModelBundles.shippedVersion();
        String other = "heat-other";
        String[] first = new String[1];
        String[] second = new String[1];
        server.uploaded(admin, drawn(240, 100, 150), "Heat Models")
                .compose(row -> {
                    first[0] = row.getString("id");
                    ctx.verify(() -> assertEquals(shipped, row.getString("model_version")));
                    return heatmapModel(first[0]);
                })
                .compose(version -> {
                    ctx.verify(() -> assertEquals(shipped, version, "classified by the active model: drawn on it"));
                    return server.client.post("/models").bearerTokenAuthentication(admin).sendMultipartForm(MultipartForm.create()
                            .binaryFileUpload("bundle", "bundle.zip", Buffer.buffer(ModelBundles.zip(ModelBundles.copyWithVersion(other))),
                                    "application/zip"));
                })
                .compose(registered -> {
                    ctx.verify(() -> assertEquals(201, registered.statusCode(), registered.bodyAsString()));
                    // classified by a named version, which is closed again once it answered (it is not the active one)
                    return server.request(HttpMethod.POST, "/MRI/" + first[0] + "/classify?model_version=" + other, admin).send();
                })
                .compose(classified -> {
                    ctx.verify(() -> {
                        assertEquals(200, classified.statusCode(), classified.bodyAsString());
                        assertEquals(other, classified.bodyAsJsonObject().getString("model_version"));
                    });
                    return heatmapModel(first[0]);
                })
                .compose(version -> {
                    ctx.verify(() -> assertEquals(shipped, version, "the classifying model is not loaded: the active one draws"));
                    return server.uploaded(admin, drawn(240, 150, 100), "Heat Models");
                })
                .compose(row -> {
                    second[0] = row.getString("id");
                    return server.client.post("/models/" + other + "/activate").bearerTokenAuthentication(admin).send();
                })
                .compose(activated -> {
                    ctx.verify(() -> assertEquals(200, activated.statusCode(), activated.bodyAsString()));
                    return heatmapModel(first[0]);
                })
                .compose(version -> {
                    ctx.verify(() -> assertEquals(other, version, "its classifying model is loaded again (active): it draws"));
                    return heatmapModel(second[0]);
                })
                .compose(version -> {
                    ctx.verify(() -> assertEquals(other, version, "classified by the model no longer loaded: the active one draws"));
                    // back to the shipped model for the other tests of this class
                    return server.client.post("/models/" + shipped + "/activate").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(back -> ctx.verify(() -> {
                    assertEquals(200, back.statusCode(), back.bodyAsString());
                    ctx.completeNow();
                })));
    }
}
