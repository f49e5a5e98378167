package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The strict token shape check that runs before the JWT library sees a token, on any text: it answers yes or
 * no, never throws; a yes means three segments whose header is exactly {@code {"alg":"HS256"}} (optionally with
 * {@code "typ":"JWT"}) and whose time claims are numbers.
 */
class TokenShapeFuzzTest {

    @FuzzTest(maxDuration = "6s")
    void onlyTokensShapedLikeOursPass(byte[] bytes) {
        String token = new String(bytes, StandardCharsets.UTF_8);
        if (!TokenAuth.shapedLikeOurs(token)) {
            return;
        }
        String[] parts = token.split("\\.", -1);
        assertEquals(3, parts.length);
        JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
        assertEquals("HS256", header.getValue("alg"));
        assertTrue(header.size() == 1 || (header.size() == 2 && "JWT".equals(header.getValue("typ"))), () -> "header " + header);
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        for (String time : new String[] {"exp", "iat", "nbf"}) {
            assertTrue(!claims.containsKey(time) || claims.getValue(time) instanceof Number, () -> "claims " + claims);
        }
    }
}
