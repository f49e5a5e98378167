package org.mriclassifier.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelDescriptors;
import org.mriclassifier.vision.PreprocessSpec;

/**
 * A model folder as {@code train} writes it, read as the starting point of fine-tuning: the recipe that fixes the
 * graph's shape (architecture, filters, input size, channels, standardisation, preprocessing) from its model.json,
 * and the checkpoint prefix of its SavedModel's variables, which {@link TrainedModel} restores into a freshly built
 * training graph of the same recipe (same variable names, so the restore matches them one to one).
 *
 * @param dir             the model folder
 * @param descriptor      its model.json
 * @param architecture    its architecture
 * @param spec            its preprocessing, exactly (the fine-tuned model must see what the source saw)
 * @param filters         its base filter count
 * @param standardize     whether its graph standardises each image
 * @param learningRate    the learning rate it was trained at (fine-tuning's default is a tenth of it)
 */
public record FineTuneSource(Path dir, ModelDescriptor descriptor, Architecture architecture, PreprocessSpec spec, int filters,
                             boolean standardize, double learningRate) {

    /** Fine-tuning's default learning rate, as a share of the source's. */
    public static final double RATE_FACTOR = 0.1;

    /** The checkpoint prefix of the SavedModel's variables: {@code variables/variables}. */
    public Path variablesPrefix() {
        return dir.resolve("variables").resolve("variables");
    }

    /** @throws IllegalArgumentException when {@code dir} is not a model folder with a trainable recipe in its model.json */
    public static FineTuneSource of(Path dir) {
        if (!Files.isRegularFile(dir.resolve("model.json")) || !Files.isRegularFile(dir.resolve("variables").resolve("variables.index"))) {
            throw new IllegalArgumentException("--fine-tune-from " + dir + ": not a model folder (model.json and variables/ as train writes them)");
        }
        ModelDescriptor descriptor;
        try {
            descriptor = ModelDescriptors.read(dir);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--fine-tune-from " + dir + ": model.json cannot be read: " + e.getMessage());
        }
        Architecture architecture = Architecture.byName(descriptor.architecture());
        Map<String, Object> hyper = descriptor.training() == null ? null : descriptor.training().hyperParameters();
        if (hyper == null || !(hyper.get("filters") instanceof Number filters) || !(hyper.get("learningRate") instanceof Number rate)) {
            throw new IllegalArgumentException("--fine-tune-from " + dir + ": its model.json does not record the filters and learning "
                    + "rate it was trained with, so its graph cannot be rebuilt");
        }
        boolean standardize = Boolean.TRUE.equals(hyper.get("standardize"));
        return new FineTuneSource(dir, descriptor, architecture, descriptor.preprocessing(), filters.intValue(), standardize,
                rate.doubleValue());
    }

    /** What model.json records of the source: folder, name and version. */
    public Map<String, Object> summary() {
        return Map.of("dir", dir.toString(), "name", String.valueOf(descriptor.name()), "version", String.valueOf(descriptor.version()));
    }
}
