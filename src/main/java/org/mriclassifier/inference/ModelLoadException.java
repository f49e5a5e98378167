package org.mriclassifier.inference;

/** A model folder that cannot be served: missing files, an invalid model.json, or a SavedModel that does not match it. */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }

    public ModelLoadException(String message) {
        super(message);
    }
}
