package org.mriclassifier.db;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import org.mriclassifier.bus.ServiceException;

/**
 * Turns database failures into what a client may be told, by SQLSTATE and exception type, never by message
 * text: unavailability (connection refused or lost, pool saturated, server shutting down) is a 503 to retry
 * later; constraint violations are the caller's business; the rest is a 500 without details.
 */
public final class DbErrors {

    public static final String UNIQUE_VIOLATION = "23505";
    public static final String FOREIGN_KEY_VIOLATION = "23503";
    public static final String SERIALIZATION_FAILURE = "40001";

    private DbErrors() {
    }

    /** A {@link ServiceException} as it is; a database failure classified ({@link #classify}). */
    public static ServiceException asServiceException(Throwable error) {
        if (error instanceof ServiceException se) {
            return se;
        }
        return classify(error);
    }

    public static ServiceException classify(Throwable error) {
        if (error instanceof PgException pg) {
            String state = pg.getSqlState() == null ? "" : pg.getSqlState();
            if (state.startsWith("08") || state.startsWith("57") || state.startsWith("53")
                    || SERIALIZATION_FAILURE.equals(state) || "40P01".equals(state)) {
                return ServiceException.unavailable("the database is busy or unavailable; try again later");
            }
            return new ServiceException(500, "internal error");
        }
        if (isUnavailable(error)) {
            return ServiceException.unavailable("the database is busy or unavailable; try again later");
        }
        return new ServiceException(500, "internal error");
    }

    public static boolean isUniqueViolation(Throwable error, String constraint) {
        return error instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                && constraint.equals(pg.getConstraint());
    }

    static boolean isUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedChannelException
                    || t instanceof ConnectionPoolTooBusyException || t instanceof TimeoutException
                    || t instanceof ClosedConnectionException) {
                return true;
            }
        }
        return false;
    }
}
