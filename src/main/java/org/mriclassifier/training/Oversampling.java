package org.mriclassifier.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How many times per epoch each training image is shown, from {@code --oversample} entries. An entry names a
 * {@code --data} folder or a folder inside one (for example {@code ../shared/datasets/brain-mri-253/yes}, one
 * label of one source); an image takes the copies of the most specific entry that contains it, and 1 otherwise.
 */
final class Oversampling {

    private record Entry(Path folder, int copies) {
    }

    private final List<Entry> entries;

    private Oversampling(List<Entry> entries) {
        this.entries = entries;
    }

    /**
     * @throws IllegalArgumentException when an entry is neither a data folder nor an existing folder inside one,
     *                                  or asks for fewer than one copy
     */
    static Oversampling of(Map<String, Integer> requested, List<Path> dataDirs) {
        List<Entry> entries = new ArrayList<>();
        requested.forEach((dir, copies) -> {
            Path folder = Path.of(dir).normalize();
            boolean inData = dataDirs.stream().map(Path::normalize).anyMatch(folder::startsWith);
            if (!inData || !Files.isDirectory(folder) || copies < 1) {
                throw new IllegalArgumentException("--oversample " + dir + "=" + copies
                        + ": DIR must be one of the --data folders " + dataDirs
                        + " or a folder inside one (such as one label's folder), and K at least 1");
            }
            entries.add(new Entry(folder, copies));
        });
        entries.sort(Comparator.comparingInt((Entry e) -> e.folder().getNameCount()).reversed());
        return new Oversampling(List.copyOf(entries));
    }

    int copiesOf(Sample sample) {
        Path file = sample.file().path().normalize();
        for (Entry entry : entries) {
            if (file.startsWith(entry.folder())) {
                return entry.copies();
            }
        }
        return 1;
    }

    /** The fitting side with each image repeated as asked; the augmenter makes every copy differ. */
    List<Sample> apply(List<Sample> fit) {
        if (entries.isEmpty()) {
            return fit;
        }
        List<Sample> repeated = new ArrayList<>(fit.size());
        for (Sample sample : fit) {
            for (int c = copiesOf(sample); c > 0; c--) {
                repeated.add(sample);
            }
        }
        return repeated;
    }
}
