package org.mriclassifier.db;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.util.Properties;

/**
 * Where the database is and how to log in: the reactive client's options, and the same target as a JDBC URL
 * for the migration library (which only speaks JDBC and runs once, at start-up, off the event loop).
 */
public record DatabaseTarget(PgConnectOptions connectOptions, String description) {

    /** Parses a libpq-style URI ({@code postgresql://user:secret@host:5432/db?sslmode=verify-full}). */
    public static DatabaseTarget fromUri(String uri) {
        PgConnectOptions options;
        try {
            options = PgConnectOptions.fromUri(uri.startsWith("jdbc:") ? uri.substring(5) : uri);
        } catch (RuntimeException e) {
            // the URI carries a password: never echo it
            throw new IllegalArgumentException("the database URL (MRI_DB_URL) is not a valid postgresql:// URI");
        }
        return new DatabaseTarget(options, options.getUser() + "@" + options.getHost() + ":" + options.getPort()
                + "/" + options.getDatabase());
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
                + connectOptions.getDatabase();
    }

    public Properties jdbcProperties() {
        Properties props = new Properties();
        props.setProperty("user", connectOptions.getUser());
        if (connectOptions.getPassword() != null) {
            props.setProperty("password", connectOptions.getPassword());
        }
        SslMode ssl = connectOptions.getSslMode();
        if (ssl != null && ssl != SslMode.DISABLE) {
            props.setProperty("sslmode", ssl.value);
        }
        props.setProperty("ApplicationName", "mri-classifier-migrations");
        return props;
    }
}
