package org.mriclassifier.training;

/** Indices into a sample list: the side that trains and the side that is held out. */
public record Split(int[] train, int[] heldOut) {
}
