package org.mriclassifier.training;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The binary label, read from folder names as the data sets' README defines them. */
public enum Label {
    HEALTHY(0),
    TUMOR(1);

    private static final Set<String> TUMOR_FOLDERS = Set.of("yes", "tumor", "glioma", "meningioma", "pituitary");
    private static final Set<String> HEALTHY_FOLDERS = Set.of("no", "healthy", "notumor", "no_tumor");

    private final int value;

    Label(int value) {
        this.value = value;
    }

    /** 1 for tumor (the positive class), 0 for healthy. */
    public int value() {
        return value;
    }

    public static Optional<Label> fromFolderName(String folder) {
        String name = folder.toLowerCase(Locale.ROOT);
        if (TUMOR_FOLDERS.contains(name)) {
            return Optional.of(TUMOR);
        }
        if (HEALTHY_FOLDERS.contains(name)) {
            return Optional.of(HEALTHY);
        }
        return Optional.empty();
    }
}
