package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The bearer token shape check on any Authorization header: a header that claims the bearer scheme passes only
 * as {@code Bearer <header.claims.signature>}, the one form the JWT handler reads (everything else would reach
 * it and be answered 400 instead of 401), a header that is no {@code <scheme> <credentials>} at all is refused
 * too (the JWT handler would answer it 400); a header of another scheme, or none, is left to the routes.
 */
class BearerFormatFuzzTest {

    private static final Pattern JWT_SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    @FuzzTest(maxDuration = "6s")
    void onlyWellFormedBearerHeadersPass(byte[] bytes) {
        String header = bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
        boolean refused = BearerFormat.malformed(header);
        if (header == null) {
            assertTrue(!refused, "no header (here: no bytes) is no malformed bearer: the routes answer 401 themselves");
            return;
        }
        boolean claimsBearer = header.regionMatches(true, 0, "bearer", 0, 6);
        if (header.indexOf(' ') <= 0) {
            assertTrue(refused, () -> "a header without <scheme> <credentials> passed (the JWT handler answers it 400): " + header);
            return;
        }
        if (!claimsBearer) {
            assertTrue(!refused, () -> "a header of another scheme is refused as a malformed bearer: " + header);
            return;
        }
        // the JWT handler splits the header at its first space: "Bearer" before it, the token after it
        boolean wellFormed = header.length() > 7 && header.charAt(6) == ' '
                && JWT_SHAPE.matcher(header.substring(7).trim()).matches();
        assertTrue(refused != wellFormed, () -> (refused ? "refused" : "passed") + " the bearer header [" + header + "]");
    }
}
