package org.mriclassifier.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code " rid=<request id>"} when the event carries one in its MDC, nothing otherwise: what the pattern's
 * {@code %replace( rid=%X{request_id}){" rid=$", ""}} wrote, without a regular expression on every line (the access
 * log writes one line per request). The id is one the server made or checked (letters, digits, . _ -).
 */
public final class RequestIdConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        String id = event.getMDCPropertyMap().get("request_id");
        return id == null || id.isEmpty() ? "" : " rid=" + id;
    }
}
