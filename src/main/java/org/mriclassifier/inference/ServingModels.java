package org.mriclassifier.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The models loaded in this process and which one is active, shared by the MRI service, the batcher and the
 * registry (one instance per server; every method is thread-safe). Switching the active model is one assignment
 * under the lock: a classification that took its lease before it finishes on the old model, every later one gets
 * the new one, and the old one is closed when its last lease comes back. A model that is not active (one that a
 * re-classification named) stays loaded only while it is leased.
 */
public final class ServingModels implements AutoCloseable {

    private final Map<String, ServedModel> loaded = new HashMap<>();
    private final Consumer<Runnable> closer;
    private ServedModel active;
    private boolean closed;

    /**
     * @param first  the model served first
     * @param closer runs a model's close off the caller's thread (a worker); closing a session can take a while
     */
    public ServingModels(Classifier first, Consumer<Runnable> closer) {
        this.active = new ServedModel(first);
        this.closer = closer;
        loaded.put(active.version(), active);
    }

    /** A lease on the active model; give it back with {@link #release}. */
    public synchronized ServedModel acquireActive() {
        active.acquire();
        return active;
    }

    /** A lease on this version if it is loaded now. */
    public synchronized Optional<ServedModel> acquire(String version) {
        ServedModel model = loaded.get(version);
        if (model == null) {
            return Optional.empty();
        }
        model.acquire();
        return Optional.of(model);
    }

    /**
     * Adds a freshly loaded classifier and leases it. When another caller loaded the same version meanwhile, that
     * one is leased instead and this one is closed.
     */
    public ServedModel addAndAcquire(Classifier classifier) {
        ServedModel model;
        boolean duplicate;
        synchronized (this) {
            ServedModel existing = loaded.get(classifier.descriptor().version());
            duplicate = existing != null;
            model = duplicate ? existing : new ServedModel(classifier);
            if (!duplicate) {
                loaded.put(model.version(), model);
            }
            model.acquire();
        }
        if (duplicate) {
            closer.accept(classifier::close);
        }
        return model;
    }

    public void release(ServedModel model) {
        boolean close;
        synchronized (this) {
            // after close() every model is closed already: a lease coming back late must not close one twice
            close = model.release() == 0 && model != active && !closed;
            if (close) {
                loaded.remove(model.version(), model);
            }
        }
        if (close) {
            closer.accept(model.classifier()::close);
        }
    }

    /**
     * Makes a leased model the active one and gives the lease back. The previous active model is closed once its
     * last lease is back (at once when it has none).
     *
     * @return the version that was active
     */
    public String activate(ServedModel model) {
        ServedModel previous;
        boolean closePrevious;
        synchronized (this) {
            previous = active;
            active = model;
            closePrevious = previous != model && previous.leases() == 0 && !closed;
            if (closePrevious) {
                loaded.remove(previous.version(), previous);
            }
        }
        if (closePrevious) {
            closer.accept(previous.classifier()::close);
        }
        release(model);
        return previous.version();
    }

    public synchronized ModelDescriptor activeDescriptor() {
        return active.descriptor();
    }

    /** Versions loaded now (the active one and any still leased), for tests and status. */
    public synchronized List<String> loadedVersions() {
        return new ArrayList<>(loaded.keySet());
    }

    /** Closes every loaded model, leased or not: the server is stopping. */
    @Override
    public void close() {
        List<ServedModel> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(loaded.values());
            loaded.clear();
        }
        all.forEach(m -> m.classifier().close());
    }
}
