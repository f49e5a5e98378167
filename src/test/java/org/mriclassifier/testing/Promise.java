package org.mriclassifier.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.mriclassifier.bus.ServiceException;

/**
 * What every parser of untrusted bytes promises, in the words of ../shared/SECURITY.md: a clear refusal (a 4xx
 * that says what was wrong, with no class names or stack traces) or a valid result; never anything else. The
 * fuzz targets use these checks so that each states the same promise the same way.
 */
public final class Promise {

    /** What a body must never show a client: Java class names, library packages, stack frames. */
    private static final Pattern LEAK = Pattern.compile("(java|javax|io\\.vertx|io\\.netty|com\\.fasterxml|org\\.opencv|org\\.postgresql)\\.[a-z]"
            + "|Exception|\\bat [a-z]+\\.[a-zA-Z.]+\\(|cv::|SQLSTATE");

    private Promise() {
    }

    /**
     * A refusal a client can act on: a 4xx (never a 5xx for bad input) with a message that leaks nothing.
     *
     * @param input what the client sent, as text: a message may quote it (a field name), so what looks like a
     *              leak but was in the input is the client's own text, not ours
     */
    public static void clearRefusal(ServiceException refusal, String input) {
        assertTrue(refusal.status() >= 400 && refusal.status() < 500,
                () -> "bad input must be refused with a 4xx, got " + refusal.status() + ": " + refusal.getMessage());
        clearMessage(refusal.getMessage(), input);
    }

    /** A refusal message: present, a sentence long, free of implementation details. */
    public static void clearMessage(String message, String input) {
        assertNotNull(message, "a refusal says what was wrong");
        assertFalse(message.isBlank(), "a refusal says what was wrong");
        assertTrue(message.length() < 1_000, () -> "a refusal is a sentence, not a dump: " + message.length() + " chars");
        var leak = LEAK.matcher(message);
        while (leak.find()) {
            String found = leak.group();
            assertTrue(input != null && input.contains(found), () -> "a refusal leaks implementation details: " + message);
        }
    }
}
