package org.mriclassifier.training;

import java.util.List;

/**
 * Groups images whose perceptual hashes are within a Hamming distance: a group is kept on one side of every
 * split, so a re-encoded or resized copy of a validation image never trains the model.
 */
public final class NearDuplicateGroups {

    /**
     * @param groupOf            group id of each sample (equal ids: near-duplicates, directly or through a chain)
     * @param groupCount         number of groups
     * @param linkedPairs        pairs within the distance
     * @param crossDatasetPairs  of those, pairs from different data sets
     * @param conflictingPairs   of those, pairs with different labels
     */
    public record Result(int[] groupOf, int groupCount, int linkedPairs, int crossDatasetPairs, int conflictingPairs) {
    }

    private NearDuplicateGroups() {
    }

    public static Result of(List<Sample> samples, int maxDistance) {
        int n = samples.size();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        int pairs = 0;
        int cross = 0;
        int conflicting = 0;
        for (int i = 0; i < n; i++) {
            Sample a = samples.get(i);
            for (int j = i + 1; j < n; j++) {
                Sample b = samples.get(j);
                if (PerceptualHash.distance(a.perceptualHash(), b.perceptualHash()) <= maxDistance) {
                    pairs++;
                    cross += a.dataset().equals(b.dataset()) ? 0 : 1;
                    conflicting += a.label() == b.label() ? 0 : 1;
                    union(parent, i, j);
                }
            }
        }
        int[] groupOf = new int[n];
        int[] idOfRoot = new int[n];
        java.util.Arrays.fill(idOfRoot, -1);
        int groups = 0;
        for (int i = 0; i < n; i++) {
            int root = find(parent, i);
            if (idOfRoot[root] < 0) {
                idOfRoot[root] = groups++;
            }
            groupOf[i] = idOfRoot[root];
        }
        return new Result(groupOf, groups, pairs, cross, conflicting);
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int rootA = find(parent, a);
        int rootB = find(parent, b);
        if (rootA != rootB) {
            parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
        }
    }
}
