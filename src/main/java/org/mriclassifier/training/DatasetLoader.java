package org.mriclassifier.training;

import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.mriclassifier.vision.ImageDecodeException;
import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.Preprocessor;
import org.opencv.core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads, hashes and preprocesses image files on a few threads, decoding each file once. */
public final class DatasetLoader {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetLoader.class);

    private DatasetLoader() {
    }

    /** Samples in the files' order; files that do not decode are skipped with a warning. */
    public static List<Sample> load(List<ImageFile> files, PreprocessSpec spec, int threads) {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<Optional<Sample>>> futures = new ArrayList<>(files.size());
            for (ImageFile file : files) {
                futures.add(pool.submit(() -> loadOne(file, spec)));
            }
            List<Sample> samples = new ArrayList<>(files.size());
            int fallbacks = 0;
            for (Future<Optional<Sample>> future : futures) {
                Optional<Sample> sample = future.get();
                if (sample.isPresent()) {
                    samples.add(sample.get());
                    fallbacks += sample.get().notASlice() ? 1 : 0;
                }
            }
            LOG.info("Preprocessed {} of {} images in {} s ({} without a brain contour or not slice-like: flagged unfamiliar)",
                    samples.size(), files.size(), (System.nanoTime() - start) / 1_000_000_000, fallbacks);
            return samples;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading images", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("loading images failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Optional<Sample> loadOne(ImageFile file, PreprocessSpec spec) throws IOException {
        byte[] bytes = Files.readAllBytes(file.path());
        Mat bgr;
        try {
            bgr = Preprocessor.decode(bytes);
        } catch (ImageDecodeException e) {
            LOG.warn("Skipping {}: {}", file.path(), e.getMessage());
            return Optional.empty();
        }
        try {
            Preprocessed preprocessed = Preprocessor.preprocess(bgr, spec);
            if (preprocessed.fallback()) {
                LOG.debug("{}: no usable brain contour, whole image used", file.path());
            }
            return Optional.of(new Sample(file, sha256(bytes), PerceptualHash.of(bgr), preprocessed.pixels(), preprocessed.notASlice(),
                    preprocessed.colourfulness()));
        } finally {
            bgr.release();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
