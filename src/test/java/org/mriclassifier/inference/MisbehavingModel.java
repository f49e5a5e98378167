package org.mriclassifier.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.mriclassifier.vision.PreprocessSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** A valid model folder whose network outputs twice the mean pixel: a "probability" that can exceed 1 or be NaN. */
final class MisbehavingModel {

    private MisbehavingModel() {
    }

    static Path write(Path dir) throws IOException {
        PreprocessSpec spec = PreprocessSpec.original().withOutputSize(4).withChannels(1);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4, 4, 1)));
            Operand<TFloat32> doubled = tf.math.mul(tf.math.mean(image, tf.array(1, 2, 3)), tf.constant(2f));
            Operand<TFloat32> output = tf.withName("probability").reshape(doubled, tf.array(-1, 1));
            try (Session session = new Session(graph)) {
                Files.createDirectories(dir);
                SavedModelBundle.exporter(dir.toString()).withSession(session)
                        .withSignature(Signature.builder().key("serving_default").input("image", image).output("probability", output).build())
                        .export();
            }
        }
        ModelDescriptors.write(dir, new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, "doubling", "1", "test", "2 x mean pixel",
                spec, 0.5, "serving_default", new ModelDescriptor.TensorSpec("image", List.of(-1L, 4L, 4L, 1L)),
                new ModelDescriptor.TensorSpec("probability", List.of(-1L, 1L)), null, Map.of(), null, Instant.now().toString()));
        return dir;
    }
}
