package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.mriclassifier.bus.ServiceException;

/**
 * The query string, decoded exactly once. vertx-openapi 5.0.x decodes parameter values a second time (fixed only
 * in 5.1), so {@code q=%2561dmin} reached the service as "admin" and a lone {@code %} ended in a 500. This handler
 * runs before the contract's validation: a malformed escape or bytes that are not UTF-8 answer 400; otherwise the
 * values, decoded once ({@code +} is a space, as in every HTML form), are what the handlers read
 * ({@link Http#query}). The validator still checks types and bounds; a value it decoded differently can only be one
 * that still holds a {@code %} after one decoding, which no integer or enumerated value does.
 */
final class QueryString implements Handler<RoutingContext> {

    static final String DECODED = "mri.query.decoded";

    @Override
    public void handle(RoutingContext ctx) {
        try {
            ctx.put(DECODED, decode(ctx.request().query()));
        } catch (ServiceException malformed) {
            ctx.fail(malformed);
            return;
        }
        ctx.next();
    }

    /** Names and values of {@code raw} (null or empty: none), each percent-decoded once. */
    static MultiMap decode(String raw) {
        MultiMap params = MultiMap.caseInsensitiveMultiMap();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = once(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : once(pair.substring(equals + 1));
            params.add(name, value);
        }
        return params;
    }

    private static String once(String encoded) {
        if (encoded.indexOf('%') < 0 && encoded.indexOf('+') < 0) {
            return encoded;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                int high = i + 1 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
                int low = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    throw malformed("a % in the query string must start an escape of two hex digits (%25 for % itself)");
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw malformed("the query string's escapes are not UTF-8");
        }
    }

    private static ServiceException malformed(String detail) {
        return new ServiceException(400, "the query string is malformed: " + detail);
    }
}
