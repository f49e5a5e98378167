package org.mriclassifier.mri;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.mriclassifier.bus.ServiceException;

/** Parses the date-time filters of the list. */
public final class Times {

    private Times() {
    }

    public static OffsetDateTime parseOrNull(String value, String field) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ServiceException.badRequest(field, "must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z");
        }
    }
}
