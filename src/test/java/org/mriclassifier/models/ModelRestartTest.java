package org.mriclassifier.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/** Its own class: a second server on the Vert.x instance of another test class would share its event bus. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
@DisplayName("The active model survives a restart")
class ModelRestartTest {

    @Test
    @DisplayName("the active version is kept in the database: after a restart the server serves the model last activated")
    void restartServesTheActivatedModel(Vertx vertx, VertxTestContext ctx) {
        String version = "kept-" + UUID.randomUUID().toString().substring(0, 8);
        TestServer[] own = new TestServer[1];
        // the embedded PostgreSQL, as `serve` runs by default: the service role's rights on the registry tables too
        TestServer.startConfigured(vertx, TestServer.config(TestServer.tempDir(), "", new JsonObject()))
                .compose(s -> {
                    own[0] = s;
                    return s.adminToken();
                })
                .compose(token -> {
                    return ModelRegistryTest.registered(own[0], token, version).compose(e -> ModelRegistryTest.activate(own[0], token, version));
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
                    return own[0].stop();
                })
                .compose(v -> TestServer.startConfigured(vertx, own[0].config))
                .compose(restarted -> {
                    own[0] = restarted;
                    return restarted.adminToken();
                })
                .compose(token -> ModelRegistryTest.models(own[0], token).compose(items -> {
                    ctx.verify(() -> assertEquals(version, ModelRegistryTest.active(items)));
                    return own[0].uploaded(token, TestImages.png(141_001), TestServer.ADMIN_HOSPITAL);
                }))
                .compose(row -> {
                    ctx.verify(() -> assertEquals(version, row.getString("model_version")));
                    return own[0].stop();
                })
                .onComplete(ctx.succeedingThenComplete());
    }

}
