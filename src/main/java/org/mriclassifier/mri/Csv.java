package org.mriclassifier.mri;

/** RFC 4180 fields, safe to open in a spreadsheet. */
final class Csv {

    private Csv() {
    }

    /**
     * Quoted when it holds a comma, a quote or a line break; a text value that a spreadsheet would run as a
     * formula (=, +, -, @, tab, CR first: hospital names are free text) is prefixed with an apostrophe.
     */
    static String field(String value, boolean text) {
        String safe = text && !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        boolean quote = safe.indexOf(',') >= 0 || safe.indexOf('"') >= 0 || safe.indexOf('\n') >= 0 || safe.indexOf('\r') >= 0;
        return quote ? '"' + safe.replace("\"", "\"\"") + '"' : safe;
    }
}
