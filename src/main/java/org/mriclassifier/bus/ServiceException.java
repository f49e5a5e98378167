package org.mriclassifier.bus;

import io.vertx.core.json.JsonObject;

/**
 * A failure a service reports to its caller: an HTTP-like status, a message for the client and, for bad
 * input, the field at fault. It crosses the event bus as a reply failure whose code is the status and whose
 * message is this JSON, so callers in other verticles (or other languages) can read it too.
 */
public class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String field;
    private final Long retryAfterSeconds;

    public ServiceException(int status, String detail) {
        this(status, detail, null, null);
    }

    public ServiceException(int status, String detail, String field) {
        this(status, detail, field, null);
    }

    public ServiceException(int status, String detail, String field, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429 or 503 with the number of seconds after which trying again makes sense. */
    public static ServiceException retryLater(int status, String detail, long retryAfterSeconds) {
        return new ServiceException(status, detail, null, retryAfterSeconds);
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return getMessage();
    }

    public String field() {
        return field;
    }

    /**
     * 400 naming the field at fault. The name can be the client's own text (an unknown JSON key, a form field), so
     * a long one is shortened: a refusal says what was wrong, it does not echo a megabyte back (or into the log).
     */
    public static ServiceException badRequest(String field, String detail) {
        String shown = field != null && field.length() > MAX_FIELD_NAME_SHOWN
                ? field.substring(0, MAX_FIELD_NAME_SHOWN) + "..." : field;
        return new ServiceException(400, shown + ": " + detail, shown);
    }

    /** The longest field name a refusal repeats; longer ones are cut there. */
    public static final int MAX_FIELD_NAME_SHOWN = 64;

    public static ServiceException forbidden(String detail) {
        return new ServiceException(403, detail);
    }

    public static ServiceException notFound(String detail) {
        return new ServiceException(404, detail);
    }

    public static ServiceException conflict(String detail, String field) {
        return new ServiceException(409, detail, field);
    }

    public static ServiceException unavailable(String detail) {
        return new ServiceException(503, detail, null, 1L);
    }

    public String toWire() {
        JsonObject json = new JsonObject().put("detail", getMessage());
        if (field != null) {
            json.put("field", field);
        }
        if (retryAfterSeconds != null) {
            json.put("retry_after", retryAfterSeconds);
        }
        return json.encode();
    }

    public static ServiceException fromWire(int status, String wire) {
        try {
            JsonObject json = new JsonObject(wire);
            return new ServiceException(status, json.getString("detail"), json.getString("field"),
                    json.getLong("retry_after"));
        } catch (RuntimeException notJson) {
            return new ServiceException(status, wire);
        }
    }
}
