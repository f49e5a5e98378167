package org.mriclassifier.training;

import java.nio.file.Path;
import java.util.List;
import org.mriclassifier.vision.PreprocessSpec;

/**
 * Labelled folders read, preprocessed and deduplicated, with their near-duplicate groups: the one starting point of
 * training, cross-validation and evaluation.
 */
public record PreparedData(List<Sample> samples, Deduplicator.Result dedup, NearDuplicateGroups.Result groups) {

    public static PreparedData load(DataOptions options, PreprocessSpec spec) {
        if (options.keepDuplicates()) {
            return loadKeepingDuplicates(options.dataDirs(), options.threads(), spec);
        }
        return load(options.dataDirs(), options.nearDuplicateDistance(), options.threads(), spec);
    }

    /** Every file as its own group, copies included: only for reproducing the original's protocol. */
    static PreparedData loadKeepingDuplicates(List<Path> dataDirs, int threads, PreprocessSpec spec) {
        List<Sample> loaded = DatasetLoader.load(DatasetScanner.scan(dataDirs), spec, threads);
        int[] ownGroup = java.util.stream.IntStream.range(0, loaded.size()).toArray();
        return new PreparedData(loaded, new Deduplicator.Result(loaded, 0, 0, 0),
                new NearDuplicateGroups.Result(ownGroup, loaded.size(), 0, 0, 0));
    }

    public static PreparedData load(List<Path> dataDirs, int nearDuplicateDistance, int threads, PreprocessSpec spec) {
        List<Sample> loaded = DatasetLoader.load(DatasetScanner.scan(dataDirs), spec, threads);
        Deduplicator.Result dedup = Deduplicator.removeExactDuplicates(loaded);
        NearDuplicateGroups.Result groups = NearDuplicateGroups.of(dedup.kept(), nearDuplicateDistance);
        return new PreparedData(dedup.kept(), dedup, groups);
    }

    public List<Sample> select(int[] indices) {
        return java.util.Arrays.stream(indices).mapToObj(samples::get).toList();
    }

    /** The group ids of the selected samples, in the same order, for splitting a subset again. */
    public int[] groupsOf(int[] indices) {
        return java.util.Arrays.stream(indices).map(i -> groups.groupOf()[i]).toArray();
    }

    public Split holdOut(double fraction, long seed) {
        return StratifiedSplitter.holdOut(samples, groups.groupOf(), fraction, seed);
    }
}
