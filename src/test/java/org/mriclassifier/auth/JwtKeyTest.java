package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.Server;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@DisplayName("The token signing key: strong or nothing")
class JwtKeyTest {

    @Test
    @DisplayName("keys under 256 bits, or repeating a short pattern, are refused; 32 random bytes are enough")
    void strength() {
        assertThrows(JwtKey.WeakKeyException.class, () -> JwtKey.resolve("secret", Path.of("unused")));
        assertThrows(JwtKey.WeakKeyException.class, () -> JwtKey.resolve("a".repeat(64), Path.of("unused")));
        assertThrows(JwtKey.WeakKeyException.class, () -> JwtKey.resolve("abcd".repeat(16), Path.of("unused")));
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        assertArrayEquals(random, JwtKey.resolve(Base64.getEncoder().encodeToString(random), Path.of("unused")));
    }

    @Test
    @DisplayName("without a configured key one is generated, kept in the data directory and reused")
    void generatedAndKept() {
        Path dir = TestServer.tempDir();
        byte[] first = JwtKey.resolve("", dir);
        assertEquals(64, first.length);
        assertArrayEquals(first, JwtKey.resolve(null, dir));
    }

    @Test
    @DisplayName("a weak configured key stops start-up with a message that says so")
    void weakKeyStopsStartUp(Vertx vertx, VertxTestContext ctx) {
        JsonObject config = TestServer.config(TestServer.tempDir(), SharedPostgres.newDatabase(),
                new JsonObject().put("jwt", new JsonObject().put("key", "changeme")));
        Server.start(vertx, config).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertTrue(e.getMessage().contains("too weak"), e.getMessage());
            ctx.completeNow();
        })));
    }
}
