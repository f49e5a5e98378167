package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import org.mriclassifier.vision.Sha256;

/** Issue 12 item 9: patient data in image metadata is never stored, nor served back. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Uploads are stored without their metadata, with the same pixels")
class MriMetadataTest {

    static final byte[] PATIENT = TestImages.PATIENT.getBytes(StandardCharsets.ISO_8859_1);
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
    @DisplayName("a JPEG with the patient in EXIF ImageDescription, GPS, XMP and a comment comes back without them, same pixels, hash of what is served")
    void jpegExifIsStripped(VertxTestContext ctx) {
        byte[] original = TestImages.jpegWithPatientMetadata(9001);
        server.upload(admin, original, "image/jpeg", "female", TestServer.ADMIN_HOSPITAL, null)
                .compose(created -> readBack(ctx, created.statusCode(), created.bodyAsString()))
                .onComplete(ctx.succeeding(pair -> ctx.verify(() -> {
                    checkStripped(original, pair);
                    assertFalse(TestImages.contains(pair.served(), "Exif\0\0".getBytes(StandardCharsets.US_ASCII)));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a PNG with the patient in tEXt, iTXt and zTXt, plus eXIf and tIME, sent as JSON, comes back without those chunks, same pixels")
    void pngTextIsStripped(VertxTestContext ctx) {
        byte[] original = TestImages.pngWithPatientMetadata(9002);
        JsonObject body = new JsonObject().put("image", Base64.getEncoder().encodeToString(original))
                .put("gender", "male").put("hospital", TestServer.ADMIN_HOSPITAL);
        server.client.post("/MRI").bearerTokenAuthentication(admin).sendJsonObject(body)
                .compose(created -> readBack(ctx, created.statusCode(), created.bodyAsString()))
                .onComplete(ctx.succeeding(pair -> ctx.verify(() -> {
                    checkStripped(original, pair);
                    for (String chunk : new String[] {"tEXt", "iTXt", "zTXt", "eXIf", "tIME"}) {
                        assertFalse(TestImages.contains(pair.served(), chunk.getBytes(StandardCharsets.US_ASCII)), chunk);
                    }
                    ctx.completeNow();
                })));
    }

    record Stored(JsonObject row, byte[] served) {
    }

    private static Future<Stored> readBack(VertxTestContext ctx, int status, String body) {
        ctx.verify(() -> assertEquals(201, status, body));
        JsonObject row = new JsonObject(body);
        return server.client.get(row.getString("image_url")).bearerTokenAuthentication(admin).send()
                .map(image -> {
                    ctx.verify(() -> assertEquals(200, image.statusCode()));
                    return new Stored(row, image.body().getBytes());
                });
    }

    private static void checkStripped(byte[] original, Stored stored) {
        assertTrue(TestImages.contains(original, PATIENT));
        assertFalse(TestImages.contains(stored.served(), PATIENT), "the patient's particulars are served back");
        assertArrayEquals(TestImages.decodedPixels(original), TestImages.decodedPixels(stored.served()), "pixels changed");
        assertEquals(Sha256.hex(stored.served()), stored.row().getString("image_sha256"), "the hash is of the stored bytes");
        assertEquals(stored.served().length, stored.row().getInteger("size_bytes"));
        byte[] inDatabase = SharedPostgres.query(server.dbUri, c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT bytes FROM mri_image WHERE mri_id = ?::uuid")) {
                select.setString(1, stored.row().getString("id"));
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
        assertFalse(TestImages.contains(inDatabase, PATIENT), "the original bytes are kept in the database");
    }
}
