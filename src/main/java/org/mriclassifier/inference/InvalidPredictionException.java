package org.mriclassifier.inference;

/** The network produced something that is not a probability (NaN, or outside [0,1]). */
public class InvalidPredictionException extends RuntimeException {

    public InvalidPredictionException(String message) {
        super(message);
    }
}
