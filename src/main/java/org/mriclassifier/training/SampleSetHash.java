package org.mriclassifier.training;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A fingerprint of a set of images and labels, independent of file names and order. */
public final class SampleSetHash {

    private SampleSetHash() {
    }

    public static String of(List<Sample> samples) {
        String lines = samples.stream()
                .map(s -> s.sha256() + " " + s.label().value())
                .sorted()
                .reduce(new StringBuilder(), (sb, line) -> sb.append(line).append('\n'), StringBuilder::append)
                .toString();
        return DatasetLoader.sha256(lines.getBytes(StandardCharsets.UTF_8));
    }
}
