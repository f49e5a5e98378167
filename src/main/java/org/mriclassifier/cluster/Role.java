package org.mriclassifier.cluster;

import java.util.Locale;

/**
 * What a {@code serve} process runs. {@code all}: everything in one process (the default, and the only role that
 * needs no cluster). {@code api}: HTTP, authentication, users, the MRI data set, models and the audit trail; its
 * classifications run on inference nodes. {@code inference}: the OpenCV and TensorFlow workers, serving api nodes
 * over the clustered event bus.
 */
public enum Role {
    ALL, API, INFERENCE;

    public static Role parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "all" -> ALL;
            case "api" -> API;
            case "inference" -> INFERENCE;
            default -> throw new IllegalArgumentException("role must be all, api or inference, got '" + text + "'");
        };
    }

    /** Runs the HTTP API and the services behind it. */
    public boolean servesApi() {
        return this != INFERENCE;
    }

    /** Runs the OpenCV and TensorFlow workers. */
    public boolean runsInference() {
        return this != API;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
