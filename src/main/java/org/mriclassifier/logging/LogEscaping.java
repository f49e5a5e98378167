package org.mriclassifier.logging;

/**
 * Control characters in a logged value are written as escapes ({@code \n}, {@code \r}, {@code \t},
 * {@code \u001b} ...), so no value a client sent (a query, a header, a file name inside an exception message) can
 * start a line of its own or drive a terminal: one event stays one line. Used by the converters that
 * {@code logback.xml} puts in place of {@code %msg} and {@code %ex}.
 */
public final class LogEscaping {

    private LogEscaping() {
    }

    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int first = firstToEscape(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static int firstToEscape(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (needsEscape(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
    private static boolean needsEscape(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
