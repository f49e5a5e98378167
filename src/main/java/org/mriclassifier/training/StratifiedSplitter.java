package org.mriclassifier.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Stratified, group-aware splits with a fixed seed. Strata are (data set, label), so each side keeps the class
 * balance of every data set; near-duplicate groups are never cut in two.
 */
public final class StratifiedSplitter {

    private StratifiedSplitter() {
    }

    /** Holds out about {@code fraction} of every stratum. */
    public static Split holdOut(List<Sample> samples, int[] groupOf, double fraction, long seed) {
        if (fraction <= 0 || fraction >= 1) {
            throw new IllegalArgumentException("held-out fraction must be in (0,1), got " + fraction);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> heldOut = new ArrayList<>();
        for (List<List<Integer>> groups : groupsByStratum(samples, groupOf, seed).values()) {
            int stratumSize = groups.stream().mapToInt(List::size).sum();
            long target = Math.round(fraction * stratumSize);
            int heldOutHere = 0;
            for (List<Integer> group : groups) {
                if (heldOutHere < target) {
                    heldOut.addAll(group);
                    heldOutHere += group.size();
                } else {
                    train.addAll(group);
                }
            }
        }
        return new Split(sorted(train), sorted(heldOut));
    }

    /** Splits every stratum into k folds of near-equal size; fold i holds out the i-th part. */
    public static List<Split> kFold(List<Sample> samples, int[] groupOf, int k, long seed) {
        if (k < 2) {
            throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + k);
        }
        List<List<Integer>> folds = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            folds.add(new ArrayList<>());
        }
        for (List<List<Integer>> groups : groupsByStratum(samples, groupOf, seed).values()) {
            int[] inStratum = new int[k];
            for (List<Integer> group : groups) {
                int smallest = 0;
                for (int f = 1; f < k; f++) {
                    if (inStratum[f] < inStratum[smallest]) {
                        smallest = f;
                    }
                }
                folds.get(smallest).addAll(group);
                inStratum[smallest] += group.size();
            }
        }
        List<Split> splits = new ArrayList<>(k);
        for (int f = 0; f < k; f++) {
            List<Integer> train = new ArrayList<>();
            for (int other = 0; other < k; other++) {
                if (other != f) {
                    train.addAll(folds.get(other));
                }
            }
            splits.add(new Split(sorted(train), sorted(folds.get(f))));
        }
        return splits;
    }

    /**
     * Groups of sample indices per stratum, each stratum's groups in a seeded random order. Strata are numbered by
     * the data set's position in the sample list (the --data order) and the label, and each stratum shuffles with
     * its own generator, so a split does not depend on how a folder's path was spelled.
     */
    private static Map<Integer, List<List<Integer>>> groupsByStratum(List<Sample> samples, int[] groupOf, long seed) {
        Map<String, Integer> datasetPosition = new java.util.HashMap<>();
        samples.forEach(s -> datasetPosition.putIfAbsent(s.dataset(), datasetPosition.size()));
        Map<Integer, List<Integer>> members = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            members.computeIfAbsent(groupOf[i], g -> new ArrayList<>()).add(i);
        }
        Map<Integer, List<List<Integer>>> strata = new TreeMap<>();
        for (List<Integer> group : members.values()) {
            Sample first = samples.get(group.get(0));
            int stratum = datasetPosition.get(first.dataset()) * Label.values().length + first.label().ordinal();
            strata.computeIfAbsent(stratum, s -> new ArrayList<>()).add(group);
        }
        strata.forEach((stratum, groups) -> {
            groups.sort(java.util.Comparator.comparing(group -> group.get(0)));
            Collections.shuffle(groups, new Random(seed * 31 + stratum));
        });
        return strata;
    }

    private static int[] sorted(List<Integer> indices) {
        return indices.stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
