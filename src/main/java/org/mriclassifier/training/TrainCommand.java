package org.mriclassifier.training;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the model work lands: trains a CNN from labelled folders. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model from labelled image folders.")
public final class TrainCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("train: not built yet");
        return 2;
    }
}
