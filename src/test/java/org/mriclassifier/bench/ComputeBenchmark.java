package org.mriclassifier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.vision.ImageHeader;
import org.mriclassifier.vision.OpenCvLoader;
import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.Preprocessor;
import org.mriclassifier.vision.Sha256;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The compute limit of one classification, measured in isolation on one thread (so wall time is CPU time):
 * the upload-side work (header checks, SHA-256, decode, OpenCV preprocessing) per image, and TensorFlow inference
 * per batch of 1, 8 and 32 (TensorFlow confined to one thread). Run by bench/run.sh; BENCHMARKS.md explains.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class ComputeBenchmark {

    @Param({"1", "8", "32"})
    int batch;

    private List<byte[]> images;
    private PreprocessSpec spec;
    private Classifier classifier;
    private float[] batchPixels;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        OpenCvLoader.ensureLoaded();
        Path data = Path.of(System.getProperty("bench.data", "../shared/datasets/brain-mri-253"));
        images = new ArrayList<>();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> f.toString().matches("(?i).*\\.(jpe?g|png)$")).sorted().toList()) {
                images.add(Files.readAllBytes(file));
            }
        }
        classifier = Classifier.load(Path.of(System.getProperty("bench.model", "model/default")), 1, 1);
        spec = classifier.descriptor().preprocessing();
        batchPixels = new float[batch * spec.pixelsPerImage()];
        for (int i = 0; i < batch; i++) {
            Preprocessed p = Preprocessor.preprocess(images.get(i % images.size()), spec);
            System.arraycopy(p.pixels(), 0, batchPixels, i * spec.pixelsPerImage(), spec.pixelsPerImage());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        classifier.close();
    }

    /** What the OpenCV worker does for one upload (independent of the batch parameter). */
    @Benchmark
    public Object preprocessOneImage() {
        byte[] bytes = images.get(next++ % images.size());
        ImageHeader.inspect(bytes, 16_777_216L, 8192, 64L << 20);
        String sha = Sha256.hex(bytes);
        Preprocessed p = Preprocessor.preprocess(bytes, spec);
        return sha.length() + p.pixels().length;
    }

    /** One TensorFlow call for a batch; divide by the batch size for the cost per image. */
    @Benchmark
    public float[] inferBatch() {
        return classifier.predict(batchPixels, batch);
    }
}
