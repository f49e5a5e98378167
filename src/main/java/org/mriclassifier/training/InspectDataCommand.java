package org.mriclassifier.training;

import java.io.PrintStream;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mriclassifier.vision.PreprocessSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Reports what the data holds before anyone trains on it: counts per label, exact duplicates within and across
 * data sets, and near-duplicates (the leakage a split must avoid).
 */
@Command(name = "inspect-data", mixinStandardHelpOptions = true,
        description = "Report counts, exact duplicates and near-duplicates of labelled image folders.")
public final class InspectDataCommand implements Callable<Integer> {

    private static final int HISTOGRAM_BITS = 40;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<ImageFile> files = DatasetScanner.scan(data.dataDirs());
        List<Sample> loaded = DatasetLoader.load(files, PreprocessSpec.original(), data.threads());
        out.printf("Files: %d, decoded: %d%n", files.size(), loaded.size());
        printCounts(out, "Decoded images", loaded);
        Deduplicator.Result dedup = Deduplicator.removeExactDuplicates(loaded);
        out.printf("Exact duplicates (SHA-256): %d copies removed, %d of them across data sets; %d contents under both labels (all copies dropped)%n",
                dedup.removedCopies(), dedup.crossDatasetCopies(), dedup.conflictingContent());
        printCounts(out, "Distinct images", dedup.kept());
        printNearestDistances(out, dedup.kept());
        NearDuplicateGroups.Result groups = NearDuplicateGroups.of(dedup.kept(), data.nearDuplicateDistance());
        out.printf("Near-duplicates at <= %d bits: %d pairs (%d across data sets, %d with different labels), %d groups for %d images%n",
                data.nearDuplicateDistance(), groups.linkedPairs(), groups.crossDatasetPairs(), groups.conflictingPairs(),
                groups.groupCount(), dedup.kept().size());
        printCrossDatasetCopies(out, dedup.kept(), data.nearDuplicateDistance());
        return 0;
    }

    private static void printCounts(PrintStream out, String title, List<Sample> samples) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        samples.forEach(s -> counts.merge(s.dataset() + " " + s.label().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum));
        out.println(title + ":");
        counts.forEach((key, count) -> out.printf("  %-60s %6d%n", key, count));
    }

    /** How many images of each data set and label have a near-duplicate in another data set: the leakage risk. */
    private static void printCrossDatasetCopies(PrintStream out, List<Sample> samples, int maxDistance) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        for (Sample a : samples) {
            boolean copied = samples.stream().anyMatch(b -> !b.dataset().equals(a.dataset())
                    && PerceptualHash.distance(a.perceptualHash(), b.perceptualHash()) <= maxDistance);
            if (copied) {
                counts.merge(a.dataset() + " " + a.label().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            }
        }
        out.printf("Images with a near-duplicate (<= %d bits) in another data set:%n", maxDistance);
        counts.forEach((key, count) -> out.printf("  %-60s %6d%n", key, count));
    }

    /** Histogram of each image's distance to its nearest neighbour, within its data set and in another one. */
    private static void printNearestDistances(PrintStream out, List<Sample> samples) {
        int[] within = new int[HISTOGRAM_BITS + 1];
        int[] across = new int[HISTOGRAM_BITS + 1];
        for (int i = 0; i < samples.size(); i++) {
            int nearestWithin = Integer.MAX_VALUE;
            int nearestAcross = Integer.MAX_VALUE;
            for (int j = 0; j < samples.size(); j++) {
                if (i == j) {
                    continue;
                }
                int d = PerceptualHash.distance(samples.get(i).perceptualHash(), samples.get(j).perceptualHash());
                if (samples.get(i).dataset().equals(samples.get(j).dataset())) {
                    nearestWithin = Math.min(nearestWithin, d);
                } else {
                    nearestAcross = Math.min(nearestAcross, d);
                }
            }
            if (nearestWithin <= HISTOGRAM_BITS) {
                within[nearestWithin]++;
            }
            if (nearestAcross <= HISTOGRAM_BITS) {
                across[nearestAcross]++;
            }
        }
        out.println("Nearest-neighbour perceptual-hash distance (bits of 256): images per distance");
        out.println("  bits  within-data-set  in-another-data-set");
        for (int d = 0; d <= HISTOGRAM_BITS; d++) {
            out.printf("  %4d  %15d  %19d%n", d, within[d], across[d]);
        }
    }
}
