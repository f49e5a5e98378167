package org.mriclassifier.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lists the labelled JPEG/PNG files under data set roots, in a stable order (root, then path). */
public final class DatasetScanner {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetScanner.class);

    private DatasetScanner() {
    }

    public static List<ImageFile> scan(List<Path> roots) {
        List<ImageFile> files = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("data folder not found: " + root);
            }
            int before = files.size();
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile)
                        .filter(DatasetScanner::isImageName)
                        .sorted(Comparator.comparing(Path::toString))
                        .forEach(file -> labelOf(root, file).ifPresentOrElse(
                                label -> files.add(new ImageFile(file, root.toString(), label)),
                                () -> LOG.warn("Skipping {}: no labelled folder between it and {}", file, root)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + root, e);
            }
            LOG.info("Found {} labelled images under {}", files.size() - before, root);
        }
        return files;
    }

    static boolean isImageName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }

    /** The nearest folder (walking up from the file to the root, root included) whose name is a label. */
    static Optional<Label> labelOf(Path root, Path file) {
        for (Path dir = file.getParent(); dir != null; dir = dir.getParent()) {
            Optional<Label> label = dir.getFileName() == null ? Optional.empty() : Label.fromFolderName(dir.getFileName().toString());
            if (label.isPresent() || dir.equals(root)) {
                return label;
            }
        }
        return Optional.empty();
    }
}
