package org.mriclassifier.training;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command that reads labelled folders shares. */
public final class DataOptions {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Labelled image folder (repeatable): yes/no, tumor/healthy, glioma/meningioma/pituitary/notumor.")
    List<Path> dataDirs;

    @Option(names = "--near-duplicate-distance", paramLabel = "BITS", defaultValue = "24",
            description = "Images whose brain-crop difference hashes differ in at most this many of 256 bits are kept "
                    + "on the same side of every split (default: ${DEFAULT-VALUE}; -1 turns grouping off).")
    int nearDuplicateDistance;

    @Option(names = "--keep-duplicates",
            description = "Keep exact duplicates and do not group near-duplicates: the original project's leaky protocol, "
                    + "for reproducing it only; copies of one image can then land on both sides of a split.")
    boolean keepDuplicates;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for image loading and TensorFlow (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** The --data folders; IllegalArgumentException when none was given. */
    public List<Path> dataDirs() {
        if (dataDirs == null || dataDirs.isEmpty()) {
            throw new IllegalArgumentException("--data DIR is required (a labelled image folder; repeatable)");
        }
        return dataDirs;
    }

    /** Whether --data was given (train --from-db reads the database instead). */
    public boolean hasDataDirs() {
        return dataDirs != null && !dataDirs.isEmpty();
    }

    public int nearDuplicateDistance() {
        return nearDuplicateDistance;
    }

    public boolean keepDuplicates() {
        return keepDuplicates;
    }

    public int threads() {
        return threads;
    }
}
