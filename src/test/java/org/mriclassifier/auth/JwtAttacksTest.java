package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestServer;

/** RFC 8725's attacks on JWTs, each against a protected route: all of them answer 401. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Forged, altered, expired and revoked tokens are refused with 401")
class JwtAttacksTest {

    static final byte[] KEY = new byte[48];
    static TestServer server;
    static String admin;
    static JsonObject adminClaims;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        new SecureRandom().nextBytes(KEY);
        JsonObject config = TestServer.config(TestServer.tempDir(), SharedPostgres.newDatabase(),
                new JsonObject().put("jwt", new JsonObject().put("key", Base64.getEncoder().encodeToString(KEY))));
        TestServer.startConfigured(vertx, config)
                .compose(s -> {
                    server = s;
                    return s.adminToken();
                })
                .onSuccess(token -> {
                    admin = token;
                    adminClaims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                            StandardCharsets.UTF_8));
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sign(JsonObject header, JsonObject claims, String macAlgorithm, byte[] key) {
        String input = b64(header.encode()) + "." + b64(claims.encode());
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(key, macAlgorithm));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject hs256() {
        return new JsonObject().put("alg", "HS256").put("typ", "JWT");
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Test
    @DisplayName("the genuine token works, so every refusal below is about the attack")
    void genuineTokenWorks(VertxTestContext ctx) {
        server.client.get("/users/admin").bearerTokenAuthentication(admin).send()
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode());
                    ctx.completeNow();
                })));
        // a token the test signs itself with the right key and claims is accepted too
    }

    @Test
    @DisplayName("alg none, other algorithms, other keys, missing exp, expired, wrong iss/aud, tampered claims, kid tricks")
    void attacks(VertxTestContext ctx) {
        byte[] otherKey = new byte[48];
        new SecureRandom().nextBytes(otherKey);
        JsonObject claims = adminClaims.copy().put("iat", now()).put("exp", now() + 600);
        String[] parts = admin.split("\\.");
        String tamperedPayload = b64(adminClaims.copy().put("role", "admin").put("hospital", "elsewhere").encode());
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("self-signed control (must work)", sign(hs256(), claims, "HmacSHA256", KEY));
        tokens.put("alg none, two segments", b64("{\"alg\":\"none\"}") + "." + b64(claims.encode()));
        tokens.put("alg none, empty signature", b64("{\"alg\":\"none\"}") + "." + b64(claims.encode()) + ".");
        tokens.put("alg none with a signature", b64("{\"alg\":\"none\"}") + "." + b64(claims.encode()) + "." + parts[2]);
        tokens.put("HS512 with the right key", sign(new JsonObject().put("alg", "HS512"), claims, "HmacSHA512", KEY));
        tokens.put("HS256 with another key", sign(hs256(), claims, "HmacSHA256", otherKey));
        tokens.put("RS256 header, HMAC signature", sign(new JsonObject().put("alg", "RS256"), claims, "HmacSHA256", KEY));
        tokens.put("no exp", sign(hs256(), without(claims, "exp"), "HmacSHA256", KEY));
        tokens.put("exp null", sign(hs256(), claims.copy().put("exp", (Object) null), "HmacSHA256", KEY));
        tokens.put("exp as text", sign(hs256(), claims.copy().put("exp", "9999999999"), "HmacSHA256", KEY));
        tokens.put("expired", sign(hs256(), claims.copy().put("exp", now() - 60), "HmacSHA256", KEY));
        tokens.put("not yet valid", sign(hs256(), claims.copy().put("nbf", now() + 600), "HmacSHA256", KEY));
        tokens.put("wrong issuer", sign(hs256(), claims.copy().put("iss", "someone-else"), "HmacSHA256", KEY));
        tokens.put("wrong audience", sign(hs256(), claims.copy().put("aud", "other-api"), "HmacSHA256", KEY));
        tokens.put("no sub", sign(hs256(), without(claims, "sub"), "HmacSHA256", KEY));
        tokens.put("no ver", sign(hs256(), without(claims, "ver"), "HmacSHA256", KEY));
        tokens.put("old ver", sign(hs256(), claims.copy().put("ver", claims.getInteger("ver") - 1), "HmacSHA256", KEY));
        tokens.put("ver as text", sign(hs256(), claims.copy().put("ver", "1"), "HmacSHA256", KEY));
        tokens.put("unknown sub", sign(hs256(), claims.copy().put("sub", "00000000-0000-0000-0000-000000000000"),
                "HmacSHA256", KEY));
        tokens.put("sub not a uuid", sign(hs256(), claims.copy().put("sub", "' OR 1=1--"), "HmacSHA256", KEY));
        tokens.put("tampered claims, original signature", parts[0] + "." + tamperedPayload + "." + parts[2]);
        tokens.put("kid path traversal", sign(hs256().put("kid", "../../../../dev/null"), claims, "HmacSHA256", KEY));
        tokens.put("kid SQL injection", sign(hs256().put("kid", "' OR 1=1--"), claims, "HmacSHA256", KEY));
        tokens.put("jku pointing elsewhere", sign(hs256().put("jku", "http://169.254.169.254/keys"), claims,
                "HmacSHA256", otherKey));
        tokens.put("garbage", "not-a-token");
        tokens.put("four segments", admin + ".extra");
        tokens.put("bad characters", admin.replace('.', '!'));

        List<String> wrong = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (Map.Entry<String, String> attack : tokens.entrySet()) {
            int expected = attack.getKey().startsWith("self-signed") ? 200 : 401;
            chain = chain.compose(v -> server.client.get("/users/admin").bearerTokenAuthentication(attack.getValue())
                    .send().map(r -> {
                        if (r.statusCode() != expected) {
                            wrong.add(attack.getKey() + ": " + r.statusCode() + " " + r.bodyAsString());
                        }
                        return null;
                    }));
        }
        chain.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertTrue(wrong.isEmpty(), String.join("\n", wrong));
            ctx.completeNow();
        })));
    }

    static JsonObject without(JsonObject claims, String key) {
        JsonObject copy = claims.copy();
        copy.remove(key);
        return copy;
    }

    @Test
    @DisplayName("a token stops working when its user changes password, changes role or is deleted")
    void revocation(VertxTestContext ctx) {
        List<String> wrong = new ArrayList<>();
        String[] tokenHolder = new String[1];
        server.createUser(admin, "rev-pw", "R", "doctor")
                .compose(u -> server.tokenOf("rev-pw"))
                .compose(t -> {
                    tokenHolder[0] = t;
                    return server.client.get("/users/rev-pw").bearerTokenAuthentication(t).send();
                })
                .compose(before -> {
                    expect(wrong, "before the change", before.statusCode(), 200);
                    return server.client.patch("/users/rev-pw").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_password", "a-brand-new-password"));
                })
                .compose(r -> server.client.get("/users/rev-pw").bearerTokenAuthentication(tokenHolder[0]).send())
                .compose(after -> {
                    expect(wrong, "after a password change", after.statusCode(), 401);
                    return server.createUser(admin, "rev-role", "R", "doctor");
                })
                .compose(u -> server.tokenOf("rev-role"))
                .compose(t -> {
                    tokenHolder[0] = t;
                    return server.client.patch("/users/rev-role").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_role", "technician"));
                })
                .compose(r -> server.client.get("/users/rev-role").bearerTokenAuthentication(tokenHolder[0]).send())
                .compose(after -> {
                    expect(wrong, "after a role change", after.statusCode(), 401);
                    return server.createUser(admin, "rev-del", "R", "doctor");
                })
                .compose(u -> server.tokenOf("rev-del"))
                .compose(t -> {
                    tokenHolder[0] = t;
                    return server.client.get("/users").bearerTokenAuthentication(t).send();
                })
                .compose(before -> {
                    expect(wrong, "before deletion", before.statusCode(), 200);
                    return server.client.delete("/users/rev-del").bearerTokenAuthentication(admin).send();
                })
                .compose(r -> server.client.get("/users").bearerTokenAuthentication(tokenHolder[0]).send())
                .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
                    expect(wrong, "after deletion", after.statusCode(), 401);
                    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a token carries exp within the configured lifetime, iss and aud")
    void issuedTokenClaims() {
        long lifetime = adminClaims.getLong("exp") - adminClaims.getLong("iat");
        assertTrue(lifetime > 0 && lifetime <= 15 * 60, "lifetime " + lifetime);
        assertEquals("mri-classifier", adminClaims.getString("iss"));
        assertEquals("mri-classifier-api", adminClaims.getValue("aud") instanceof String s ? s
                : adminClaims.getJsonArray("aud").getString(0));
    }

    static void expect(List<String> wrong, String what, int actual, int expected) {
        if (actual != expected) {
            wrong.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
