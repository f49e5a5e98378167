package org.mriclassifier.inference;

/**
 * A loaded model as serving holds it: its classifier and the number of classifications that hold it now (leases).
 * A classification takes a lease before its preprocessing and gives it back once the model answered, so every
 * step of one classification uses one model, and a model that stopped being active is closed only after the
 * last classification holding it is done. Lease counting is guarded by {@link ServingModels}' lock.
 */
public final class ServedModel {

    private final Classifier classifier;
    private int leases;

    public ServedModel(Classifier classifier) {
        this.classifier = classifier;
    }

    public Classifier classifier() {
        return classifier;
    }

    public ModelDescriptor descriptor() {
        return classifier.descriptor();
    }

    public String version() {
        return classifier.descriptor().version();
    }

    void acquire() {
        leases++;
    }

    /** @return the leases left */
    int release() {
        if (leases == 0) {
            throw new IllegalStateException("model " + version() + " released more often than leased");
        }
        return --leases;
    }

    int leases() {
        return leases;
    }
}
