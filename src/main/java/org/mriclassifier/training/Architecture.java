package org.mriclassifier.training;

import java.util.List;
import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A network, by name: turns a batch of images (NHWC) into one tumor logit per image, and exposes its embedding. */
public interface Architecture {

    String name();

    /** One line for model.json and the docs. */
    String description();

    /** Base filter count when none is given (the first convolution's width). */
    int defaultFilters();

    /** Input side when none is given. */
    int defaultInputSize();

    /** Input channels when none are given. */
    int defaultChannels();

    /** Smallest input side the layer stack can take. */
    int minimumInputSize();

    /** The network: logits of shape [batch, 1], the embedding before the classifier and the last feature map. */
    Network build(NetworkLayers layers, Operand<TFloat32> images, int filters);

    static List<Architecture> all() {
        return List.of(new SeedArchitecture(), new BatchNormCnnArchitecture(), new LiteArchitecture());
    }

    static Architecture byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return all().stream().filter(a -> a.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown architecture '" + name + "'; known: "
                        + all().stream().map(Architecture::name).toList()));
    }
}
